package stix

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kizuna-dev/kizuna/internal/uuidv5"
)

// parseIdentifier splits a STIX identifier "type--UUID" and checks that the
// UUID is an RFC 4122 UUID (variant 10, versions 1 to 5). It returns the
// type, the UUID version and, when the identifier is invalid, why.
func parseIdentifier(s string) (typ string, version byte, why string) {
	i := strings.Index(s, "--")
	if i < 0 {
		return "", 0, fmt.Sprintf("%q is not a STIX identifier (type--UUID)", truncate(s, 80))
	}
	typ, u := s[:i], s[i+2:]
	if !isTypeName(typ) {
		return "", 0, fmt.Sprintf("%q is not a STIX identifier: %q is not a type name", truncate(s, 80), truncate(typ, 40))
	}
	version, ok := uuidVersion(u)
	if !ok {
		return "", 0, fmt.Sprintf("%q is not a STIX identifier: %q is not an RFC 4122 UUID", truncate(s, 80), truncate(u, 40))
	}
	return typ, version, ""
}

// uuidVersion checks the 8-4-4-4-12 hexadecimal form, the RFC 4122 variant
// and a version from 1 to 5. RFC 4122 reads hexadecimal digits in either
// case; isLowerUUID tells whether a UUID is in the lowercase form it writes.
func uuidVersion(u string) (byte, bool) {
	if len(u) != 36 {
		return 0, false
	}
	for i := 0; i < 36; i++ {
		c := u[i]
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if c != '-' {
				return 0, false
			}
			continue
		}
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return 0, false
		}
	}
	v := u[14]
	if v < '1' || v > '5' {
		return 0, false
	}
	switch u[19] {
	case '8', '9', 'a', 'b', 'A', 'B':
	default:
		return 0, false
	}
	return v - '0', true
}

// isLowerUUID reports whether the identifier s (already checked) has no
// uppercase hexadecimal digit.
func isLowerUUID(s string) bool {
	for i := len(s) - 36; i < len(s); i++ {
		if s[i] >= 'A' && s[i] <= 'F' {
			return false
		}
	}
	return true
}

// warnUpper warns about an identifier in uppercase: it is valid, but
// identifiers are compared as strings, so a reference in the other case
// would not find the object.
func (c *checker) warnUpper(s string, p *path) {
	if !isLowerUUID(s) {
		c.warnf(p, "the UUID should be written in lowercase, as RFC 4122 writes it: identifiers are compared as strings")
	}
}

// ref checks a reference: a valid identifier of one of the allowed types.
// Besides type names, allowed may hold the classes "SDO", "SCO" and "SRO";
// custom types (not defined by STIX) satisfy "SDO" and "SCO", since their
// class cannot be known from the reference alone.
func (c *checker) ref(v *value, p *path, allowed []string) {
	if !c.wantString(v, p) {
		return
	}
	typ, _, why := parseIdentifier(v.s)
	if why != "" {
		c.errf(p, "%s", why)
		return
	}
	c.warnUpper(v.s, p)
	if len(allowed) == 0 || refAllowed(typ, allowed) {
		return
	}
	c.errf(p, "must refer to %s, not %s", strings.Join(allowed, " or "), typ)
}

func refAllowed(typ string, allowed []string) bool {
	if slices.Contains(allowed, typ) {
		return true
	}
	spec := specs[typ]
	for _, a := range allowed {
		switch a {
		case "SDO":
			if spec == nil && typ != "bundle" || spec != nil && spec.class == classSDO {
				return true
			}
		case "SCO":
			if spec == nil && typ != "bundle" || spec != nil && spec.class == classSCO {
				return true
			}
		case "SRO":
			if spec != nil && spec.class == classSRO {
				return true
			}
		}
	}
	return false
}

// scoNamespace is the UUIDv5 namespace of deterministic SCO identifiers.
var scoNamespace = uuidv5.UUID{0x00, 0xab, 0xed, 0xb4, 0xaa, 0x42, 0x46, 0x6c, 0x9c, 0x01, 0xfe, 0xd2, 0x33, 0x15, 0xa9, 0xb7}

