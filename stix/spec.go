package stix

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
	// Reserved for every object, observables included.
	"severity": pReserved, "action": pReserved, "usernames": pReserved, "phone_numbers": pReserved,
	"addresses": pReserved,
}

var externalReferenceShape = &shape{
	required: []string{"source_name"},
	props: map[string]prop{
		"source_name": pString, "description": pString, "url": pURI,
		"hashes": pHashes, "external_id": pString,
	},
	check: checkExternalReference,
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
