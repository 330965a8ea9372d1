package pattern

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// LiteralKind is the type of a literal constant in a pattern.
type LiteralKind int

// Literal kinds. Hex (h'..') and base64 (b'..') literals are both binary.
const (
	LitInt LiteralKind = iota + 1
	LitFloat
	LitString
	LitBool
	LitBinary
	LitTimestamp
)

var litKindNames = map[LiteralKind]string{
	LitInt: "integer", LitFloat: "float", LitString: "string", LitBool: "boolean",
	LitBinary: "binary", LitTimestamp: "timestamp",
}

// String names the kind.
func (k LiteralKind) String() string { return litKindNames[k] }

// Literal is a constant from a pattern. Text keeps the source spelling.
type Literal struct {
	Kind  LiteralKind
	Int   int64
	Float float64
	Str   string
	Bytes []byte
	Bool  bool
	Time  time.Time
	Text  string
}

// unquote decodes a StringLiteral: only \' and \\ are escapes.
func unquote(s string) string {
	s = s[1 : len(s)-1]
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// quoter escapes a string literal's backslashes and quotes; a Replacer is
// safe for concurrent use, and building one costs more than using it.
var quoter = strings.NewReplacer(`\`, `\\`, `'`, `\'`)

// quoteString is the inverse of unquote.
func quoteString(s string) string {
	return "'" + quoter.Replace(s) + "'"
}

// literalFromToken converts a literal token; it fails only for numbers that do
// not fit 64 bits. A timestamp literal with the grammar's shape that is not a
// real instant (30 February, second 60) is accepted, as the grammar accepts
// it, and timeErr says why evaluating it must fail.
func literalFromToken(t token) (l Literal, timeErr error, err error) {
	l = Literal{Text: t.text}
	fail := func(format string, args ...any) (Literal, error, error) {
		return l, nil, fmt.Errorf(format, args...)
	}
	switch t.kind {
	case tokIntPos, tokIntNeg:
		n, err := strconv.ParseInt(strings.TrimPrefix(t.text, "+"), 10, 64)
		if err != nil {
			return fail("integer %s out of range", t.text)
		}
		l.Kind, l.Int = LitInt, n
	case tokFloatPos, tokFloatNeg:
		f, err := strconv.ParseFloat(strings.TrimPrefix(t.text, "+"), 64)
		if err != nil {
			return fail("float %s out of range", t.text)
		}
		l.Kind, l.Float = LitFloat, f
	case tokString:
		l.Kind, l.Str = LitString, unquote(t.text)
	case tokBool:
		l.Kind, l.Bool = LitBool, strings.EqualFold(t.text, "true")
	case tokHex:
		b, err := hex.DecodeString(t.text[2 : len(t.text)-1])
		if err != nil {
			return fail("bad hex literal %s", t.text)
		}
		l.Kind, l.Bytes = LitBinary, b
	case tokBinary:
		b, err := base64.StdEncoding.DecodeString(t.text[2 : len(t.text)-1])
		if err != nil {
			return fail("bad base64 literal %s", t.text)
		}
		l.Kind, l.Bytes = LitBinary, b
	case tokTimestamp:
		l.Kind = LitTimestamp
		l.Time, timeErr = parseTimestamp(t.text[2 : len(t.text)-1])
	default:
		return fail("%s is not a literal", t.kind)
	}
	return l, timeErr, nil
}

var errTimestamp = errors.New("invalid timestamp")

// parseTimestamp reads an RFC 3339 UTC timestamp as STIX writes it:
// YYYY-MM-DDTHH:MM:SS[.fraction]Z, upper-case T and Z. The fraction is kept to
// the microsecond, like the reference matcher.
func parseTimestamp(s string) (time.Time, error) {
	if len(s) < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[len(s)-1] != 'Z' {
		return time.Time{}, fmt.Errorf("%w: %q", errTimestamp, s)
	}
	num := func(a, b int) int {
		n := 0
		for i := a; i < b; i++ {
			if !isDigit(s[i]) {
				return -1
			}
			n = n*10 + int(s[i]-'0')
		}
		return n
	}
	y, mo, d, h, mi, sec := num(0, 4), num(5, 7), num(8, 10), num(11, 13), num(14, 16), num(17, 19)
	if y < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59 {
		return time.Time{}, fmt.Errorf("%w: %q", errTimestamp, s)
	}
	nsec := 0
	rest := s[19 : len(s)-1]
	if rest != "" {
		if rest[0] != '.' || len(rest) < 2 {
			return time.Time{}, fmt.Errorf("%w: %q", errTimestamp, s)
		}
		frac := rest[1:]
		for i := 0; i < len(frac); i++ {
			if !isDigit(frac[i]) {
				return time.Time{}, fmt.Errorf("%w: %q", errTimestamp, s)
			}
		}
		if len(frac) > 6 {
			frac = frac[:6]
		}
		for len(frac) < 6 {
			frac += "0"
		}
		us, _ := strconv.Atoi(frac)
		nsec = us * 1000
	}
	t := time.Date(y, time.Month(mo), d, h, mi, sec, nsec, time.UTC)
	if t.Day() != d {
		return time.Time{}, fmt.Errorf("%w: %q (no such day)", errTimestamp, s)
	}
	return t, nil
}