// uuid5 returns the RFC 4122 version 5 UUID of name in namespace ns.
func uuid5(ns uuidv5.UUID, name []byte) string { return uuidv5.New(ns, string(name)) }

// SCOID computes the deterministic identifier of a STIX Cyber-observable
// Object: "type--" and the UUIDv5, in the namespace STIX defines, of the
// canonical JSON of the object's ID contributing properties. A hashes
// property contributes one hash: MD5, else SHA-1, else SHA-256, else SHA-512,
// else the first one. It fails for types that are not predefined SCOs, and
// for objects that have none of their type's ID contributing properties
// (those take a UUIDv4).
func SCOID(raw []byte) (string, error) {
	v, err := parseJSON(trimSpace(raw))
	if err != nil {
		return "", err
	}
	if v.kind != kObject {
		return "", fmt.Errorf("an SCO must be a JSON object, not a %s", v.kind)
	}
	typ := stringOf(v.get("type"))
	spec := specs[typ]
	if spec == nil || spec.class != classSCO {
		return "", fmt.Errorf("%q is not a predefined STIX cyber-observable type", truncate(typ, 64))
	}
	u, ok, err := scoUUID(&v, spec)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", fmt.Errorf("the %s has none of its ID contributing properties (%s); its id is a UUIDv4", typ, strings.Join(spec.idProps, ", "))
	}
	return typ + "--" + u, nil
}

// scoUUID computes the UUIDv5 of an SCO; ok is false when none of the ID
// contributing properties is present.
func scoUUID(v *value, spec *typeSpec) (string, bool, error) {
	contrib := value{kind: kObject}
	for _, name := range spec.idProps {
		pv := v.get(name)
		if pv == nil {
			continue
		}
		if name == "hashes" && pv.kind == kObject {
			h := chooseHash(pv)
			if h == nil {
				continue
			}
			pv = h
		}
		contrib.obj = append(contrib.obj, member{key: name, val: *pv})
	}
	if len(contrib.obj) == 0 {
		return "", false, nil
	}
	canon, err := appendCanonical(nil, &contrib)
	if err != nil {
		return "", false, err
	}
	return uuid5(scoNamespace, canon), true, nil
}

func chooseHash(h *value) *value {
	for _, name := range []string{"MD5", "SHA-1", "SHA-256", "SHA-512"} {
		if hv := h.get(name); hv != nil {
			return &value{kind: kObject, obj: []member{{key: name, val: *hv}}}
		}
	}
	if len(h.obj) == 0 {
		return nil
	}
	return &value{kind: kObject, obj: h.obj[:1]}
}

// uuidRules applies the UUID version rules of STIX 2.1 section 2.9: SCOs
// SHOULD use the deterministic UUIDv5 and MUST use UUIDv4 when they have no
// ID contributing property; all other objects SHOULD use UUIDv4.
func (c *checker) uuidRules(v *value, id string, version byte, spec *typeSpec, predefined bool) {
	p := root.child("id")
	if spec.class != classSCO {
		if version != 4 {
			c.warnf(&p, "should use a UUIDv4, not a UUIDv%d", version)
		}
		return
	}
	if !predefined {
		if version != 4 && version != 5 {
			c.warnf(&p, "an SCO should use a UUIDv5 or UUIDv4, not a UUIDv%d", version)
		}
		return
	}
	u, ok, err := scoUUID(v, spec)
	switch {
	case err != nil:
		// Reported by the property checks.
	case !ok:
		if len(spec.idProps) > 0 && version != 4 {
			c.errf(&p, "an SCO without ID contributing properties (%s) must use a UUIDv4", strings.Join(spec.idProps, ", "))
		} else if version != 4 {
			c.errf(&p, "a %s must use a UUIDv4", v.get("type").s)
		}
	case version == 5 && !strings.EqualFold(id[strings.Index(id, "--")+2:], u):
		c.warnf(&p, "should be the deterministic id %s--%s computed from the ID contributing properties", v.get("type").s, u)
	case version != 5:
		c.warnf(&p, "should be the deterministic UUIDv5 id %s--%s", v.get("type").s, u)
	}
}
