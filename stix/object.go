package stix

import (
	"strings"
	"time"

	"github.com/kizuna-dev/kizuna"
)

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
			c.warnUpper(idv.s, &ip)
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

// envelope fills the versioning and marking fields of obj and checks the
// timestamp rules of created and modified.
func (c *checker) envelope(v *value, obj *kizuna.Object, spec *typeSpec) {
	var created, modified time.Time
	if cv := v.get("created"); cv != nil && cv.kind == kString {
		if spec == specs["marking-definition"] {
			// A marking-definition is a timestamp, not a version: STIX
			// sets no precision for it.
			created = tsOf(cv)
		} else {
			created = c.preciseTimestamp(cv, "created")
		}
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
