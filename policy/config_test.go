package policy_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/policy"
)

func TestDefaultConfig(t *testing.T) {
	cfg := policy.DefaultConfig()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range cfg.Schemes {
		ids = append(ids, s.ID)
	}
	if want := []string{"USA", "JPN", "NATO", "AUS", "GBR", "KOR"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("schemes %v, want %v", ids, want)
	}
	if !strings.Contains(cfg.Status, "PENDING") || len(cfg.Equivalences) != 3 {
		t.Errorf("the defaults must say they are pending the agreement: %q, %d equivalences", cfg.Status, len(cfg.Equivalences))
	}
	for _, e := range cfg.Equivalences {
		if !strings.Contains(e.Status, "pending") {
			t.Errorf("equivalence %+v not marked as a default", e)
		}
	}
	// The file a node copies into its data directory loads as it is.
	path := filepath.Join(t.TempDir(), "classification.json")
	if err := os.WriteFile(path, policy.DefaultConfigJSON(), 0o600); err != nil {
		t.Fatal(err)
	}
	loaded, err := policy.LoadConfig(path)
	if err != nil || !reflect.DeepEqual(loaded, cfg) {
		t.Errorf("LoadConfig of the default: %v", err)
	}
}

func TestConfigValidation(t *testing.T) {
	base := func() map[string]any {
		var m map[string]any
		if err := json.Unmarshal(policy.DefaultConfigJSON(), &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	schemes := func(m map[string]any) []any { return m["schemes"].([]any) }
	level := func(m map[string]any, s, l int) map[string]any {
		return schemes(m)[s].(map[string]any)["levels"].([]any)[l].(map[string]any)
	}
	tests := []struct {
		name   string
		edit   func(m map[string]any)
		raw    string
		errors []string
	}{
		{name: "unknown property", edit: func(m map[string]any) { m["equivalence"] = []any{} }, errors: []string{`unknown field "equivalence"`}},
		{name: "wrong type", raw: `{"schemes": [{"id": "USA", "levels": [{"id": "S", "tier": "high"}]}]}`, errors: []string{"$.schemes.levels.tier"}},
		{name: "not JSON", raw: `{"schemes": [`, errors: []string{"$:"}},
		{name: "no schemes", raw: `{"schemes": []}`, errors: []string{"$.schemes: at least one scheme"}},
		{name: "duplicate scheme", edit: func(m map[string]any) { schemes(m)[1].(map[string]any)["id"] = "usa" }, errors: []string{`$.schemes[1].id: scheme "usa" is defined twice`}},
		{name: "bad nation", edit: func(m map[string]any) { schemes(m)[0].(map[string]any)["nation"] = "US" }, errors: []string{"$.schemes[0].nation"}},
		{name: "two levels share a name", edit: func(m map[string]any) { level(m, 1, 2)["name"] = "秘" }, errors: []string{`$.schemes[1].levels[2]: "秘" names two levels`}},
		{name: "negative tier", edit: func(m map[string]any) { level(m, 0, 1)["tier"] = -1 }, errors: []string{"$.schemes[0].levels[1].tier"}},
		{name: "noforn default without nation", edit: func(m map[string]any) { level(m, 2, 3)["noforn_by_default"] = true }, errors: []string{"$.schemes[2].levels[3].noforn_by_default"}},
		{name: "equivalence to an unknown level", edit: func(m map[string]any) {
			m["equivalences"].([]any)[1].(map[string]any)["levels"].([]any)[1].(map[string]any)["level"] = "ultra"
		}, errors: []string{`$.equivalences[1].levels[1].level: scheme JPN has no level "ultra"`}},
		{name: "equivalence within one scheme", edit: func(m map[string]any) {
			m["equivalences"].([]any)[0].(map[string]any)["levels"].([]any)[1].(map[string]any)["scheme"] = "USA"
		}, errors: []string{"$.equivalences[0].levels[1].scheme: scheme USA appears twice"}},
		{name: "bad group", edit: func(m map[string]any) { m["nation_groups"] = map[string]any{"FVEY": []any{"Canada"}} }, errors: []string{`$.nation_groups["FVEY"][0]`}},
		{name: "marking authority of an unknown scheme", edit: func(m map[string]any) {
			m["marking_authorities"] = []any{map[string]any{"scheme": "XYZ", "nations": []any{"JPN"}}}
		}, errors: []string{`$.marking_authorities[0].scheme: unknown scheme "XYZ"`}},
		{name: "marking authority without nations", edit: func(m map[string]any) {
			m["marking_authorities"] = []any{map[string]any{"scheme": "NATO", "nations": []any{}}}
		}, errors: []string{"$.marking_authorities[0].nations: at least one"}},
		{name: "marking authority of a bad nation", edit: func(m map[string]any) {
			m["marking_authorities"] = []any{map[string]any{"scheme": "NATO", "nations": []any{"USA", "Japan"}}}
		}, errors: []string{`$.marking_authorities[0].nations[1]: "Japan"`}},
		{name: "several problems are all named", edit: func(m map[string]any) {
			level(m, 0, 1)["tier"] = -1
			schemes(m)[3].(map[string]any)["nation"] = "au"
		}, errors: []string{"$.schemes[0].levels[1].tier", "$.schemes[3].nation"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := []byte(tt.raw)
			if tt.edit != nil {
				m := base()
				tt.edit(m)
				data = MustJSON(t, m)
			}
			path := filepath.Join(t.TempDir(), "agreements.json")
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := policy.LoadConfig(path)
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.HasPrefix(err.Error(), "agreements.json: ") {
				t.Errorf("the error does not name the file: %v", err)
			}
			for _, want := range tt.errors {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
		})
	}
	if _, err := policy.LoadConfig(filepath.Join(t.TempDir(), "missing.json")); err == nil {
		t.Error("a missing file was accepted")
	}
	if _, err := policy.New(policy.Config{}, nil); kizuna.ErrorCode(err) != kizuna.EINVALID {
		t.Errorf("New with an invalid configuration: %v", err)
	}
}

func TestExtensionDefinition(t *testing.T) {
	var ext struct {
		Type           string   `json:"type"`
		ID             string   `json:"id"`
		CreatedByRef   string   `json:"created_by_ref"`
		Schema         string   `json:"schema"`
		ExtensionTypes []string `json:"extension_types"`
	}
	if err := json.Unmarshal(policy.ExtensionDefinition, &ext); err != nil {
		t.Fatal(err)
	}
	var identity struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(policy.ProjectIdentity, &identity); err != nil {
		t.Fatal(err)
	}
	if ext.Type != "extension-definition" || ext.ID != policy.ExtensionID || ext.CreatedByRef != identity.ID ||
		!reflect.DeepEqual(ext.ExtensionTypes, []string{"property-extension"}) {
		t.Errorf("extension-definition %+v", ext)
	}
	var schema struct {
		Properties map[string]any `json:"properties"`
	}
	if err := json.Unmarshal([]byte(ext.Schema), &schema); err != nil {
		t.Fatalf("schema is not JSON: %v", err)
	}
	var props []string
	for k := range schema.Properties {
		props = append(props, k)
	}
	slices.Sort(props)
	if want := []string{"audience", "communities", "extension_type", "level", "noforn", "releasable_to", "scheme"}; !reflect.DeepEqual(props, want) {
		t.Errorf("schema properties %v, want %v (what the policy interprets)", props, want)
	}
	docs, err := os.ReadFile("../docs/kizuna-access-extension.json")
	if err != nil || !bytes.Equal(docs, policy.ExtensionDefinition) {
		t.Errorf("docs/kizuna-access-extension.json differs from the embedded definition (%v)", err)
	}
}

func TestDefaultMarkings(t *testing.T) {
	objs, refs, err := policy.DefaultMarkings("JPN")
	if err != nil || len(objs) != 3 || len(refs) != 2 || refs[0] != policy.TLP2Amber {
		t.Fatalf("%d %v %v", len(objs), refs, err)
	}
	if refs[1] != policy.ReleasableToMarkingID("JPN") || policy.ReleasableToMarkingID("JPN") == policy.ReleasableToMarkingID("USA") {
		t.Error("marking ids are not stable per nation")
	}
	if _, _, err := policy.DefaultMarkings("Japan"); kizuna.ErrorCode(err) != kizuna.EINVALID {
		t.Errorf("bad nation: %v", err)
	}
	w := newWorld(t) // stores the defaults in order
	l := w.label(w.indicator(orgJP, nil))
	want := kizuna.AccessLabel{TLP: kizuna.TLPAmber, Releasable: true, ReleasableTo: []string{"JPN"}, Audience: []string{orgJP}, AudienceLimited: true}
	if !reflect.DeepEqual(*l, want) {
		t.Errorf("default label %+v", *l)
	}
}

func TestExplain(t *testing.T) {
	w := newWorld(t)
	secret := w.marking(map[string]any{"scheme": "USA", "level": "SECRET"})
	o := w.put(w.indicator(orgUS, []string{policy.TLP2Green}, kizuna.GranularMarking{MarkingRef: secret, Selectors: []string{"description"}}))
	jp := reader("jp", orgJP, "JPN", nil, "JPN:gokuhi")
	e := w.p.Explain(context.Background(), jp, o)
	var b strings.Builder
	if _, err := e.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"ALLOW: principal jp, object " + o.ID, "rule: allow", "label: TLP:GREEN",
		"portion description: redacted: rule releasability: nation JPN is not in the releasable set [USA]", "marking " + secret + ": USA:SECRET"} {
		if !strings.Contains(out, want) {
			t.Errorf("explanation lacks %q:\n%s", want, out)
		}
	}
	hidden := w.put(w.indicator(orgUS, []string{secret}))
	b.Reset()
	_, _ = w.p.Explain(context.Background(), jp, hidden).WriteTo(&b)
	if !strings.HasPrefix(b.String(), "DENY") || !strings.Contains(b.String(), "rule: releasability") {
		t.Errorf("explanation of a denial:\n%s", b.String())
	}
}

func TestNormalizeClassification(t *testing.T) {
	p := MustPolicy(t, nil)
	tests := []struct {
		in, want kizuna.Classification
		err      string
	}{
		{kizuna.Classification{Scheme: "JPN", Level: "極秘"}, kizuna.Classification{Scheme: "JPN", Level: "gokuhi"}, ""},
		{kizuna.Classification{Scheme: "usa", Level: "ts"}, kizuna.Classification{Scheme: "USA", Level: "TOP SECRET"}, ""},
		{kizuna.Classification{Scheme: "KOR", Level: "Ⅱ급비밀"}, kizuna.Classification{Scheme: "KOR", Level: "class-2"}, ""},
		{kizuna.Classification{Scheme: "ATLANTIS", Level: "SECRET"}, kizuna.Classification{}, `unknown classification scheme "ATLANTIS"`},
		{kizuna.Classification{Scheme: "USA", Level: "ULTRA"}, kizuna.Classification{}, `scheme USA has no level "ULTRA"`},
	}
	for _, tt := range tests {
		got, err := p.NormalizeClassification(tt.in)
		if tt.err != "" {
			if kizuna.ErrorCode(err) != kizuna.EINVALID || !strings.Contains(kizuna.ErrorMessage(err), tt.err) {
				t.Errorf("%v: %v", tt.in, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%v: got %v %v", tt.in, got, err)
		}
	}
}
