package federation

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

func TestFixGranular(t *testing.T) {
	raw := json.RawMessage(`{"id":"indicator--x","labels":["b","c"],"x_kizuna_redacted":["labels.[0]"],
		"granular_markings":[{"marking_ref":"m1","selectors":["labels.[0]"]},{"marking_ref":"m2","selectors":["labels.[1]","labels.[2]"]}]}`)
	out, err := fixGranular(raw, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		GranularMarkings []struct {
			MarkingRef string   `json:"marking_ref"`
			Selectors  []string `json:"selectors"`
		} `json:"granular_markings"`
	}
	json.Unmarshal(out, &got)
	if len(got.GranularMarkings) != 1 || got.GranularMarkings[0].MarkingRef != "m2" ||
		len(got.GranularMarkings[0].Selectors) != 2 || got.GranularMarkings[0].Selectors[0] != "labels.[0]" || got.GranularMarkings[0].Selectors[1] != "labels.[1]" {
		t.Fatalf("fixGranular = %s", out)
	}
	plain := json.RawMessage(`{"id":"indicator--y","granular_markings":[{"marking_ref":"m1","selectors":["name"]}]}`)
	if out, err := fixGranular(plain, nil); err != nil || string(out) != string(plain) {
		t.Fatalf("an object without redactions changed: %s %v", out, err)
	}
	all := json.RawMessage(`{"id":"indicator--z","x_kizuna_redacted":["name"],"granular_markings":[{"marking_ref":"m1","selectors":["name"]}]}`)
	if out, _ := fixGranular(all, nil); string(out) != `{"id":"indicator--z","x_kizuna_redacted":["name"]}` {
		t.Fatalf("the emptied granular_markings stayed: %s", out)
	}
	// A redaction list the stored object already carried (from upstream,
	// or written by its publisher) removes no marking here: only what this
	// redaction removed does.
	crafted := json.RawMessage(`{"description":"kept","id":"indicator--c","name":"x","x_kizuna_redacted":["description","name"],"granular_markings":[{"marking_ref":"m1","selectors":["description"]},{"marking_ref":"m2","selectors":["name"]}]}`)
	out, err = fixGranular(crafted, []string{"description"})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"description":"kept","granular_markings":[{"marking_ref":"m1","selectors":["description"]}],"id":"indicator--c","name":"x","x_kizuna_redacted":["description","name"]}`; string(out) != want {
		t.Fatalf("fixGranular(crafted) =\n %s\nwant\n %s", out, want)
	}
}
