package stix

import (
	"strings"

	"github.com/kizuna-dev/kizuna/pattern"
)

// checkIndicator applies the indicator's rules: valid_until after
// valid_from, and a STIX pattern that parses and names valid observable
// types and properties.
func checkIndicator(c *checker, v *value, p *path) {
	c.order(v, p, "valid_from", "valid_until", true)
	pv := v.get("pattern")
	if stringOf(v.get("pattern_type")) != "stix" || pv == nil || pv.kind != kString {
		return // patterns in other languages are kept as they are
	}
	version := pattern.V21
	if stringOf(v.get("pattern_version")) == "2.0" {
		version = pattern.V20
	}
	q := p.child("pattern")
	pat, err := pattern.Validate(pv.s, version)
	if err != nil {
		c.errf(&q, "%v", err)
		return
	}
	for _, leaf := range pat.Leaves {
		c.patternNames(leaf.Expr, &q)
	}
}

// patternNames checks the object paths of a comparison expression: the
// object type must be a type name (3 to 250 of a-z, 0-9 and '-'), and the
// first property a property of that type or a property name (3 to 250 of
// a-z, 0-9 and '_'). The pattern grammar alone allows "[a:b = 1]".
func (c *checker) patternNames(e pattern.ComparisonExpr, p *path) {
	switch x := e.(type) {
	case *pattern.ComparisonBinary:
		c.patternNames(x.Left, p)
		c.patternNames(x.Right, p)
	case *pattern.Comparison:
		typ := x.Path.Type
		spec := specs[typ]
		if spec == nil || spec.class != classSCO {
			if !isPatternTypeName(typ) {
				c.errf(p, "%q in %s is not a valid observable type name (3 to 250 characters of a-z, 0-9 and '-')", truncate(typ, 64), truncate(x.Path.String(), 80))
				return
			}
			spec = nil
		}
		if len(x.Path.Steps) == 0 || x.Path.Steps[0].IsIndex || x.Path.Steps[0].Star {
			return
		}
		name := x.Path.Steps[0].Key
		if spec != nil {
			if _, ok := spec.props[name]; ok || name == "id" || name == "type" {
				return
			}
			if _, ok := commonSCO[name]; ok {
				return
			}
		}
		if !isPatternPropertyName(name) {
			c.errf(p, "%q in %s is not a valid observable property name (3 to 250 characters of a-z, 0-9 and '_')", truncate(name, 64), truncate(x.Path.String(), 80))
		}
	}
}

// isPatternTypeName: 3 to 250 characters of a-z, 0-9 and '-', without
// "--" (the object type part of an identifier).
func isPatternTypeName(s string) bool {
	return isLowerName(s, 3, '-') && !strings.Contains(s, "--")
}

// isPatternPropertyName: 3 to 250 characters of a-z, 0-9 and '_'.
func isPatternPropertyName(s string) bool { return isLowerName(s, 3, '_') }
