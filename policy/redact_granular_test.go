package policy

import (
	"encoding/json"
	"testing"
)

func TestRenumber(t *testing.T) {
	removed := []string{"labels.[0]", "description", "external_references.[1]", "kill_chain_phases.[0].phase_name"}
	for sel, want := range map[string]string{
		"labels.[0]":                            "",
		"labels.[1]":                            "labels.[0]",
		"labels.[3]":                            "labels.[2]",
		"description":                           "",
		"name":                                  "name",
		"external_references.[0].url":           "external_references.[0].url",
		"external_references.[1].url":           "",
		"external_references.[2].url":           "external_references.[1].url",
		"kill_chain_phases.[0].phase_name":      "",
		"kill_chain_phases.[0].kill_chain_name": "kill_chain_phases.[0].kill_chain_name",
		"kill_chain_phases.[1]":                 "kill_chain_phases.[1]",
	} {
		got, ok := renumber(sel, removed)
		if (want == "") == ok || got != want {
			t.Errorf("renumber(%q) = %q, %t; want %q", sel, got, ok, want)
		}
	}
}

// TestRedactKeepsGranularMarkingsConsistent: after redaction, no granular
// marking selects a removed value, and the others still mark what they did.
func TestRedactKeepsGranularMarkingsConsistent(t *testing.T) {
	cases := []struct {
		in       string
		selector string
		want     string
	}{
		{
			`{"id":"indicator--x","labels":["a","b","c"],"granular_markings":[{"marking_ref":"m1","selectors":["labels.[0]"]},{"marking_ref":"m2","selectors":["labels.[1]","labels.[2]"]}]}`,
			"labels.[0]",
			`{"granular_markings":[{"marking_ref":"m2","selectors":["labels.[0]","labels.[1]"]}],"id":"indicator--x","labels":["b","c"],"x_kizuna_redacted":["labels.[0]"]}`,
		},
		{
			`{"id":"indicator--z","name":"n","granular_markings":[{"marking_ref":"m1","selectors":["name"]}]}`,
			"name",
			`{"id":"indicator--z","x_kizuna_redacted":["name"]}`,
		},
		{ // a redaction list the object already carried removes no marking here
			`{"description":"d","id":"indicator--c","name":"x","x_kizuna_redacted":["description"],"granular_markings":[{"marking_ref":"m1","selectors":["description"]},{"marking_ref":"m2","selectors":["name"]}]}`,
			"name",
			`{"description":"d","granular_markings":[{"marking_ref":"m1","selectors":["description"]}],"id":"indicator--c","x_kizuna_redacted":["description","name"]}`,
		},
	}
	for _, c := range cases {
		out, _, err := Redact(json.RawMessage(c.in), []string{c.selector})
		if err != nil {
			t.Fatal(err)
		}
		if !sameJSON(out, []byte(c.want)) {
			t.Errorf("Redact(%s, %s) =\n %s\nwant\n %s", c.in, c.selector, out, c.want)
		}
	}
}
