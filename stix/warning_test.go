package stix

import (
	"strings"
	"testing"
)

// warningCases break a SHOULD of the specification: the object is accepted
// with a warning at the path.
var warningCases = []mutation{
	{"SCO with a UUIDv4 despite ID contributing properties", "url", map[string]any{"id": "url--4e9b6b1e-4c34-4b5c-9ac1-a6b1c0d1e2f3"}, nil, "$.id", "should be the deterministic UUIDv5 id url--47c3cf9a-5027-5bf0-997a-017c7edc7c55"},
	{"SCO with another UUIDv5", "url", map[string]any{"id": "url--8b0a2f5b-7b1a-5c4a-9a1e-1f2a3b4c5d6e"}, nil, "$.id", "should be the deterministic id"},
	{"SDO with a UUIDv1", "indicator", map[string]any{"id": "indicator--8e2e2d2b-17d4-1cbf-938f-98ee46b3cd3e"}, nil, "$.id", "should use a UUIDv4"},
	{"indicator type outside the vocabulary", "indicator", map[string]any{"indicator_types": []any{"evil"}}, nil, "$.indicator_types[0]", "not in the suggested vocabulary"},
	{"pattern type outside the vocabulary", "indicator", map[string]any{"pattern_type": "kql"}, nil, "$.pattern_type", "not in the suggested vocabulary"},
	{"custom property without x_", "indicator", map[string]any{"acme_score": 3}, nil, "$.acme_score", `should start with "x_"`},
	{"misspelt hash algorithm", "file", map[string]any{"hashes": map[string]any{"sha256": "ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c"}}, nil, "$.hashes.sha256", `should be spelt "SHA-256"`},
	{"kill chain phase with capitals", "attack-pattern", map[string]any{"kill_chain_phases": []any{map[string]any{"kill_chain_name": "Lockheed Martin", "phase_name": "delivery"}}}, nil, "$.kill_chain_phases[0].kill_chain_name", "lowercase"},
	{"deprecated objects", "observed-data", map[string]any{"objects": map[string]any{"0": map[string]any{"type": "ipv4-addr", "value": "198.51.100.3"}}}, []string{"object_refs"}, "$.objects", "deprecated"},
	{"custom type without x-", "x-acme", map[string]any{"type": "acme-widget", "id": "acme-widget--4e9b6b1e-4c34-4b5c-9ac1-a6b1c0d1e2f3"}, nil, "$.type", `should start with "x-"`},
	{"id in upper case", "indicator", map[string]any{"id": "indicator--8E2E2D2B-17D4-4CBF-938F-98EE46B3CD3E"}, nil, "$.id", "lowercase"},
	{"reference in upper case", "indicator", map[string]any{"created_by_ref": "identity--311B2D2D-F010-4473-83EC-1EDF84858F4C"}, nil, "$.created_by_ref", "lowercase"},
	{"STIX 2.0 custom extension", "file", map[string]any{"extensions": map[string]any{"x-acme-ext": map[string]any{"x_score": 1}}}, nil, "$.extensions['x-acme-ext']", "deprecated"},
	{"country not ISO 3166-1 alpha-2", "location", map[string]any{"country": "Japan"}, nil, "$.country", "ISO 3166-1"},
	{"sector outside the vocabulary", "identity", map[string]any{"sectors": []any{"banking"}}, nil, "$.sectors[0]", "not in the suggested vocabulary"},
	{"malware capability outside the vocabulary", "malware", map[string]any{"capabilities": []any{"mines-crypto"}}, nil, "$.capabilities[0]", "not in the suggested vocabulary"},
	{"protocol in capitals", "network-traffic", map[string]any{"protocols": []any{"IPv4", "tcp"}}, nil, "$.protocols[0]", "lowercase"},
}

func TestWarnings(t *testing.T) {
	for _, tc := range warningCases {
		t.Run(tc.typ+"/"+tc.name, func(t *testing.T) {
			raw := tc.build(t)
			warns, errs := Validate(raw)
			for _, p := range errs {
				t.Errorf("unexpected error: %s", p)
			}
			found := false
			for _, p := range warns {
				if p.Path == tc.path && strings.Contains(p.Message, tc.msg) {
					found = true
				}
			}
			if !found {
				t.Errorf("no warning at %s containing %q; warnings: %v", tc.path, tc.msg, warns)
			}
			_, pw, err := ParseWithWarnings(raw)
			if err != nil {
				t.Errorf("Parse refused an object with warnings only: %v", err)
			}
			if len(pw) != len(warns) {
				t.Errorf("ParseWithWarnings returned %d warnings, Validate %d", len(pw), len(warns))
			}
		})
	}
}

