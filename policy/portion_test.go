package policy_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/policy"
)

func TestRedact(t *testing.T) {
	raw := json.RawMessage(`{"type":"indicator","id":"indicator--1","description":"<secret> & more","labels":["a","b","c"],` +
		`"external_references":[{"source_name":"s","url":"https://x.example/1"},{"source_name":"t"}],"confidence":85,"x_big":12345678901234567890}`)
	tests := []struct {
		selectors []string
		absent    []string
		done      []string
	}{
		{[]string{"description"}, []string{"<secret>"}, []string{"description"}},
		{[]string{"labels.[1]"}, []string{`"b"`}, []string{"labels.[1]"}},
		{[]string{"labels.[2]", "labels.[0]"}, []string{`"a"`, `"c"`}, []string{"labels.[0]", "labels.[2]"}},
		{[]string{"external_references.[0].url"}, []string{"x.example"}, []string{"external_references.[0].url"}},
		{[]string{"nothing", "labels.[9]", "labels.x"}, nil, nil},
	}
	for _, tt := range tests {
		out, done, err := policy.Redact(raw, tt.selectors)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(done, tt.done) {
			t.Errorf("%v: redacted %v, want %v", tt.selectors, done, tt.done)
		}
		for _, a := range tt.absent {
			if strings.Contains(string(out), a) {
				t.Errorf("%v: %s still present in %s", tt.selectors, a, out)
			}
		}
		if len(tt.done) == 0 {
			if string(out) != string(raw) {
				t.Errorf("%v: nothing matched but the object changed: %s", tt.selectors, out)
			}
			continue
		}
		var doc map[string]any
		if err := json.Unmarshal(out, &doc); err != nil {
			t.Fatalf("%v: %v", tt.selectors, err)
		}
		if !strings.Contains(string(out), `"x_big":12345678901234567890`) || !strings.Contains(string(out), `"confidence":85`) {
			t.Errorf("numbers changed: %s", out)
		}
		got, _ := doc[policy.RedactedProperty].([]any)
		if len(got) != len(tt.done) {
			t.Errorf("%v: %s = %v", tt.selectors, policy.RedactedProperty, got)
		}
	}
	if _, _, err := policy.Redact(json.RawMessage(`[1]`), []string{"x"}); err == nil {
		t.Error("a non-object must be an error")
	}
	// labels.[1] of ["a","b","c"] leaves ["a","c"]: indexes refer to the original.
	out, _, _ := policy.Redact(raw, []string{"labels.[1]"})
	if !strings.Contains(string(out), `"labels":["a","c"]`) {
		t.Errorf("list removal: %s", out)
	}
}

func TestPortionLabels(t *testing.T) {
	w := newWorld(t)
	secret := w.marking(map[string]any{"scheme": "USA", "level": "SECRET", "releasable_to": []string{"USA", "JPN"}})
	obj := w.indicator(orgUS, []string{policy.TLP2Green},
		kizuna.GranularMarking{MarkingRef: secret, Selectors: []string{"description"}},
		kizuna.GranularMarking{MarkingRef: policy.TLP2Red, Selectors: []string{"labels.[0]"}},
		kizuna.GranularMarking{Lang: "ja", Selectors: []string{"name"}})
	label, portions, warnings, err := w.p.Label(w.ctx, obj, w.c)
	if err != nil {
		t.Fatal(err)
	}
	if label.TLP != kizuna.TLPGreen || len(label.Classifications) != 0 || len(warnings) != 0 {
		t.Errorf("an optional portion must not change the object's label: %+v %q", label, warnings)
	}
	if len(portions) != 2 {
		t.Fatalf("portions %+v", portions)
	}
	if portions[0].Selectors[0] != "description" || portions[0].Label.Classifications[0].Level != "SECRET" {
		t.Errorf("portion 0: %+v", portions[0])
	}
	if portions[1].Label.TLP != kizuna.TLPRed || !reflect.DeepEqual(portions[1].Label.Audience, []string{orgUS}) {
		t.Errorf("portion 1 (TLP:RED defaults to the creator): %+v", portions[1].Label)
	}

	// A portion on a required property is folded into the object's label,
	// and the publisher is warned.
	req := w.indicator(orgUS, []string{policy.TLP2Green}, kizuna.GranularMarking{MarkingRef: secret, Selectors: []string{"pattern"}})
	label, _, warnings, err = w.p.Label(w.ctx, req, w.c)
	if err != nil {
		t.Fatal(err)
	}
	if len(label.Classifications) != 1 || label.Classifications[0].Level != "SECRET" || !label.Releasable {
		t.Errorf("required portion not folded: %+v", label)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "pattern") {
		t.Errorf("warnings %q", warnings)
	}
	// Folding a portion no stricter than the object warns nobody.
	same := w.indicator(orgUS, []string{secret}, kizuna.GranularMarking{MarkingRef: secret, Selectors: []string{"pattern"}})
	if _, _, warnings, _ := w.p.Label(w.ctx, same, w.c); len(warnings) != 0 {
		t.Errorf("no one loses the object, yet warned: %q", warnings)
	}
}

func TestRequiredProperty(t *testing.T) {
	tests := []struct {
		typ, sel string
		want     bool
	}{
		{"indicator", "pattern", true},
		{"indicator", "valid_from", true},
		{"indicator", "description", false},
		{"indicator", "created", true},
		{"indicator", "external_references.[0].url", false},
		{"report", "object_refs.[3]", true},
		{"domain-name", "value", true},
		{"domain-name", "created", false},
		{"x-custom", "id", true},
		{"x-custom", "name", false},
	}
	for _, tt := range tests {
		if got := policy.RequiredProperty(tt.typ, tt.sel); got != tt.want {
			t.Errorf("%s %s: %v", tt.typ, tt.sel, got)
		}
	}
}
