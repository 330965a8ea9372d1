package stix

import "strings"

// customProperty applies the STIX 2.1 rules for a property the
// specification does not define: its name, and its value.
func (c *checker) customProperty(m *member, p *path, toplevelExt bool) {
	if !isPropertyName(m.key) {
		c.errf(p, "property names must be 3 to 250 characters of a-z, 0-9 and '_', starting with a letter")
		return
	}
	if !toplevelExt && !(len(m.key) > 2 && m.key[0] == 'x' && m.key[1] == '_') {
		c.warnf(p, "custom property names should start with \"x_\" (or be defined by an extension)")
	}
	c.customValue(m.key, &m.val, p)
}

// customValue checks the value of a custom property: any JSON value but
// null or an empty list, which STIX forbids as property values. What is
// nested inside the value belongs to the property's own definition, which
// STIX does not constrain: an empty list or a null there is data (MITRE
// ATT&CK has such lists). A name ending in "_bin" or "_hex" declares the
// binary or hex type, whose form is checked.
func (c *checker) customValue(name string, v *value, p *path) {
	switch {
	case v.kind == kNull:
		c.errf(p, "must not be null; omit the property instead")
	case v.kind == kArray && len(v.arr) == 0:
		c.errf(p, "must not be an empty list; omit the property instead")
	case strings.HasSuffix(name, "_bin"):
		c.binary(v, p)
	case strings.HasSuffix(name, "_hex"):
		c.hex(v, p)
	}
}

// isPropertyName reports whether s is a STIX 2.1 property name: 3 to 250
// characters of a-z, 0-9 and '_', starting with a letter.
func isPropertyName(s string) bool {
	return s != "" && s[0] >= 'a' && s[0] <= 'z' && isLowerName(s, 3, '_')
}

// isLowerName reports whether s is min to 250 characters of a-z, 0-9 and
// sep.
func isLowerName(s string, min int, sep byte) bool {
	if len(s) < min || len(s) > 250 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == sep) {
			return false
		}
	}
	return true
}

// binary checks a value of the binary type: non-empty base64 (RFC 4648,
// section 4) with padding and without line breaks.
func (c *checker) binary(v *value, p *path) {
	if c.wantString(v, p) && !isBase64(v.s) {
		c.errf(p, "must be base64 (RFC 4648) binary: non-empty, padded, without line breaks")
	}
}

// hex checks a value of the hex type: a non-empty even number of
// hexadecimal digits.
func (c *checker) hex(v *value, p *path) {
	if c.wantString(v, p) && (v.s == "" || !isHex(v.s)) {
		c.errf(p, "must be a hexadecimal string with an even, non-zero number of digits")
	}
}

func isBase64(s string) bool {
	if s == "" || len(s)%4 != 0 {
		return false
	}
	pad := 0
	if s[len(s)-1] == '=' {
		pad++
		if s[len(s)-2] == '=' {
			pad++
		}
	}
	for i := 0; i < len(s)-pad; i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/') {
			return false
		}
	}
	return true
}
