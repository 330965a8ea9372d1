package pattern

import (
	"encoding/json"
	"net/netip"
	"regexp/syntax"
	"strconv"
	"strings"
)

// A guard is a necessary condition for a comparison expression, expressed as
// index entries: if the expression holds for some object, the object's value
// at one of the atoms' paths produces one of the atoms' keys. The index uses
// guards only to find candidates; every candidate is confirmed by the
// evaluator, so a guard may be loose but must never miss.

type atomKind uint8

const (
	atomEq   atomKind = iota + 1 // exact value key
	atomTri                      // a literal every match contains; indexed by one of its trigrams
	atomCIDR                     // ISSUBSET prefix
)

type atom struct {
	kind   atomKind
	path   ObjectPath
	key    string // atomEq: value key; atomTri: the literal
	prefix netip.Prefix
}

// guardOf returns the atoms of a comparison expression and whether it has a
// guard at all. A guarded expression with no atoms can never hold.
func guardOf(e ComparisonExpr) ([]atom, bool) {
	switch x := e.(type) {
	case *ComparisonBinary:
		l, lok := guardOf(x.Left)
		r, rok := guardOf(x.Right)
		if x.And {
			switch {
			case lok && rok:
				if guardCost(r) < guardCost(l) {
					return r, true
				}
				return l, true
			case lok:
				return l, true
			}
			return r, rok
		}
		if !lok || !rok {
			return nil, false
		}
		return append(append([]atom(nil), l...), r...), true
	case *Comparison:
		return comparisonAtoms(x)
	}
	return nil, false
}

// guardCost prefers exact keys over trigrams, and fewer atoms over more.
func guardCost(atoms []atom) int {
	c := 0
	for _, a := range atoms {
		c++
		if a.kind == atomTri {
			c += 8
		}
	}
	return c
}

func comparisonAtoms(c *Comparison) ([]atom, bool) {
	if c.Negated {
		return nil, false
	}
	switch c.Op {
	case OpEQ:
		k, ok := literalKey(c.Value)
		if !ok {
			return nil, false
		}
		return []atom{{kind: atomEq, path: c.Path, key: k}}, true
	case OpIn:
		atoms := []atom{}
		for _, l := range c.Set {
			k, ok := literalKey(l)
			if !ok {
				return nil, false
			}
			atoms = append(atoms, atom{kind: atomEq, path: c.Path, key: k})
			if l.Kind == LitBool {
				// In a set, true equals 1 and false equals 0.
				n := "n:0"
				if l.Bool {
					n = "n:1"
				}
				atoms = append(atoms, atom{kind: atomEq, path: c.Path, key: n})
			}
		}
		return atoms, true
	case OpIsSubset:
		if c.matcher.cidr.err != nil {
			return nil, false
		}
		return []atom{{kind: atomCIDR, path: c.Path, prefix: c.matcher.cidr.prefix.Masked()}}, true
	case OpLike:
		if t := likeLiteral(normalizeNFC(c.Value.Str)); len(t) >= 3 {
			return []atom{{kind: atomTri, path: c.Path, key: t}}, true
		}
	case OpMatches:
		if t := regexpLiteral(normalizeNFC(c.Value.Str)); len(t) >= 3 {
			return []atom{{kind: atomTri, path: c.Path, key: t}}, true
		}
	}
	return nil, false
}

// literalKey gives the key an equal JSON value produces (see valueKey).
func literalKey(l Literal) (string, bool) {
	switch l.Kind {
	case LitString:
		return "s:" + l.Str, true
	case LitInt:
		return "n:" + strconv.FormatFloat(float64(l.Int), 'g', -1, 64), true
	case LitFloat:
		return "n:" + strconv.FormatFloat(l.Float, 'g', -1, 64), true
	case LitBool:
		if l.Bool {
			return "b:true", true
		}
		return "b:false", true
	}
	return "", false
}

// valueKey appends to buf the key a JSON value produces (see literalKey);
// alt asks for the second key a boolean also equals in a set (1 or 0). ok is
// false when there is no such key.
func valueKey(v any, buf []byte, alt bool) ([]byte, bool) {
	switch x := v.(type) {
	case string:
		return append(append(buf, "s:"...), x...), !alt
	case []byte:
		return append(append(buf, "s:"...), fromLatin1(x)...), !alt
	case json.Number:
		if n, ok := jsonNumber(x); ok && !alt {
			return strconv.AppendFloat(append(buf, "n:"...), n.f, 'g', -1, 64), true
		}
	case bool:
		switch {
		case x && !alt:
			return append(buf, "b:true"...), true
		case x:
			return append(buf, "n:1"...), true
		case !alt:
			return append(buf, "b:false"...), true
		default:
			return append(buf, "n:0"...), true
		}
	}
	return nil, false
}

// likeLiteral returns the longest run of literal characters of a LIKE operand.
func likeLiteral(like string) string {
	best := ""
	for _, seg := range strings.FieldsFunc(like, func(r rune) bool { return r == '%' || r == '_' }) {
		if len(seg) > len(best) {
			best = seg
		}
	}
	return best
}

// regexpLiteral finds a literal that every match of the expression contains.
func regexpLiteral(expr string) string {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return ""
	}
	return requiredLiteral(re.Simplify())
}

func requiredLiteral(re *syntax.Regexp) string {
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return ""
		}
		return string(re.Rune)
	case syntax.OpCapture:
		return requiredLiteral(re.Sub[0])
	case syntax.OpPlus:
		return requiredLiteral(re.Sub[0])
	case syntax.OpConcat:
		best := ""
		for _, s := range re.Sub {
			if l := requiredLiteral(s); len(l) > len(best) {
				best = l
			}
		}
		return best
	}
	return ""
}
