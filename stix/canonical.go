package stix

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// Canonical returns the RFC 8785 (JSON Canonicalization Scheme) form of one
// JSON value: object members sorted by the UTF-16 code units of their names,
// no insignificant white space, numbers in their ECMAScript shortest form and
// strings minimally escaped. The input must be I-JSON: duplicate member
// names, invalid UTF-8, lone surrogates and numbers outside the range of an
// IEEE 754 double are refused, since they have no single canonical form.
func Canonical(raw []byte) ([]byte, error) {
	v, err := parseJSON(raw)
	if err != nil {
		return nil, err
	}
	return appendCanonical(make([]byte, 0, len(raw)), &v)
}

// CanonicalSplit parses the JSON object raw once and returns the canonical
// form (as Canonical) of raw without its top-level member named omit, and
// the canonical form of the value of each top-level member named in pick,
// nil where raw has none; pick may name omit. It refuses what Canonical
// refuses, and a value that is not an object.
func CanonicalSplit(raw []byte, omit string, pick ...string) (canonical []byte, picked [][]byte, err error) {
	v, err := parseJSON(raw)
	if err != nil {
		return nil, nil, err
	}
	if v.kind != kObject {
		return nil, nil, fmt.Errorf("not a JSON object")
	}
	picked = make([][]byte, len(pick))
	for i, name := range pick {
		if m := v.get(name); m != nil {
			if picked[i], err = appendCanonical(nil, m); err != nil {
				return nil, nil, err
			}
		}
	}
	if i := slices.IndexFunc(v.obj, func(m member) bool { return m.key == omit }); i >= 0 {
		// What Canonical would refuse in the omitted value is refused too.
		if _, err := appendCanonical(nil, &v.obj[i].val); err != nil {
			return nil, nil, err
		}
		v.obj = slices.Delete(v.obj, i, i+1)
	}
	if canonical, err = appendCanonical(make([]byte, 0, len(raw)), &v); err != nil {
		return nil, nil, err
	}
	return canonical, picked, nil
}

// appendCanonical appends the canonical form of v to dst.
func appendCanonical(dst []byte, v *value) ([]byte, error) {
	switch v.kind {
	case kNull:
		return append(dst, "null"...), nil
	case kBool:
		if v.b {
			return append(dst, "true"...), nil
		}
		return append(dst, "false"...), nil
	case kNumber:
		return appendNumber(dst, v.s)
	case kString:
		return appendString(dst, v.s), nil
	case kArray:
		dst = append(dst, '[')
		for i := range v.arr {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = appendCanonical(dst, &v.arr[i]); err != nil {
				return nil, err
			}
		}
		return append(dst, ']'), nil
	default:
		// Sort member indexes, not the members themselves, and leave the
		// tree in input order for selectors and error paths.
		var small [32]int32
		order := small[:0]
		if len(v.obj) > len(small) {
			order = make([]int32, 0, len(v.obj))
		}
		for i := range v.obj {
			order = append(order, int32(i))
		}
		slices.SortFunc(order, func(a, b int32) int { return compareUTF16(v.obj[a].key, v.obj[b].key) })
		dst = append(dst, '{')
		for n, i := range order {
			if n > 0 {
				dst = append(dst, ',')
			}
			m := &v.obj[i]
			dst = appendString(dst, m.key)
			dst = append(dst, ':')
			var err error
			if dst, err = appendCanonical(dst, &m.val); err != nil {
				return nil, err
			}
		}
		return append(dst, '}'), nil
	}
}

// compareUTF16 orders strings by their UTF-16 code units, as RFC 8785 sorts
// member names. It differs from byte order only when a character above
// U+FFFF meets one in U+E000..U+FFFF.
func compareUTF16(a, b string) int {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	if i == len(a) || i == len(b) {
		return len(a) - len(b)
	}
	// Back up to the start of the character where the strings differ; the
	// shared prefix is the same in both, so it starts there in both.
	for i > 0 && a[i]&0xC0 == 0x80 {
		i--
	}
	ra, _ := utf8.DecodeRuneInString(a[i:])
	rb, _ := utf8.DecodeRuneInString(b[i:])
	ua, ub := firstUnit(ra), firstUnit(rb)
	switch {
	case ua < ub:
		return -1
	case ua > ub:
		return 1
	case ra < rb: // same high surrogate: the low ones order as code points
		return -1
	default:
		return 1
	}
}

func firstUnit(r rune) rune {
	if r >= 0x10000 {
		hi, _ := utf16.EncodeRune(r)
		return hi
	}
	return r
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string escaped as RFC 8785 requires:
// only '"', '\\' and control characters, with the short forms where JSON
// has them.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
		}
		start = i + 1
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendNumber appends the number literal lit in the ECMAScript
// Number.prototype.toString form that RFC 8785 prescribes.
func appendNumber(dst []byte, lit string) ([]byte, error) {
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil || math.IsInf(f, 0) {
		return nil, fmt.Errorf("number %s is outside the range of an IEEE 754 double", lit)
	}
	return appendES6(dst, f), nil
}

// appendES6 formats a finite float64 as ECMAScript does.
func appendES6(dst []byte, f float64) []byte {
	if f == 0 {
		return append(dst, '0') // also for -0
	}
	if f < 0 {
		dst = append(dst, '-')
		f = -f
	}
	// Shortest round-trip digits and exponent: d.ddd e±x.
	var tmp [32]byte
	e := strconv.AppendFloat(tmp[:0], f, 'e', -1, 64)
	mant, exp, _ := bytes.Cut(e, []byte{'e'})
	digits := make([]byte, 0, len(mant))
	for _, c := range mant {
		if c != '.' {
			digits = append(digits, c)
		}
	}
	x, _ := strconv.Atoi(string(exp))
	k := len(digits)
	n := x + 1 // value = 0.digits × 10^n
	switch {
	case k <= n && n <= 21:
		dst = append(dst, digits...)
		for i := 0; i < n-k; i++ {
			dst = append(dst, '0')
		}
	case 0 < n && n <= 21:
		dst = append(dst, digits[:n]...)
		dst = append(dst, '.')
		dst = append(dst, digits[n:]...)
	case -6 < n && n <= 0:
		dst = append(dst, '0', '.')
		for i := 0; i < -n; i++ {
			dst = append(dst, '0')
		}
		dst = append(dst, digits...)
	default:
		dst = append(dst, digits[0])
		if k > 1 {
			dst = append(dst, '.')
			dst = append(dst, digits[1:]...)
		}
		dst = append(dst, 'e')
		if n-1 >= 0 {
			dst = append(dst, '+')
		}
		dst = strconv.AppendInt(dst, int64(n-1), 10)
	}
	return dst
}
