package stix

import (
	"strings"
	"time"

	"github.com/kizuna-dev/kizuna"
)

// objClass is the kind of STIX object a type is.
type objClass uint8

const (
	classSDO objClass = iota + 1
	classSRO
	classSCO
	classMeta // marking-definition, language-content, extension-definition
)

// typeSpec describes one STIX object type.
type typeSpec struct {
	shape
	class objClass
	// idProps are the ID contributing properties of an SCO type, in the
	// order the specification lists them; nil means UUIDv4 ids.
	idProps []string
	// exts are the predefined extensions of an SCO type.
	exts map[string]*shape
	// versioned types have created and modified (marking-definition has
	// created only).
	versioned bool
}

// specs holds every object type STIX 2.1 defines.
var specs = map[string]*typeSpec{}

func register(class objClass, m map[string]*typeSpec) {
	for name, s := range m {
		s.class = class
		if s.class != classSCO && name != "marking-definition" {
			s.versioned = true
			s.required = appendMissing(s.required, "created", "modified")
		}
		specs[name] = s
	}
}

func init() {
	register(classSDO, sdoSpecs)
	register(classSRO, sroSpecs)
	register(classSCO, scoSpecs)
	register(classMeta, metaSpecs)
	internNames()
}

// interned holds the property names, type names and vocabulary values of
// STIX, so that parsing returns these frequent strings without allocating.
var interned = map[string]string{}

func internNames() {
	add := func(s string) { interned[s] = s }
	var addShape func(s *shape)
	addShape = func(s *shape) {
		for name, p := range s.props {
			add(name)
			if p.kind == tOV || p.kind == tOVs || p.kind == tEnum || p.kind == tEnums {
				for _, v := range p.vals {
					add(v)
				}
			}
			if p.shape != nil {
				addShape(p.shape)
			}
		}
	}
	for name, s := range specs {
		add(name)
		addShape(&s.shape)
		for ext, es := range s.exts {
			add(ext)
			addShape(es)
		}
	}
	for _, m := range []map[string]prop{commonSDO, commonSCO, externalReferenceShape.props, granularMarkingShape.props, killChainShape.props} {
		addShape(&shape{props: m})
	}
	for _, s := range []string{"2.1", "bundle", "objects", "extension_type", "property-extension", "toplevel-property-extension", "new-sdo", "new-sco", "new-sro", "mitre-attack", "lockheed-martin-cyber-kill-chain"} {
		add(s)
	}
}

var pHandled = prop{kind: tHandled}

// commonSDO are the common properties of SDOs, SROs and the versioned meta
// objects (STIX 2.1 section 3.2).
var commonSDO = map[string]prop{
	"type": pHandled, "spec_version": pHandled, "id": pHandled,
	"created_by_ref":      ref("identity"),
	"created":             pTimestamp,
	"modified":            pTimestamp,
	"revoked":             pBool,
	"labels":              pStrings,
	"confidence":          intRange(0, 100),
	"lang":                pString,
	"external_references": objects(externalReferenceShape),
	"object_marking_refs": refs("marking-definition"),
	"granular_markings":   objects(granularMarkingShape),
	"extensions":          pHandled,
	// Reserved in STIX 2.1 (section 3.3 and the object sections).
	"severity": pReserved, "action": pReserved, "usernames": pReserved, "phone_numbers": pReserved,
	"addresses": pReserved, "first_seen_precision": pReserved, "last_seen_precision": pReserved,
	"valid_from_precision": pReserved, "valid_until_precision": pReserved,
}

// commonSCO are the common properties of SCOs (STIX 2.1 section 6.1).
var commonSCO = map[string]prop{
	"type": pHandled, "spec_version": pHandled, "id": pHandled,
	"object_marking_refs": refs("marking-definition"),
	"granular_markings":   objects(granularMarkingShape),
	"defanged":            pBool,
	"extensions":          pHandled,
}

var externalReferenceShape = &shape{
	required: []string{"source_name"},
	props: map[string]prop{
		"source_name": pString, "description": pString, "url": pString,
		"hashes": pHashes, "external_id": pString,
	},
	check: func(c *checker, v *value, p *path) {
		if v.get("description") == nil && v.get("url") == nil && v.get("external_id") == nil {
			c.errf(p, "an external reference needs description, url or external_id besides source_name")
		}
	},
}

