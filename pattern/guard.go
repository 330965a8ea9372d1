package pattern

import (
	"encoding/json"
	"hash/maphash"
	"math"
	"net/netip"
	"regexp/syntax"
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
	eq     eqKey  // atomEq
	key    string // atomTri: the literal
	prefix netip.Prefix
}

// guardOf returns the atoms of a comparison expression and whether it has a
// guard at all. A guarded expression with no atoms can never hold.
func guardOf(e ComparisonExpr) ([]atom, bool) { return appendGuard(nil, e) }

// appendGuard appends the atoms of e's guard to dst. The atoms of an OR are
// appended in place: a chain of n OR-ed comparisons, a tree n deep, costs
// n appends, where copying each side's atoms into a new list at every level
// cost n²/2 (a publisher's 25,000 OR-ed comparisons kept a core busy for
// some 16 s at each indexing).
func appendGuard(dst []atom, e ComparisonExpr) ([]atom, bool) {
	switch x := e.(type) {
	case *ComparisonBinary:
		if x.And {
			l, lok := guardOf(x.Left)
			r, rok := guardOf(x.Right)
			switch {
			case lok && rok:
				if guardCost(r) < guardCost(l) {
					return append(dst, r...), true
				}
				return append(dst, l...), true
			case lok:
				return append(dst, l...), true
			case rok:
				return append(dst, r...), true
			}
			return nil, false
		}
		dst, ok := appendGuard(dst, x.Left)
		if !ok {
			return nil, false
		}
		return appendGuard(dst, x.Right)
	case *Comparison:
		atoms, ok := comparisonAtoms(x)
		if !ok {
			return nil, false
		}
		return append(dst, atoms...), true
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
		return []atom{{kind: atomEq, path: c.Path, eq: k}}, true
	case OpIn:
		atoms := []atom{}
		for _, l := range c.Set {
			k, ok := literalKey(l)
			if !ok {
				return nil, false
			}
			atoms = append(atoms, atom{kind: atomEq, path: c.Path, eq: k})
			if l.Kind == LitBool {
				// In a set, true equals 1 and false equals 0.
				atoms = append(atoms, atom{kind: atomEq, path: c.Path, eq: eqKey{kind: 'n', f: boolFloat(l.Bool)}})
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

// eqKey is a value as equality guards see it: a string (binary values as
// the string of their code points), a number (integers and floats alike, by
// their float64 value) or a boolean.
type eqKey struct {
	kind byte // 's', 'n' or 'b'
	s    string
	f    float64 // 'n': the number; 'b': 1 for true, 0 for false
}

// hash hashes the key with the id of the path it is filed under, in place:
// no key text is built.
func (k eqKey) hash(pathID int32) uint64 {
	var h uint64
	if k.kind == 's' {
		h = maphash.String(eqSeed, k.s)
	} else {
		f := k.f
		if f == 0 {
			f = 0 // -0 equals 0
		}
		h = mix64(math.Float64bits(f) + 0x9E3779B97F4A7C15)
	}
	return mix64(h ^ (uint64(uint32(pathID))<<8|uint64(k.kind))*0x9E3779B97F4A7C15)
}

var eqSeed = maphash.MakeSeed()

// mix64 is the splitmix64 finaliser.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xBF58476D1CE4E5B9
	x ^= x >> 27
	x *= 0x94D049BB133111EB
	return x ^ x>>31
}

// literalKey gives the key an equal JSON value produces (see valueKey).
func literalKey(l Literal) (eqKey, bool) {
	switch l.Kind {
	case LitString:
		return eqKey{kind: 's', s: l.Str}, true
	case LitInt:
		return eqKey{kind: 'n', f: float64(l.Int)}, true
	case LitFloat:
		return eqKey{kind: 'n', f: l.Float}, true
	case LitBool:
		return eqKey{kind: 'b', f: boolFloat(l.Bool)}, true
	}
	return eqKey{}, false
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// valueKey gives the key a JSON value produces (see literalKey); alt asks
// for the second key a boolean also equals in a set (1 or 0). ok is false
// when there is no such key.
func valueKey(v any, alt bool) (eqKey, bool) {
	switch x := v.(type) {
	case string:
		return eqKey{kind: 's', s: x}, !alt
	case []byte:
		if !alt {
			return eqKey{kind: 's', s: fromLatin1(x)}, true
		}
	case json.Number:
		if n, ok := jsonNumber(x); ok && !alt {
			return eqKey{kind: 'n', f: n.f}, true
		}
	case bool:
		if alt {
			return eqKey{kind: 'n', f: boolFloat(x)}, true
		}
		return eqKey{kind: 'b', f: boolFloat(x)}, true
	}
	return eqKey{}, false
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
