package stix

import (
	"slices"
	"strconv"
	"strings"
)

// extensionTypes is the extension-type-enum of STIX 2.1.
var extensionTypes = []string{"new-sdo", "new-sco", "new-sro", "property-extension", "toplevel-property-extension"}

// extensionKinds reads the extension types an object declares: the class of
// a new object type (new-sdo, new-sco, new-sro) and whether a
// toplevel-property-extension adds properties at the top level.
func extensionKinds(v *value) (class objClass, toplevel bool) {
	e := v.get("extensions")
	if e == nil || e.kind != kObject {
		return 0, false
	}
	for i := range e.obj {
		ev := &e.obj[i].val
		if ev.kind != kObject {
			continue
		}
		switch stringOf(ev.get("extension_type")) {
		case "new-sdo":
			class = classSDO
		case "new-sco":
			class = classSCO
		case "new-sro":
			class = classSRO
		case "toplevel-property-extension":
			toplevel = true
		}
	}
	return class, toplevel
}

// extensions checks the extensions dictionary (STIX 2.1 section 7.3): keys
// are extension-definition ids, or predefined extension names of the SCO
// type; values are objects.
func (c *checker) extensions(e *value, p *path, typ string, spec *typeSpec) {
	if e.kind != kObject {
		c.errf(p, "must be a dictionary (JSON object), not a %s", e.kind)
		return
	}
	if len(e.obj) == 0 {
		c.errf(p, "must not be an empty dictionary; omit the property instead")
	}
	for i := range e.obj {
		m := &e.obj[i]
		q := p.child(m.key)
		if m.val.kind != kObject {
			c.errf(&q, "an extension must be an object, not a %s", m.val.kind)
			continue
		}
		if strings.HasPrefix(m.key, "extension-definition--") {
			if _, _, why := parseIdentifier(m.key); why != "" {
				c.errf(&q, "extension key: %s", why)
				continue
			}
			c.definedExtension(&m.val, &q)
			continue
		}
		if s, ok := typeExts(typ, spec)[m.key]; ok {
			c.shapeProps(&m.val, &q, s, nil, false)
			continue
		}
		if owner := predefinedExtensionOwner(m.key); owner != "" {
			c.errf(&q, "the %s extension applies to %s objects, not %s", m.key, owner, typ)
			continue
		}
		if isCustomExtensionName(m.key) {
			c.warnf(&q, "custom extensions named \"...-ext\" are deprecated in STIX 2.1; define an extension-definition")
			if len(m.val.obj) == 0 {
				c.errf(&q, "must not be an empty extension")
			}
			c.extensionProps(&m.val, &q, "")
			continue
		}
		c.errf(&q, "extension keys must be an extension-definition id, a predefined extension of the %s type, or a custom extension name ending in \"-ext\"", typ)
	}
}

// isCustomExtensionName reports whether s names a custom extension as STIX
// 2.0 defined them and 2.1 still accepts: lowercase words of a-z and 0-9
// joined by '-', the first starting with a letter, ending in "-ext".
func isCustomExtensionName(s string) bool {
	if !strings.HasSuffix(s, "-ext") || len(s) > 250 {
		return false
	}
	return isTypeName(s) && s[0] >= 'a' && s[0] <= 'z'
}

// extensionProps checks the properties of an extension (all but skip) by
// the rules of custom properties.
func (c *checker) extensionProps(v *value, p *path, skip string) {
	for i := range v.obj {
		m := &v.obj[i]
		if m.key == skip {
			continue
		}
		r := p.child(m.key)
		if !isPropertyName(m.key) {
			c.errf(&r, "property names must be 3 to 250 characters of a-z, 0-9 and '_', starting with a letter")
			continue
		}
		c.customValue(m.key, &m.val, &r)
	}
}

// definedExtension checks the value of an extension keyed by an
// extension-definition id.
func (c *checker) definedExtension(v *value, p *path) {
	et := v.get("extension_type")
	q := p.child("extension_type")
	switch {
	case et == nil:
		c.errf(&q, "is required")
	case et.kind != kString:
		c.errf(&q, "must be a string, not a %s", et.kind)
	case !slices.Contains(extensionTypes, et.s):
		c.errf(&q, "%q is not one of %v", truncate(et.s, 40), extensionTypes)
	}
	c.extensionProps(v, p, "extension_type")
}

func predefinedExtensionOwner(name string) string {
	for typ, s := range specs {
		if _, ok := s.exts[name]; ok {
			return typ
		}
	}
	return ""
}

// selectors checks that every granular marking selector resolves to a
// property or list item present in the object (STIX 2.1 section 7.2.3.1).
func (c *checker) selectors(v *value, gm *value) {
	gp := root.child("granular_markings")
	for i := range gm.arr {
		s := gm.arr[i].get("selectors")
		if s == nil || s.kind != kArray {
			continue
		}
		ep := gp.at(i)
		sp := ep.child("selectors")
		for j := range s.arr {
			if s.arr[j].kind != kString {
				continue
			}
			q := sp.at(j)
			if why := resolveSelector(v, s.arr[j].s); why != "" {
				c.errf(&q, "selector %q %s", truncate(s.arr[j].s, 80), why)
			}
		}
	}
}

// resolveSelector follows a selector such as "external_references.[0].url"
// and says why it does not resolve, or returns "".
func resolveSelector(v *value, sel string) string {
	if sel == "" {
		return "is empty"
	}
	cur := v
	for _, tok := range strings.Split(sel, ".") {
		switch {
		case tok == "":
			return "has an empty step"
		case tok[0] == '[':
			if len(tok) < 3 || tok[len(tok)-1] != ']' {
				return "has a malformed list index " + strconv.Quote(tok)
			}
			n, err := strconv.Atoi(tok[1 : len(tok)-1])
			if err != nil || n < 0 || tok[1] == '+' || tok[1] == '-' {
				return "has a malformed list index " + strconv.Quote(tok)
			}
			if cur.kind != kArray {
				return "indexes " + strconv.Quote(tok) + " into a value that is not a list"
			}
			if n >= len(cur.arr) {
				return "indexes " + strconv.Quote(tok) + " beyond the end of the list"
			}
			cur = &cur.arr[n]
		default:
			if cur.kind != kObject {
				return "selects " + strconv.Quote(tok) + " in a value that is not an object"
			}
			next := cur.get(tok)
			if next == nil {
				return "selects " + strconv.Quote(tok) + ", which is not present"
			}
			cur = next
		}
	}
	return ""
}
