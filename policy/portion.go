package policy

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/kizuna-dev/kizuna"
)

// commonRequired are the properties every STIX object needs; SDOs, SROs and
// most meta objects also need created and modified (see requiredOf).
var commonRequired = []string{"type", "id", "spec_version"}

// typeRequired lists, per STIX 2.1 type, the properties that redaction must
// not remove. Where the specification requires one of several properties
// (location, file, artifact, malware-analysis) every candidate is listed,
// so that a redaction never produces an object missing all of them.
var typeRequired = map[string][]string{
	"attack-pattern":       {"name"},
	"campaign":             {"name"},
	"course-of-action":     {"name"},
	"grouping":             {"context", "object_refs"},
	"identity":             {"name"},
	"incident":             {"name"},
	"indicator":            {"pattern", "pattern_type", "valid_from"},
	"infrastructure":       {"name"},
	"intrusion-set":        {"name"},
	"location":             {"region", "country", "latitude", "longitude"},
	"malware":              {"is_family", "name"},
	"malware-analysis":     {"product", "result", "analysis_sco_refs"},
	"note":                 {"content", "object_refs"},
	"observed-data":        {"first_observed", "last_observed", "number_observed", "object_refs", "objects"},
	"opinion":              {"opinion", "object_refs"},
	"report":               {"name", "published", "object_refs"},
	"threat-actor":         {"name"},
	"tool":                 {"name"},
	"vulnerability":        {"name"},
	"relationship":         {"relationship_type", "source_ref", "target_ref"},
	"sighting":             {"sighting_of_ref"},
	"marking-definition":   {"created", "definition_type", "definition", "extensions", "name"},
	"extension-definition": {"name", "schema", "version", "extension_types", "created_by_ref"},
	"language-content":     {"object_ref", "object_modified", "contents"},
	"artifact":             {"payload_bin", "url", "hashes"},
	"autonomous-system":    {"number"},
	"directory":            {"path"},
	"domain-name":          {"value"},
	"email-addr":           {"value"},
	"email-message":        {"is_multipart"},
	"file":                 {"hashes", "name"},
	"ipv4-addr":            {"value"},
	"ipv6-addr":            {"value"},
	"mac-addr":             {"value"},
	"mutex":                {"name"},
	"network-traffic":      {"protocols"},
	"software":             {"name"},
	"url":                  {"value"},
	"windows-registry-key": {"key"},
}

// scoTypes are the cyber-observable types, which have no created/modified.
var scoTypes = map[string]bool{
	"artifact": true, "autonomous-system": true, "directory": true, "domain-name": true, "email-addr": true,
	"email-message": true, "file": true, "ipv4-addr": true, "ipv6-addr": true, "mac-addr": true, "mutex": true,
	"network-traffic": true, "process": true, "software": true, "url": true, "user-account": true,
	"windows-registry-key": true, "x509-certificate": true,
}

// RequiredProperty reports whether a granular-marking selector reaches into
// a property the object cannot go without: removing it would leave no valid
// object, so a reader not cleared for it gets no object at all.
func RequiredProperty(objType, selector string) bool {
	top, _, _ := strings.Cut(selector, ".")
	if slices.Contains(commonRequired, top) || slices.Contains(typeRequired[objType], top) {
		return true
	}
	if top == "created" || top == "modified" {
		return !scoTypes[objType]
	}
	return false
}

// portions computes the labels of the portions marked by granular markings
// (one portion per distinct selector set), and returns those that mark a
// required property separately so that Label folds them into the object.
func (p *Policy) portions(ctx context.Context, obj *kizuna.Object, creator string) (all, folded []kizuna.Portion, warnings []string, err error) {
	type group struct {
		selectors []string
		refs      []string
	}
	var groups []*group
	byKey := map[string]*group{}
	for _, gm := range obj.GranularMarkings {
		if gm.MarkingRef == "" {
			continue // a lang marking says which language, not who may read
		}
		sel := sortedSet(gm.Selectors)
		if len(sel) == 0 {
			continue
		}
		key := strings.Join(sel, "\x00")
		g := byKey[key]
		if g == nil {
			g = &group{selectors: sel}
			byKey[key] = g
			groups = append(groups, g)
		}
		g.refs = append(g.refs, gm.MarkingRef)
	}
	for _, g := range groups {
		l, w, err := p.labelOf(ctx, obj, g.refs, "$.granular_markings")
		if err != nil {
			return nil, nil, nil, err
		}
		warnings = append(warnings, w...)
		l = p.finish(l, creator)
		portion := kizuna.Portion{Selectors: g.selectors, Label: &l}
		all = append(all, portion)
		for _, s := range g.selectors {
			if RequiredProperty(obj.Type, s) {
				folded = append(folded, portion)
				break
			}
		}
	}
	if len(folded) > 1 {
		warnings = append(warnings, fmt.Sprintf("%s: %d granular markings mark required properties", obj.ID, len(folded)))
	}
	return all, folded, warnings, nil
}
