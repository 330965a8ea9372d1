package sector

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/kizuna-dev/kizuna"
)

// ExtSectors is the id of kizuna's sector extension: a property extension
// naming national sector ids, on an identity the sectors the organisation
// operates in, on any other object the sectors it concerns.
const ExtSectors = "extension-definition--a240f43a-35f6-4fe8-b487-e951155c27d4"

// ExtensionDefinition is the STIX extension-definition of ExtSectors, with
// the JSON Schema of its properties. Every node publishes it;
// docs/kizuna-sector-extension.json is a copy.
//
//go:embed extension/kizuna-sector-extension.json
var ExtensionDefinition []byte

// Organization is what routing needs of an organisation's STIX identity:
// its STIX industry sectors and its national sector ids. Both travel with
// the identity wherever it is shared, so that a receiving node routes to
// organisations it learnt of from its peers.
type Organization struct {
	ID            string   // identity id
	Name          string   // the identity's name
	IdentityClass string   // identity_class
	Industries    []string // the STIX sectors property (industry-sector-ov)
	Sectors       []string // national sector ids of the extension
}

var (
	identityIDPattern = regexp.MustCompile(`^identity--[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	objectIDPattern   = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*--[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
)

// extPath is the JSON path of the sector extension in an object.
const extPath = "$.extensions['" + ExtSectors + "']"

// ParseOrganization reads an identity's sectors. It checks the shapes this
// package relies on (the envelope is checked by ingest): a STIX identity
// id, the sectors property as a list of lowercase values, and the sector
// extension as defined (extension_type, national_sectors, nothing else).
// Errors: EINVALID naming the identity and the JSON path.
func ParseOrganization(raw []byte) (*Organization, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil {
		return nil, kizuna.Errorf(kizuna.EINVALID, "an identity must be one JSON object: %v", err)
	}
	o := &Organization{}
	id := stringProp(top, "id")
	if !identityIDPattern.MatchString(id) {
		return nil, kizuna.Errorf(kizuna.EINVALID, "%q: $.id: not an identity id", id)
	}
	o.ID = id
	if t := stringProp(top, "type"); t != "identity" {
		return nil, kizuna.Errorf(kizuna.EINVALID, "%s: $.type: %q is not identity", id, t)
	}
	var probs []string
	fail := func(path, format string, args ...any) {
		probs = append(probs, fmt.Sprintf("%s: %s: %s", id, path, fmt.Sprintf(format, args...)))
	}
	o.Name, o.IdentityClass = stringProp(top, "name"), stringProp(top, "identity_class")
	if raw, ok := top["sectors"]; ok {
		if err := json.Unmarshal(raw, &o.Industries); err != nil {
			fail("$.sectors", "must be a list of strings")
		}
		for i, s := range o.Industries {
			if !slugPattern.MatchString(s) {
				fail(at("$.sectors", i), "%q is not an industry-sector-ov value (lowercase, hyphenated)", s)
			}
		}
	}
	var err error
	if o.Sectors, err = extensionSectors(top, id); err != nil {
		probs = append(probs, kizuna.ErrorMessage(err))
	}
	if len(probs) > 0 {
		return nil, kizuna.Errorf(kizuna.EINVALID, "%s", strings.Join(probs, "; "))
	}
	return o, nil
}

// ObjectSectors returns the id of a STIX object and the national sector
// ids its sector extension names (nil without the extension). Errors:
// EINVALID naming the object and the JSON path.
func ObjectSectors(raw []byte) (string, []string, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil {
		return "", nil, kizuna.Errorf(kizuna.EINVALID, "an object must be one JSON object: %v", err)
	}
	id := stringProp(top, "id")
	if !objectIDPattern.MatchString(id) {
		return "", nil, kizuna.Errorf(kizuna.EINVALID, "%q: $.id: not a STIX identifier", id)
	}
	ids, err := extensionSectors(top, id)
	return id, ids, err
}

// extensionSectors reads the sector extension of a decoded object.
func extensionSectors(top map[string]json.RawMessage, id string) ([]string, error) {
	rawExts, ok := top["extensions"]
	if !ok {
		return nil, nil
	}
	var exts map[string]json.RawMessage
	if err := json.Unmarshal(rawExts, &exts); err != nil {
		return nil, kizuna.Errorf(kizuna.EINVALID, "%s: $.extensions: must be an object", id)
	}
	rawExt, ok := exts[ExtSectors]
	if !ok {
		return nil, nil
	}
	var ext map[string]json.RawMessage
	if err := json.Unmarshal(rawExt, &ext); err != nil || ext == nil {
		return nil, kizuna.Errorf(kizuna.EINVALID, "%s: %s: must be an object", id, extPath)
	}
	var probs []string
	fail := func(path, format string, args ...any) {
		probs = append(probs, fmt.Sprintf("%s: %s%s: %s", id, extPath, path, fmt.Sprintf(format, args...)))
	}
	keys := make([]string, 0, len(ext))
	for k := range ext {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if k != "extension_type" && k != "national_sectors" {
			fail("."+k, "is not a property of the sector extension")
		}
	}
	if t := stringProp(ext, "extension_type"); t != "property-extension" {
		fail(".extension_type", "must be \"property-extension\", not %q", t)
	}
	var ids []string
	if raw, ok := ext["national_sectors"]; !ok {
		fail(".national_sectors", "is required")
	} else if err := json.Unmarshal(raw, &ids); err != nil {
		fail(".national_sectors", "must be a list of strings")
	} else if len(ids) == 0 {
		fail(".national_sectors", "must name at least one sector")
	}
	for i, s := range ids {
		switch {
		case !sectorIDPattern.MatchString(s):
			fail(at(".national_sectors", i), "%q is not a national sector id", s)
		case slices.Index(ids, s) != i:
			fail(at(".national_sectors", i), "%q is listed twice", s)
		}
	}
	if len(probs) > 0 {
		return nil, kizuna.Errorf(kizuna.EINVALID, "%s", strings.Join(probs, "; "))
	}
	return ids, nil
}

// stringProp returns a string property of a decoded object, or "".
func stringProp(top map[string]json.RawMessage, name string) string {
	var s string
	if raw, ok := top[name]; ok {
		_ = json.Unmarshal(raw, &s)
	}
	return s
}

// CheckSectors checks that every national sector id an object names is a
// sector of the catalog. Errors: EINVALID naming the object and the JSON
// path of each unknown id.
func (c *Catalog) CheckSectors(objectID string, ids []string) error {
	var probs []string
	for i, id := range ids {
		if !c.Known(id) {
			probs = append(probs, fmt.Sprintf("%s: %s.national_sectors[%d]: %q is not a configured sector id", objectID, extPath, i, id))
		}
	}
	if len(probs) > 0 {
		return kizuna.Errorf(kizuna.EINVALID, "%s", strings.Join(probs, "; "))
	}
	return nil
}

// WithSectors returns the object with its sector extension set to ids
// (known to the catalog) and, for an identity, with the STIX industry
// sectors of those ids added to its sectors property, so that tools that
// know only industry-sector-ov see them too. The other properties are kept
// as they are. Errors: EINVALID.
func (c *Catalog) WithSectors(raw []byte, ids []string) ([]byte, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil || top == nil {
		return nil, kizuna.Errorf(kizuna.EINVALID, "an object must be one JSON object")
	}
	id := stringProp(top, "id")
	if len(ids) == 0 {
		return nil, kizuna.Errorf(kizuna.EINVALID, "%s: name at least one sector", id)
	}
	if err := c.CheckSectors(id, ids); err != nil {
		return nil, err
	}
	exts := map[string]json.RawMessage{}
	if r, ok := top["extensions"]; ok {
		if err := json.Unmarshal(r, &exts); err != nil {
			return nil, kizuna.Errorf(kizuna.EINVALID, "%s: $.extensions: must be an object", id)
		}
	}
	var uniq []string
	for _, s := range ids {
		if !slices.Contains(uniq, s) {
			uniq = append(uniq, s)
		}
	}
	var err error
	if exts[ExtSectors], err = json.Marshal(map[string]any{"extension_type": "property-extension", "national_sectors": uniq}); err != nil {
		return nil, kizuna.WrapError(kizuna.EINVALID, err, "%s: the sector extension could not be encoded", id)
	}
	if top["extensions"], err = json.Marshal(exts); err != nil {
		return nil, kizuna.WrapError(kizuna.EINVALID, err, "%s: $.extensions could not be encoded", id)
	}
	if stringProp(top, "type") == "identity" {
		var inds []string
		if r, ok := top["sectors"]; ok {
			if err := json.Unmarshal(r, &inds); err != nil {
				return nil, kizuna.Errorf(kizuna.EINVALID, "%s: $.sectors: must be a list of strings", id)
			}
		}
		for _, ind := range c.Industries(ids) {
			if !slices.Contains(inds, ind) {
				inds = append(inds, ind)
			}
		}
		if len(inds) > 0 {
			if top["sectors"], err = json.Marshal(inds); err != nil {
				return nil, kizuna.WrapError(kizuna.EINVALID, err, "%s: $.sectors could not be encoded", id)
			}
		}
	}
	return json.Marshal(top)
}