var granularMarkingShape = &shape{
	required: []string{"selectors"},
	props: map[string]prop{
		"marking_ref": ref("marking-definition"), "lang": pString, "selectors": pStrings,
	},
	check: func(c *checker, v *value, p *path) {
		if (v.get("marking_ref") == nil) == (v.get("lang") == nil) {
			c.errf(p, "a granular marking needs exactly one of marking_ref and lang")
		}
		if l := v.get("lang"); l != nil && l.kind == kString && !isLangTag(l.s) {
			q := p.child("lang")
			c.errf(&q, "%q is not an RFC 5646 language tag", truncate(l.s, 32))
		}
	},
}

// validateObject validates one STIX object (not a bundle) and returns its
// envelope. The result is meaningful only when c.errs stays empty.
func (c *checker) validateObject(v *value) *kizuna.Object {
	obj := &kizuna.Object{}
	idv := v.get("id")
	if idv != nil && idv.kind == kString {
		c.id = truncate(idv.s, 300)
	}
	typ := ""
	tp := root.child("type")
	switch t := v.get("type"); {
	case t == nil:
		c.errf(&tp, "is required")
	case t.kind != kString:
		c.errf(&tp, "must be a string, not a %s", t.kind)
	case !isTypeName(t.s):
		c.errf(&tp, "%q is not a STIX type name (3 to 250 of a-z, 0-9 and '-', starting with a letter, no \"--\")", truncate(t.s, 64))
	default:
		typ = t.s
	}
	obj.Type = typ

	// The extensions decide the class of a custom object and whether
	// unknown top-level properties come from a toplevel-property-extension.
	newClass, toplevelExt := extensionKinds(v)
	spec := specs[typ]
	class := objClass(0)
	switch {
	case spec != nil:
		class = spec.class
		if newClass != 0 {
			q := root.child("extensions")
			c.errf(&q, "a new-sdo, new-sco or new-sro extension cannot apply to the predefined type %q", typ)
		}
	case typ == "":
		class = classSDO
	case newClass != 0:
		class = newClass
	default:
		class = classSDO
		if !strings.HasPrefix(typ, "x-") {
			c.warnf(&tp, "custom object types should start with \"x-\" or be defined by an extension-definition")
		}
	}
	if spec == nil {
		spec = &typeSpec{class: class, versioned: class != classSCO}
		if spec.versioned {
			spec.required = []string{"created", "modified"}
		}
	}

	// id
	ip := root.child("id")
	var uuidVersion byte
	switch {
	case idv == nil:
		c.errf(&ip, "is required")
	case idv.kind != kString:
		c.errf(&ip, "must be a string, not a %s", idv.kind)
	default:
		idType, ver, why := parseIdentifier(idv.s)
		if why != "" {
			c.errf(&ip, "%s", why)
		} else if typ != "" && idType != typ {
			c.errf(&ip, "the id's type prefix %q must equal the type %q", idType, typ)
		} else {
			obj.ID = idv.s
			uuidVersion = ver
		}
	}

	// spec_version
	sp := root.child("spec_version")
	switch sv := v.get("spec_version"); {
	case sv == nil && class == classSCO:
		obj.SpecVersion = "2.1" // SCOs may omit it; it defaults to 2.1
	case sv == nil:
		c.errf(&sp, "is required")
	case sv.kind != kString:
		c.errf(&sp, "must be a string, not a %s", sv.kind)
	case sv.s != "2.1":
		c.errf(&sp, "%q is not supported; this node validates STIX 2.1 objects", truncate(sv.s, 16))
	default:
		obj.SpecVersion = "2.1"
	}

	common := commonSDO
	if class == classSCO {
		common = commonSCO
	}
	// Properties of a new object type, or added at the top level by an
	// extension, are defined by their extension-definition.
	c.shapeProps(v, &root, &spec.shape, common, toplevelExt || (newClass != 0 && specs[typ] == nil))

	if class != classSCO {
		c.envelope(v, obj, spec)
	}
	if e := v.get("extensions"); e != nil {
		q := root.child("extensions")
		c.extensions(e, &q, typ, spec)
	}
	if gm := v.get("granular_markings"); gm != nil && gm.kind == kArray {
		c.selectors(v, gm)
	}
	if obj.ID != "" {
		c.uuidRules(v, obj.ID, uuidVersion, spec, spec == specs[typ])
	}
	fillMarkings(v, obj)
	return obj
}

