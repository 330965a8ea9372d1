package stix

import (
	"errors"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna"
)

// mutation derives a test object from the valid example of a type.
type mutation struct {
	name string
	typ  string         // the valid example to start from
	set  map[string]any // properties to set
	del  []string       // properties to remove
	path string         // the path the problem must name
	msg  string         // a part of its message
}

func (m mutation) build(tb testing.TB) []byte {
	tb.Helper()
	obj := MustValid(tb, m.typ)
	for _, k := range m.del {
		delete(obj, k)
	}
	for k, v := range m.set {
		obj[k] = v
	}
	return MustJSON(tb, obj)
}

const (
	idIdentity = "identity--311b2d2d-f010-4473-83ec-1edf84858f4c"
	idMalware  = "malware--fdd60b30-b67c-41e3-b0b9-f01faf20d111"
	idIPv4     = "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd"
	idURL      = "url--47c3cf9a-5027-5bf0-997a-017c7edc7c55"
	idTLPGreen = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"
	idInd      = "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3e"
)

// invalidCases holds at least one invalid example of every type, each with
// the JSON path its error must name.
var invalidCases = concat(invalidSDOCases, invalidSCOCases, invalidCommonCases)

func concat(tables ...[]mutation) []mutation {
	var out []mutation
	for _, t := range tables {
		out = append(out, t...)
	}
	return out
}

// invalidSDOCases break the rules of the SDOs, SROs and meta objects.
var invalidSDOCases = []mutation{
	{"missing name", "attack-pattern", nil, []string{"name"}, "$.name", "is required"},
	{"kill chain phase without phase_name", "attack-pattern", map[string]any{"kill_chain_phases": []any{map[string]any{"kill_chain_name": "x"}}}, nil, "$.kill_chain_phases[0].phase_name", "is required"},
	{"last_seen before first_seen", "campaign", map[string]any{"last_seen": "2024-01-01T00:00:00Z"}, nil, "$.last_seen", "must be later than or equal to first_seen (2025-01-01T00:00:00Z)"},
	{"reserved action_type", "course-of-action", map[string]any{"action_type": "textual:text/plain"}, nil, "$.action_type", "reserved"},
	{"missing context", "grouping", nil, []string{"context"}, "$.context", "is required"},
	{"empty object_refs", "grouping", map[string]any{"object_refs": []any{}}, nil, "$.object_refs", "empty list"},
	{"missing name", "identity", nil, []string{"name"}, "$.name", "is required"},
	{"name not a string", "incident", map[string]any{"name": 5}, nil, "$.name", "must be a string, not a number"},
	{"valid_until before valid_from", "indicator", map[string]any{"valid_until": "2025-12-31T23:59:59Z"}, nil, "$.valid_until", "must be later than valid_from (2026-01-01T00:00:00Z)"},
	{"valid_until equal to valid_from", "indicator", map[string]any{"valid_until": "2026-01-01T00:00:00.000Z"}, nil, "$.valid_until", "must be later than valid_from"},
	{"missing pattern_type", "indicator", nil, []string{"pattern_type"}, "$.pattern_type", "is required"},
	{"bad valid_from", "indicator", map[string]any{"valid_from": "2026-01-01T00:00:00+09:00"}, nil, "$.valid_from", "UTC"},
	{"bad first_seen", "infrastructure", map[string]any{"first_seen": "yesterday"}, nil, "$.first_seen", "not a STIX timestamp"},
	{"missing name", "intrusion-set", nil, []string{"name"}, "$.name", "is required"},
	{"latitude without longitude", "location", nil, []string{"longitude"}, "$.longitude", "present together"},
	{"no region, country or coordinates", "location", nil, []string{"latitude", "longitude", "precision", "region", "country"}, "$", "needs region, country, or latitude and longitude"},
	{"latitude out of range", "location", map[string]any{"latitude": 91}, nil, "$.latitude", "between -90 and 90"},
	{"missing is_family", "malware", nil, []string{"is_family"}, "$.is_family", "is required"},
	{"family without name", "malware", nil, []string{"name"}, "$.name", "is required when is_family is true"},
	{"sample_refs to an indicator", "malware", map[string]any{"sample_refs": []any{idInd}}, nil, "$.sample_refs[0]", "must refer to file or artifact, not indicator"},
	{"neither result nor analysis_sco_refs", "malware-analysis", nil, []string{"result"}, "$", "needs result or analysis_sco_refs"},
	{"missing object_refs", "note", nil, []string{"object_refs"}, "$.object_refs", "is required"},
	{"number_observed zero", "observed-data", map[string]any{"number_observed": 0}, nil, "$.number_observed", "between 1 and 999999999"},
	{"number_observed not an integer", "observed-data", map[string]any{"number_observed": 1.5}, nil, "$.number_observed", "must be an integer"},
	{"last_observed before first_observed", "observed-data", map[string]any{"last_observed": "2026-02-19T23:00:00Z"}, nil, "$.last_observed", "first_observed"},
	{"objects and object_refs", "observed-data", map[string]any{"objects": map[string]any{"0": map[string]any{"type": "ipv4-addr", "value": "198.51.100.3"}}}, nil, "$.objects", "must not both be present"},
	{"object_refs to an SDO", "observed-data", map[string]any{"object_refs": []any{idInd}}, nil, "$.object_refs[0]", "must refer to SCO or SRO"},
	{"opinion outside the enumeration", "opinion", map[string]any{"opinion": "maybe"}, nil, "$.opinion", "is not one of"},
	{"missing published", "report", nil, []string{"published"}, "$.published", "is required"},
	{"missing name", "threat-actor", nil, []string{"name"}, "$.name", "is required"},
	{"kill_chain_phases not a list", "tool", map[string]any{"kill_chain_phases": "delivery"}, nil, "$.kill_chain_phases", "must be a list"},
	{"external reference with source_name only", "vulnerability", map[string]any{"external_references": []any{map[string]any{"source_name": "cve"}}}, nil, "$.external_references[0]", "needs description, url or external_id"},
	{"missing target_ref", "relationship", nil, []string{"target_ref"}, "$.target_ref", "is required"},
	{"stop_time equal to start_time", "relationship", map[string]any{"stop_time": "2026-01-01T00:00:00Z"}, nil, "$.stop_time", "must be later than start_time"},
	{"source_ref to a marking-definition", "relationship", map[string]any{"source_ref": idTLPGreen}, nil, "$.source_ref", "must refer to SDO or SCO"},
	{"relationship_type with capitals", "relationship", map[string]any{"relationship_type": "Indicates"}, nil, "$.relationship_type", "a-z, 0-9 and '-'"},
	{"sighting_of_ref to an SCO", "sighting", map[string]any{"sighting_of_ref": idIPv4}, nil, "$.sighting_of_ref", "must refer to SDO"},
	{"negative count", "sighting", map[string]any{"count": -1}, nil, "$.count", "between 0 and 999999999"},
	{"where_sighted_refs to malware", "sighting", map[string]any{"where_sighted_refs": []any{idMalware}}, nil, "$.where_sighted_refs[0]", "must refer to identity or location"},
	{"observed_data_refs to an indicator", "sighting", map[string]any{"observed_data_refs": []any{idInd}}, nil, "$.observed_data_refs[0]", "observed-data"},
	{"modified on a marking-definition", "marking-definition", map[string]any{"modified": "2017-01-20T00:00:00.000Z"}, nil, "$.modified", "must not be present"},
	{"altered predefined TLP marking", "marking-definition", map[string]any{"name": "TLP:GREEN (ours)"}, nil, "$", "predefined TLP 1.0 marking"},
	{"tlp marking with another id", "marking-definition", map[string]any{"id": "marking-definition--4e9b6b1e-4c34-4b5c-9ac1-a6b1c0d1e2f3"}, nil, "$", "predefined TLP 1.0 id"},
	{"statement without definition", "marking-definition", map[string]any{"definition_type": "statement", "id": "marking-definition--4e9b6b1e-4c34-4b5c-9ac1-a6b1c0d1e2f3"}, []string{"definition"}, "$.definition", "is required with definition_type"},
	{"tlp colour outside the enumeration", "marking-definition", map[string]any{"definition": map[string]any{"tlp": "purple"}}, nil, "$.definition.tlp", "is not one of"},
	{"contents key not a language tag", "language-content", map[string]any{"contents": map[string]any{"not a tag": map[string]any{"name": "x"}}}, nil, "$.contents['not a tag']", "RFC 5646"},
	{"missing object_ref", "language-content", nil, []string{"object_ref"}, "$.object_ref", "is required"},
	{"extension type outside the enumeration", "extension-definition", map[string]any{"extension_types": []any{"new-thing"}}, nil, "$.extension_types[0]", "is not one of"},
	{"missing created_by_ref", "extension-definition", nil, []string{"created_by_ref"}, "$.created_by_ref", "is required"},
}

