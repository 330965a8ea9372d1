package pattern

import (
	"strings"
	"unicode/utf8"
)

// lexer splits a pattern into tokens the way the ANTLR lexer generated from
// STIXPattern.g4 does: at each position the longest match wins, and between
// matches of equal length the rule listed first in the grammar wins. Copying
// that rule exactly matters, because it decides for instance that t'2016-13-01T00:00:00Z'
// is the identifier "t" followed by a string, not a bad timestamp.
type lexer struct {
	src string
	pos int
}

func isDigit(c byte) bool   { return c >= '0' && c <= '9' }
func isLetter(c byte) bool  { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' }
func isIdentCh(c byte) bool { return isLetter(c) || isDigit(c) }
func isHex(c byte) bool     { return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }
func isB64(c byte) bool     { return isLetter(c) && c != '_' || isDigit(c) || c == '+' || c == '/' }

// isSpace reports whether r is in the grammar's WS set.
func isSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\r', '\n', 0x0B, 0x0C, 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
		return true
	}
	return r >= 0x2000 && r <= 0x200A
}

// skip passes over whitespace and comments.
func (l *lexer) skip() {
	for l.pos < len(l.src) {
		r, n := utf8.DecodeRuneInString(l.src[l.pos:])
		if isSpace(r) {
			l.pos += n
			continue
		}
		if strings.HasPrefix(l.src[l.pos:], "//") {
			end := strings.IndexAny(l.src[l.pos:], "\r\n")
			if end < 0 {
				l.pos = len(l.src)
			} else {
				l.pos += end
			}
			continue
		}
		if strings.HasPrefix(l.src[l.pos:], "/*") {
			end := strings.Index(l.src[l.pos+2:], "*/")
			if end >= 0 {
				l.pos += 2 + end + 2
				continue
			}
		}
		return
	}
}

// numberLen returns the lengths of the longest integer and float literal at s
// (after an optional sign already consumed by the caller).
func numberLen(s string) (intLen, floatLen int) {
	if len(s) > 0 && s[0] == '0' {
		intLen = 1
	} else if len(s) > 0 && s[0] >= '1' && s[0] <= '9' {
		intLen = 1
		for intLen < len(s) && isDigit(s[intLen]) {
			intLen++
		}
	}
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	if i < len(s) && s[i] == '.' {
		j := i + 1
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		if j > i+1 {
			floatLen = j
		}
	}
	return intLen, floatLen
}

// quotedLen returns the length of a string literal starting at s[0] == '\”,
// or 0 when it is not terminated.
func quotedLen(s string) int {
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 < len(s) && (s[i+1] == '\'' || s[i+1] == '\\') {
				i++
				continue
			}
			return 0
		case '\'':
			return i + 1
		}
	}
	return 0
}

func hexLen(s string) int {
	i := 2
	for i+1 < len(s) && isHex(s[i]) && isHex(s[i+1]) {
		i += 2
	}
	if i < len(s) && s[i] == '\'' {
		return i + 1
	}
	return 0
}

// b64Len follows BinaryLiteral: groups of four, the last one possibly padded.
func b64Len(s string) int {
	i := 2
	n := 0
	for i < len(s) && isB64(s[i]) {
		i++
		n++
	}
	switch {
	case n%4 == 0 && n > 0:
	case n%4 == 3 && i < len(s) && s[i] == '=':
		i++
	case n%4 == 2 && i+1 < len(s) && s[i] == '=' && s[i+1] == '=':
		i += 2
	default:
		return 0
	}
	if i < len(s) && s[i] == '\'' {
		return i + 1
	}
	return 0
}