// appendMissing returns list with the names appended that it lacks.
func appendMissing(list []string, names ...string) []string {
	for _, n := range names {
		found := false
		for _, l := range list {
			found = found || l == n
		}
		if !found {
			list = append(list, n)
		}
	}
	return list
}

// envelope fills the versioning and marking fields of obj and checks the
// timestamp rules of created and modified.
func (c *checker) envelope(v *value, obj *kizuna.Object, spec *typeSpec) {
	var created, modified time.Time
	if cv := v.get("created"); cv != nil && cv.kind == kString {
		created = c.preciseTimestamp(cv, "created")
	}
	if mv := v.get("modified"); mv != nil && mv.kind == kString {
		modified = c.preciseTimestamp(mv, "modified")
		if !created.IsZero() && !modified.IsZero() && modified.Before(created) {
			q := root.child("modified")
			c.errf(&q, "must be later than or equal to created (%s)", v.get("created").s)
		}
	}
	obj.Created, obj.Modified = created, modified
	switch {
	case !modified.IsZero():
		obj.Version = modified
	case !created.IsZero():
		obj.Version = created
	}
	if r := v.get("revoked"); r != nil && r.kind == kBool {
		obj.Revoked = r.b
	}
	obj.CreatedByRef = stringOf(v.get("created_by_ref"))
	if l := v.get("lang"); l != nil && l.kind == kString && !isLangTag(l.s) {
		q := root.child("lang")
		c.errf(&q, "%q is not an RFC 5646 language tag", truncate(l.s, 32))
	}
}

// preciseTimestamp parses created or modified, which STIX 2.1 requires to
// be precise to the nearest millisecond (at least three fractional digits).
func (c *checker) preciseTimestamp(v *value, name string) time.Time {
	t, digits, err := parseTimestamp(v.s)
	if err != nil {
		return time.Time{} // reported by the property check
	}
	if digits < 3 {
		q := root.child(name)
		c.errf(&q, "must be precise to the nearest millisecond (e.g. %s)", FormatTimestamp(t))
	}
	return t
}

// fillMarkings copies the marking properties of a valid object.
func fillMarkings(v *value, obj *kizuna.Object) {
	if r := v.get("object_marking_refs"); r != nil && r.kind == kArray {
		obj.MarkingRefs = make([]string, 0, len(r.arr))
		for i := range r.arr {
			obj.MarkingRefs = append(obj.MarkingRefs, r.arr[i].s)
		}
	}
	if g := v.get("granular_markings"); g != nil && g.kind == kArray {
		obj.GranularMarkings = make([]kizuna.GranularMarking, 0, len(g.arr))
		for i := range g.arr {
			e := &g.arr[i]
			gm := kizuna.GranularMarking{MarkingRef: stringOf(e.get("marking_ref")), Lang: stringOf(e.get("lang"))}
			if s := e.get("selectors"); s != nil {
				for j := range s.arr {
					gm.Selectors = append(gm.Selectors, s.arr[j].s)
				}
			}
			obj.GranularMarkings = append(obj.GranularMarkings, gm)
		}
	}
}

// isTypeName reports whether s is a STIX type name: 3 to 250 characters of
// a-z, 0-9 and '-', starting with a letter, with no "--" and no trailing
// hyphen (either would make identifiers ambiguous).
func isTypeName(s string) bool {
	if len(s) < 3 || len(s) > 250 || s[0] < 'a' || s[0] > 'z' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '-':
			if s[i-1] == '-' {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// isLangTag is a structural check of an RFC 5646 language tag: subtags of
// 1 to 8 letters or digits separated by '-', the first of letters only.
func isLangTag(s string) bool {
	if s == "" {
		return false
	}
	for i, sub := range strings.Split(s, "-") {
		if len(sub) < 1 || len(sub) > 8 {
			return false
		}
		for j := 0; j < len(sub); j++ {
			ch := sub[j]
			letter := ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z'
			if !letter && (i == 0 || !(ch >= '0' && ch <= '9')) {
				return false
			}
		}
	}
	return true
}
