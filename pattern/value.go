package pattern

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
)

// The JSON values a path selects are those of encoding/json decoding with
// UseNumber (string, json.Number, bool, nil, map[string]any, []any), plus
// []byte for properties whose names end in _hex or _bin, which STIX defines
// as binary.

// number is a JSON or literal number; isInt keeps the int/float distinction
// of the source text, which the matching rules depend on.
type number struct {
	isInt bool
	i     int64
	f     float64
}

func jsonNumber(n json.Number) (number, bool) {
	s := string(n)
	if !strings.ContainsAny(s, ".eE") {
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return number{isInt: true, i: i, f: float64(i)}, true
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !math.IsInf(f, 0) {
		return number{}, false
	}
	return number{f: f}, true
}

func literalNumber(l Literal) (number, bool) {
	switch l.Kind {
	case LitInt:
		return number{isInt: true, i: l.Int, f: float64(l.Int)}, true
	case LitFloat:
		return number{f: l.Float}, true
	}
	return number{}, false
}

// cmpNumber orders two numbers.
func cmpNumber(a, b number) int {
	if a.isInt && b.isInt {
		switch {
		case a.i < b.i:
			return -1
		case a.i > b.i:
			return 1
		}
		return 0
	}
	switch {
	case a.f < b.f:
		return -1
	case a.f > b.f:
		return 1
	}
	return 0
}

// latin1 turns a string into bytes when every code point is below 256, as the
// specification asks for comparing strings with binary values.
func latin1(s string) ([]byte, bool) {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 255 {
			return nil, false
		}
		b = append(b, byte(r))
	}
	return b, true
}

// fromLatin1 maps each byte to the code point of the same number.
func fromLatin1(b []byte) string {
	var sb strings.Builder
	for _, c := range b {
		sb.WriteRune(rune(c))
	}
	return sb.String()
}

// equalValue reports whether a JSON value equals a literal under the
// specification's typing: numbers compare across int and float, strings with
// strings, binary with binary or with a string of code points below 256,
// booleans with booleans. Mismatched types are unequal. Timestamp literals are
// handled by the caller.
func equalValue(v any, l Literal) bool {
	switch x := v.(type) {
	case string:
		switch l.Kind {
		case LitString:
			return x == l.Str
		case LitBinary:
			b, ok := latin1(x)
			return ok && bytes.Equal(b, l.Bytes)
		}
	case []byte:
		switch l.Kind {
		case LitBinary:
			return bytes.Equal(x, l.Bytes)
		case LitString:
			b, ok := latin1(l.Str)
			return ok && bytes.Equal(x, b)
		}
	case json.Number:
		if ln, ok := literalNumber(l); ok {
			if n, ok := jsonNumber(x); ok {
				return cmpNumber(n, ln) == 0
			}
		}
	case bool:
		return l.Kind == LitBool && x == l.Bool
	}
	return false
}

// orderValue compares a JSON value with a literal; ok is false when the two
// cannot be ordered, which makes every order comparison false.
func orderValue(v any, l Literal) (c int, ok bool) {
	switch x := v.(type) {
	case string:
		switch l.Kind {
		case LitString:
			return strings.Compare(x, l.Str), true
		case LitBinary:
			b, ok := latin1(x)
			if !ok {
				return 0, false
			}
			return bytes.Compare(b, l.Bytes), true
		}
	case []byte:
		switch l.Kind {
		case LitBinary:
			return bytes.Compare(x, l.Bytes), true
		case LitString:
			b, ok := latin1(l.Str)
			if !ok {
				return 0, false
			}
			return bytes.Compare(x, b), true
		}
	case json.Number:
		if ln, ok := literalNumber(l); ok {
			if n, ok := jsonNumber(x); ok {
				return cmpNumber(n, ln), true
			}
		}
	}
	return 0, false
}

// inSet follows set membership of the reference matcher: numbers and
// booleans compare by numeric value (true equals 1), strings with strings,
// binary with binary.
func inSet(v any, set []Literal) bool {
	for _, l := range set {
		switch x := v.(type) {
		case string:
			if l.Kind == LitString && x == l.Str {
				return true
			}
		case []byte:
			if l.Kind == LitBinary && bytes.Equal(x, l.Bytes) {
				return true
			}
		case json.Number, bool:
			a, ok := numericOf(x)
			if !ok {
				continue
			}
			var b number
			switch l.Kind {
			case LitBool:
				b = boolNumber(l.Bool)
			case LitInt, LitFloat:
				b, _ = literalNumber(l)
			default:
				continue
			}
			if a.f == b.f && (!a.isInt || !b.isInt || a.i == b.i) {
				return true
			}
		}
	}
	return false
}

func boolNumber(b bool) number {
	if b {
		return number{isInt: true, i: 1, f: 1}
	}
	return number{isInt: true}
}

func numericOf(v any) (number, bool) {
	switch x := v.(type) {
	case json.Number:
		return jsonNumber(x)
	case bool:
		return boolNumber(x), true
	}
	return number{}, false
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// jsonNumberOf writes an integer as the json.Number decoding would produce.
func jsonNumberOf(n int) json.Number { return json.Number(strconv.Itoa(n)) }
