package pattern

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// valueMatcher holds what a comparison needs at evaluation time, prepared once
// at parse time.
// Its optional parts are pointers, so that the equality tests most
// indicators hold stay small.
type valueMatcher struct {
	text    *textMatcher // LIKE and MATCHES
	cidr    *cidrOperand // ISSUBSET and ISSUPERSET
	setTime bool         // IN over timestamp literals
}

type textMatcher struct {
	re       *regexp.Regexp // on NFC-normalised text
	must     string         // a literal every text re matches contains
	binaryOK bool           // the expression may be applied to binary values
}

type cidrOperand struct {
	prefix netip.Prefix
	err    error
}

// init prepares the matcher of comparison c; an error means every
// evaluation fails (a set mixing types, a regular expression RE2 cannot
// compile).
func (m *valueMatcher) init(c *Comparison) error {
	switch c.Op {
	case OpIn:
		if err := checkSetTypes(c.Set); err != nil {
			return err
		}
		// Impossible timestamps in the set were recorded by the parser.
		m.setTime = len(c.Set) > 0 && c.Set[0].Kind == LitTimestamp
	case OpLike:
		expr := likeToRegexp(normalizeNFC(c.Value.Str))
		re, err := regexp.Compile(expr)
		if err != nil {
			return fmt.Errorf("LIKE %s: %v", c.Value.Text, err)
		}
		m.text = &textMatcher{re: re, binaryOK: below256(expr), must: likeLiteral(normalizeNFC(c.Value.Str))}
	case OpMatches:
		expr := normalizeNFC(c.Value.Str)
		re, err := regexp.Compile(expr)
		if err != nil {
			return fmt.Errorf("MATCHES %s: not a regular expression this matcher supports (RE2 syntax): %v", c.Value.Text, err)
		}
		m.text = &textMatcher{re: re, binaryOK: below256(expr), must: regexpLiteral(expr)}
	case OpIsSubset, OpIsSuperset:
		m.cidr = &cidrOperand{}
		m.cidr.prefix, m.cidr.err = parseAddrOrPrefix(c.Value.Str, c.Op == OpIsSubset)
	}
	return nil
}

func below256(s string) bool {
	for _, r := range s {
		if r > 255 {
			return false
		}
	}
	return true
}

// checkSetTypes requires the members of a set to share one type; integers
// and floats may mix.
func checkSetTypes(set []Literal) error {
	for _, l := range set[min(1, len(set)):] {
		a, b := set[0].Kind, l.Kind
		num := func(k LiteralKind) bool { return k == LitInt || k == LitFloat }
		if a != b && !(num(a) && num(b)) {
			return fmt.Errorf("set mixes %s and %s values", a, b)
		}
	}
	return nil
}

// likeToRegexp translates a LIKE operand: % is any run of characters, _ one
// character, and the whole value must match. A trailing newline is tolerated,
// like the reference matcher's "$".
func likeToRegexp(like string) string {
	var b strings.Builder
	b.WriteString("^")
	for _, r := range like {
		switch r {
		case '%':
			b.WriteString(".*")
		case '_':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("\n?$")
	return b.String()
}

// parseAddrOrPrefix reads "a.b.c.d", "a.b.c.d/n" or their IPv6 forms. With
// needSlash, a plain address is refused, as for the container of a subset test.
func parseAddrOrPrefix(s string, needSlash bool) (netip.Prefix, error) {
	addrPart, bits, hasSlash := strings.Cut(s, "/")
	if needSlash && !hasSlash {
		return netip.Prefix{}, fmt.Errorf("invalid CIDR subnet %q", s)
	}
	a, err := netip.ParseAddr(addrPart)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("invalid IP address %q", s)
	}
	a = a.Unmap()
	if !hasSlash {
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	n := 0
	for i := 0; i < len(bits); i++ {
		if !isDigit(bits[i]) || i > 3 {
			return netip.Prefix{}, fmt.Errorf("invalid CIDR subnet %q", s)
		}
		n = n*10 + int(bits[i]-'0')
	}
	if bits == "" || n < 1 || n > a.BitLen() {
		return netip.Prefix{}, fmt.Errorf("invalid CIDR subnet %q", s)
	}
	return netip.PrefixFrom(a, n), nil
}

// prefixContains reports whether inner lies within outer.
func prefixContains(outer, inner netip.Prefix) bool {
	if outer.Addr().Is4() != inner.Addr().Is4() || outer.Bits() > inner.Bits() {
		return false
	}
	return outer.Masked().Addr() == netip.PrefixFrom(inner.Addr(), outer.Bits()).Masked().Addr()
}

// test applies comparison c, whose matcher m is, to one selected value,
// before NOT.
func (m *valueMatcher) test(c *Comparison, v any) (bool, error) {
	switch c.Op {
	case OpEQ, OpNEQ:
		var eq bool
		if c.Value.Kind == LitTimestamp {
			t, ok, err := jsonTime(v)
			if err != nil {
				return false, err
			}
			eq = ok && t.Equal(c.Value.Time)
		} else {
			eq = equalValue(v, c.Value)
		}
		return eq == (c.Op == OpEQ), nil
	case OpLT, OpLE, OpGT, OpGE:
		var r int
		var ok bool
		if c.Value.Kind == LitTimestamp {
			t, isTime, err := jsonTime(v)
			if err != nil {
				return false, err
			}
			ok, r = isTime, t.Compare(c.Value.Time)
		} else {
			r, ok = orderValue(v, c.Value)
		}
		if !ok {
			return false, nil
		}
		switch c.Op {
		case OpLT:
			return r < 0, nil
		case OpLE:
			return r <= 0, nil
		case OpGT:
			return r > 0, nil
		}
		return r >= 0, nil
	case OpIn:
		if m.setTime {
			t, ok, err := jsonTime(v)
			if err != nil || !ok {
				return false, err
			}
			for _, l := range c.Set {
				if t.Equal(l.Time) {
					return true, nil
				}
			}
			return false, nil
		}
		return inSet(v, c.Set), nil
	case OpLike, OpMatches:
		var s string
		switch x := v.(type) {
		case string:
			s = normalizeNFC(x)
		case []byte:
			if !m.text.binaryOK {
				return false, nil
			}
			if c.Op == OpLike {
				if !utf8.Valid(x) {
					return false, nil
				}
				s = normalizeNFC(string(x))
			} else {
				s = fromLatin1(x)
			}
		default:
			return false, nil
		}
		if !strings.Contains(s, m.text.must) {
			return false, nil
		}
		return m.text.re.MatchString(s), nil
	case OpIsSubset, OpIsSuperset:
		s, ok := v.(string)
		if !ok {
			return false, nil
		}
		if m.cidr.err != nil {
			return false, m.cidr.err
		}
		if c.Op == OpIsSubset {
			inner, err := parseAddrOrPrefix(s, false)
			if err != nil {
				return false, err
			}
			return prefixContains(m.cidr.prefix, inner), nil
		}
		// A plain address in the data is a one-address block.
		outer, err := parseAddrOrPrefix(s, false)
		if err != nil {
			return false, err
		}
		return prefixContains(outer, m.cidr.prefix), nil
	}
	return false, fmt.Errorf("operator %s cannot be applied to a value", c.Op)
}

// jsonTime reads a JSON string as a timestamp when the pattern compares with
// a timestamp literal; a string that is not a timestamp is an error, other
// JSON types simply do not compare.
func jsonTime(v any) (time.Time, bool, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, false, nil
	}
	t, err := parseTimestamp(s)
	if err != nil {
		return t, false, fmt.Errorf("invalid timestamp in JSON: %q", s)
	}
	return t, true, nil
}