// timestampLen checks the TimestampLiteral shape: t'YYYY-MM-DDTHH:MM:SS(.f+)?Z'.
func timestampLen(s string) int {
	if len(s) < 23 || s[1] != '\'' {
		return 0
	}
	b := s[2:]
	d := func(i int) bool { return i < len(b) && isDigit(b[i]) }
	if !(d(0) && d(1) && d(2) && d(3) && b[4] == '-') {
		return 0
	}
	mo, da, hh := b[5:7], b[8:10], b[11:13]
	if !(mo[0] == '0' && mo[1] >= '1' && mo[1] <= '9' || mo[0] == '1' && mo[1] >= '0' && mo[1] <= '2') || b[7] != '-' {
		return 0
	}
	if !(da[0] == '0' && da[1] >= '1' && da[1] <= '9' || (da[0] == '1' || da[0] == '2') && isDigit(da[1]) || da[0] == '3' && (da[1] == '0' || da[1] == '1')) || b[10] != 'T' {
		return 0
	}
	if !((hh[0] == '0' || hh[0] == '1') && isDigit(hh[1]) || hh[0] == '2' && hh[1] >= '0' && hh[1] <= '3') || b[13] != ':' {
		return 0
	}
	if !(b[14] >= '0' && b[14] <= '5' && d(15) && b[16] == ':') {
		return 0
	}
	if !(b[17] >= '0' && b[17] <= '5' && d(18) || b[17] == '6' && b[18] == '0') {
		return 0
	}
	i := 19
	if i < len(b) && b[i] == '.' {
		j := i + 1
		for d(j) {
			j++
		}
		if j == i+1 {
			return 0
		}
		i = j
	}
	if i+1 < len(b) && b[i] == 'Z' && b[i+1] == '\'' {
		return i + 2 + 2
	}
	return 0
}

// next returns the next token.
func (l *lexer) next() token {
	l.skip()
	if l.pos >= len(l.src) {
		return token{kind: tokEOF, pos: l.pos}
	}
	s := l.src[l.pos:]
	start := l.pos
	best, kind := 0, tokInvalid
	try := func(n int, k tokenKind) {
		if n > best {
			best, kind = n, k
		}
	}
	c := s[0]
	switch {
	case c == '-':
		il, fl := numberLen(s[1:])
		if il > 0 {
			try(il+1, tokIntNeg)
		}
		if fl > 0 {
			try(fl+1, tokFloatNeg)
		}
		try(1, tokHyphen)
	case c == '+' || isDigit(c) || c == '.':
		off := 0
		if c == '+' {
			off = 1
		}
		il, fl := numberLen(s[off:])
		if il > 0 {
			try(il+off, tokIntPos)
		}
		if fl > 0 {
			try(fl+off, tokFloatPos)
		}
		if c == '+' {
			try(1, tokPlus)
		}
		if c == '.' {
			try(1, tokDot)
		}
	case c == '\'':
		try(quotedLen(s), tokString)
		try(1, tokQuote)
	case isLetter(c):
		if len(s) > 1 && s[1] == '\'' {
			switch c {
			case 'h':
				try(hexLen(s), tokHex)
			case 'b':
				try(b64Len(s), tokBinary)
			case 't':
				try(timestampLen(s), tokTimestamp)
			}
		}
		n := 1
		for n < len(s) && isIdentCh(s[n]) {
			n++
		}
		word := s[:n]
		switch {
		case word == "true" || word == "false":
			try(n, tokBool)
		default:
			if k, ok := keywords[word]; ok {
				try(n, k)
			}
		}
		try(n, tokIdent)
		h := n
		for h < len(s) && (isIdentCh(s[h]) || s[h] == '-') {
			h++
		}
		if h > n {
			try(h, tokIdentHyphen)
		}
	default:
		switch c {
		case '=':
			try(1, tokEQ)
			if strings.HasPrefix(s, "==") {
				try(2, tokEQ)
			}
		case '!':
			if strings.HasPrefix(s, "!=") {
				try(2, tokNEQ)
			}
		case '<':
			try(1, tokLT)
			if strings.HasPrefix(s, "<=") {
				try(2, tokLE)
			} else if strings.HasPrefix(s, "<>") {
				try(2, tokNEQ)
			}
		case '>':
			try(1, tokGT)
			if strings.HasPrefix(s, ">=") {
				try(2, tokGE)
			}
		case ':':
			try(1, tokColon)
		case ',':
			try(1, tokComma)
		case '(':
			try(1, tokLParen)
		case ')':
			try(1, tokRParen)
		case '[':
			try(1, tokLBrack)
		case ']':
			try(1, tokRBrack)
		case '^':
			try(1, tokPower)
		case '/':
			try(1, tokDivide)
		case '*':
			try(1, tokAsterisk)
		}
	}
	if best == 0 {
		_, n := utf8.DecodeRuneInString(s)
		best, kind = n, tokInvalid
	}
	l.pos += best
	return token{kind: kind, text: s[:best], pos: start}
}