// TestCustomAndExtensions checks accepted custom content: an x_ property,
// a property extension, a toplevel-property-extension's properties and
// granular markings with valid selectors, all without warnings.
func TestCustomAndExtensions(t *testing.T) {
	ext := "extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e"
	cases := map[string]map[string]any{
		"x_ property": {"x_acme_score": 7},
		"property extension": {"extensions": map[string]any{ext: map[string]any{
			"extension_type": "property-extension", "classification": "SECRET", "releasable_to": []any{"USA", "JPN"}}}},
		"toplevel extension": {"extensions": map[string]any{ext: map[string]any{
			"extension_type": "toplevel-property-extension"}}, "classification": "SECRET"},
		"granular markings": {"description": "text", "granular_markings": []any{
			map[string]any{"marking_ref": idTLPGreen, "selectors": []any{"description", "labels.[0]", "external_references"}},
			map[string]any{"lang": "ja", "selectors": []any{"name", "kill_chain_phases"}},
		}, "kill_chain_phases": []any{map[string]any{"kill_chain_name": "mitre-attack", "phase_name": "initial-access"}},
			"external_references": []any{map[string]any{"source_name": "acme", "url": "https://acme.example/r/1"}}},
		"nested selector": {"external_references": []any{map[string]any{"source_name": "acme", "url": "https://acme.example/r/1"}},
			"granular_markings": []any{map[string]any{"marking_ref": idTLPGreen, "selectors": []any{"external_references.[0].url"}}}},
	}
	for name, set := range cases {
		t.Run(name, func(t *testing.T) {
			raw := mutation{typ: "indicator", set: set}.build(t)
			warns, errs := Validate(raw)
			if len(errs) > 0 || len(warns) > 0 {
				t.Fatalf("errors %v, warnings %v", errs, warns)
			}
			obj, err := Parse(raw)
			if err != nil {
				t.Fatal(err)
			}
			if name == "granular markings" {
				if len(obj.GranularMarkings) != 2 || obj.GranularMarkings[0].MarkingRef != idTLPGreen ||
					obj.GranularMarkings[1].Lang != "ja" || len(obj.GranularMarkings[0].Selectors) != 3 {
					t.Errorf("GranularMarkings = %+v", obj.GranularMarkings)
				}
			}
		})
	}
}

// TestSeveralProblems checks that every problem is reported, joined by "; ".
func TestSeveralProblems(t *testing.T) {
	raw := mutation{typ: "indicator", set: map[string]any{"confidence": 200, "valid_until": "2020-01-01T00:00:00Z"}, del: []string{"pattern"}}.build(t)
	_, err := Parse(raw)
	if err == nil {
		t.Fatal("Parse accepted an invalid indicator")
	}
	text := err.Error()
	for _, want := range []string{
		"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3e: $.pattern: is required",
		"; indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3e: $.confidence: must be between 0 and 100, not 200",
		"$.valid_until: must be later than valid_from (2026-01-01T00:00:00Z)",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("error %q lacks %q", text, want)
		}
	}
}

// TestNoID checks the message of an object whose id cannot be read.
func TestNoID(t *testing.T) {
	_, err := Parse([]byte(`{"type":"indicator","id":7}`))
	if err == nil || !strings.Contains(err.Error(), "object at index: $.id: must be a string") {
		t.Errorf("error = %v", err)
	}
	_, err = Parse([]byte(`[1]`))
	if err == nil || !strings.Contains(err.Error(), "object at index: $: must be a JSON object") {
		t.Errorf("error = %v", err)
	}
	_, err = Parse([]byte(`{"type":"indicator",`))
	if err == nil || !strings.Contains(err.Error(), "malformed JSON at byte offset 20") {
		t.Errorf("error = %v", err)
	}
}

// TestProblemBound checks that a hostile object cannot produce an unbounded
// list of problems.
func TestProblemBound(t *testing.T) {
	labels := make([]any, 1000)
	for i := range labels {
		labels[i] = i
	}
	raw := mutation{typ: "indicator", set: map[string]any{"labels": labels}}.build(t)
	_, errs := Validate(raw)
	if len(errs) != maxProblems+1 || errs[maxProblems].Message != "900 more errors not listed" {
		t.Fatalf("%d errors, last %v", len(errs), errs[len(errs)-1])
	}
	if _, err := Parse(raw); err == nil || !strings.HasSuffix(err.Error(), "900 more errors not listed") {
		t.Errorf("Parse error = %.200v", err)
	}
}