func TestInvalidExamples(t *testing.T) {
	for _, tc := range invalidCases {
		t.Run(tc.typ+"/"+tc.name, func(t *testing.T) {
			assertRejected(t, tc.build(t), tc.path, tc.path, tc.msg)
		})
	}
}

// assertRejected checks that Validate reports an error at path containing
// msg, and that Parse fails with EINVALID and a message that contains
// named ("id: path" or path).
func assertRejected(t *testing.T, raw []byte, named, path, msg string) {
	t.Helper()
	_, errs := Validate(raw)
	found := false
	for _, p := range errs {
		found = found || p.Path == path && strings.Contains(p.Message, msg)
	}
	if !found {
		t.Errorf("no error at %s containing %q; errors: %v", path, msg, errs)
	}
	_, err := Parse(raw)
	var ke *kizuna.Error
	if !errors.As(err, &ke) || ke.Code != kizuna.EINVALID {
		t.Fatalf("Parse error = %v, want an EINVALID *kizuna.Error", err)
	}
	if !strings.Contains(ke.Message, named+": ") {
		t.Errorf("Parse message %q does not name %s", ke.Message, named)
	}
}

// TestEveryTypeHasInvalidCase keeps the invalid table complete.
func TestEveryTypeHasInvalidCase(t *testing.T) {
	covered := map[string]bool{}
	for _, tc := range invalidCases {
		covered[tc.typ] = true
	}
	for name := range specs {
		if !covered[name] {
			t.Errorf("no invalid example for %s", name)
		}
		if _, err := readTestdata("valid/" + name + ".json"); err != nil {
			t.Errorf("no valid example for %s", name)
		}
	}
}
