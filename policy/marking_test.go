package policy_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/policy"
)

func TestTLPMarkings(t *testing.T) {
	w := newWorld(t)
	tests := []struct {
		refs []string
		want string
	}{
		{[]string{policy.TLP1White}, kizuna.TLPClear},
		{[]string{policy.TLP1Green}, kizuna.TLPGreen},
		{[]string{policy.TLP1Amber}, kizuna.TLPAmber},
		{[]string{policy.TLP1Red}, kizuna.TLPRed},
		{[]string{policy.TLP2Clear}, kizuna.TLPClear},
		{[]string{policy.TLP2Green}, kizuna.TLPGreen},
		{[]string{policy.TLP2Amber}, kizuna.TLPAmber},
		{[]string{policy.TLP2AmberStrict}, kizuna.TLPAmberStrict},
		{[]string{policy.TLP2Red}, kizuna.TLPRed},
		{[]string{policy.TLP2Clear, policy.TLP1Green}, kizuna.TLPGreen},
		{[]string{policy.TLP1Amber, policy.TLP2AmberStrict, policy.TLP2Green}, kizuna.TLPAmberStrict},
		{[]string{policy.TLP2Red, policy.TLP1White}, kizuna.TLPRed},
	}
	for _, tt := range tests {
		l := w.label(w.indicator(orgJP, tt.refs))
		if l.TLP != tt.want {
			t.Errorf("%v: TLP %q, want %q", tt.refs, l.TLP, tt.want)
		}
		if tlpNeedsAudience(tt.want) && (!l.AudienceLimited || !reflect.DeepEqual(l.Audience, []string{orgJP})) {
			t.Errorf("%v: audience %v limited=%v, want the creator's organisation", tt.refs, l.Audience, l.AudienceLimited)
		}
	}
	// A custom marking-definition using the TLP 2.0 extension is honoured.
	strict := w.markingWith(map[string]any{policy.TLP2ExtensionID: map[string]any{"tlp_2_0": "amber+strict"}})
	if l := w.label(w.indicator(orgJP, []string{strict})); l.TLP != kizuna.TLPAmberStrict {
		t.Errorf("TLP 2.0 extension: %+v", l)
	}
	// A TLP 1.0 definition under another id is not a TLP marking: deny.
	fake := w.id("marking-definition")
	w.put(MustObject(t, MustJSON(t, map[string]any{"type": "marking-definition", "spec_version": "2.1", "id": fake,
		"created": "2026-01-01T00:00:00.000Z", "definition_type": "tlp", "definition": map[string]any{"tlp": "white"}})))
	if l := w.label(w.indicator(orgJP, []string{fake})); len(l.Uninterpretable) != 1 {
		t.Errorf("a non-standard TLP id must be uninterpretable: %+v", l)
	}
	// The predefined TLP 1.0 objects themselves, as the specification
	// defines them, are stored without a warning and readable by every
	// reader of the collection: their ids are what the node interprets.
	// Any other content under a TLP id is refused.
	white := map[string]any{"type": "marking-definition", "spec_version": "2.1", "id": policy.TLP1White,
		"created": "2017-01-20T00:00:00.000Z", "definition_type": "tlp", "name": "TLP:WHITE", "definition": map[string]any{"tlp": "white"}}
	if l, _, warnings, err := w.p.Label(w.ctx, MustObject(t, MustJSON(t, white)), w.c); err != nil || len(warnings) != 0 || !reflect.DeepEqual(*l, kizuna.AccessLabel{}) {
		t.Errorf("TLP:WHITE itself: %+v %q %v", l, warnings, err)
	}
	white["object_marking_refs"] = []string{policy.TLP1White}
	if _, _, _, err := w.p.Label(w.ctx, MustObject(t, MustJSON(t, white)), w.c); kizuna.ErrorCode(err) != kizuna.EINVALID || !strings.Contains(kizuna.ErrorMessage(err), policy.RuleWriteReserved) {
		t.Errorf("TLP:WHITE with other content: %v, want refused by %s", err, policy.RuleWriteReserved)
	}
	// A property given twice, or an extension given twice, is ambiguous.
	for i, raw := range []string{
		`{"type":"marking-definition","id":"%s","extensions":{"` + policy.ExtensionID + `":{"extension_type":"property-extension","releasable_to":["USA"],"releasable_to":["USA","JPN"]}}}`,
		`{"type":"marking-definition","id":"%s","extensions":{"` + policy.ExtensionID + `":{"extension_type":"property-extension","releasable_to":["USA"]},"` + policy.ExtensionID + `":{"extension_type":"property-extension"}}}`,
		`{"type":"marking-definition","id":"%s","Extensions":{},"extensions":{"` + policy.ExtensionID + `":{"extension_type":"property-extension","releasable_to":["USA"]}}}`,
	} {
		id := w.id("marking-definition")
		w.put(MustObject(t, []byte(fmt.Sprintf(raw, id))))
		if l := w.label(w.indicator(orgJP, []string{id})); len(l.Uninterpretable) != 1 {
			t.Errorf("ambiguous marking %d interpreted: %+v", i, l)
		}
	}
	stmt := w.id("marking-definition")
	w.put(MustObject(t, MustJSON(t, map[string]any{"type": "marking-definition", "spec_version": "2.1", "id": stmt,
		"created": "2026-01-01T00:00:00.000Z", "definition_type": "statement", "definition": map[string]any{"statement": "Copyright 2026"}})))
	if l := w.label(w.indicator(orgJP, []string{stmt})); !reflect.DeepEqual(*l, kizuna.AccessLabel{}) {
		t.Errorf("a statement restricts nobody: %+v", l)
	}
}

func tlpNeedsAudience(tlp string) bool {
	return tlp == kizuna.TLPAmber || tlp == kizuna.TLPAmberStrict || tlp == kizuna.TLPRed
}

func TestACSMarkings(t *testing.T) {
	w := newWorld(t)
	usa := func(level string) []kizuna.Classification {
		return []kizuna.Classification{{Scheme: "USA", Level: level}}
	}
	tests := []struct {
		name  string
		cs    map[string]any
		extra map[string]any
		want  kizuna.AccessLabel
		bad   string // a text of the warning when uninterpretable
	}{
		{"U", map[string]any{"classification": "U"}, nil, kizuna.AccessLabel{Classifications: usa("UNCLASSIFIED")}, ""},
		{"S stays in the USA without releasability", map[string]any{"classification": "S"}, nil,
			kizuna.AccessLabel{Classifications: usa("SECRET"), Releasable: true, ReleasableTo: []string{"USA"}}, ""},
		{"TS REL TO USA, JPN", map[string]any{"classification": "TS", "permitted_nationalities": []string{"USA", "JPN"}}, nil,
			kizuna.AccessLabel{Classifications: usa("TOP SECRET"), Releasable: true, ReleasableTo: []string{"JPN", "USA"}}, ""},
		{"C NOFORN", map[string]any{"classification": "C", "formal_determination": []string{"NF", "AIS"}, "permitted_nationalities": []string{"USA", "JPN"}}, nil,
			kizuna.AccessLabel{Classifications: usa("CONFIDENTIAL"), Releasable: true, ReleasableTo: []string{"USA"}}, ""},
		{"FOUO is USA CUI", map[string]any{"classification": "U", "formal_determination": []string{"FOUO"}}, nil,
			kizuna.AccessLabel{Classifications: usa("CUI")}, ""},
		{"PII sensitivity is a community", map[string]any{"classification": "U", "sensitivity": []string{"PII"}, "caveat": []string{"POSSIBLEPII"}}, nil,
			kizuna.AccessLabel{Classifications: usa("UNCLASSIFIED"), Communities: []string{"acs:sensitivity:PII"}}, ""},
		{"no further sharing to foreign governments", map[string]any{"classification": "U"},
			map[string]any{"further_sharing": []any{map[string]any{"sharing_scope": []string{"FOREIGNGOV"}, "rule_effect": "deny"}}},
			kizuna.AccessLabel{Classifications: usa("UNCLASSIFIED"), Releasable: true, ReleasableTo: []string{"USA"}}, ""},
		{"entity cannot be enforced", map[string]any{"classification": "U", "entity": []string{"GOV"}}, nil, kizuna.AccessLabel{}, "entity"},
		{"FISA caveat", map[string]any{"classification": "U", "caveat": []string{"FISA"}}, nil, kizuna.AccessLabel{}, "FISA"},
		{"unknown classification", map[string]any{"classification": "R"}, nil, kizuna.AccessLabel{}, "classification"},
		{"sharedefault=deny", map[string]any{"classification": "U"},
			map[string]any{"policy_reference": "urn:isa:policy:acs:ns:v3.0?privdefault=deny&sharedefault=deny"}, kizuna.AccessLabel{}, "sharedefault"},
		{"bad policy reference", map[string]any{"classification": "U"}, map[string]any{"policy_reference": "urn:other"}, kizuna.AccessLabel{}, "policy_reference"},
		{"an unknown control", map[string]any{"classification": "U", "dissemination": []string{"X"}}, nil, kizuna.AccessLabel{}, "dissemination"},
		{"an unknown property", map[string]any{"classification": "U"}, map[string]any{"handling_caveat": "X"}, kizuna.AccessLabel{}, "handling_caveat"},
		{"deny to an organisation", map[string]any{"classification": "U"},
			map[string]any{"further_sharing": []any{map[string]any{"sharing_scope": []string{"USA.DHS"}, "rule_effect": "deny"}}}, kizuna.AccessLabel{}, "sharing_scope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := w.acs(tt.cs, tt.extra)
			obj := w.indicator(orgUS, []string{id})
			l, _, warnings, err := w.p.Label(w.ctx, obj, w.c)
			if err != nil {
				t.Fatal(err)
			}
			if tt.bad != "" {
				if !reflect.DeepEqual(l.Uninterpretable, []string{id}) || len(warnings) == 0 || !strings.Contains(strings.Join(warnings, " "), tt.bad) {
					t.Errorf("want uninterpretable mentioning %q, got %+v %q", tt.bad, l, warnings)
				}
				return
			}
			if !reflect.DeepEqual(*l, tt.want) || len(warnings) > 0 {
				t.Errorf("got %+v (warnings %q), want %+v", *l, warnings, tt.want)
			}
		})
	}
	missing := w.markingWith(map[string]any{policy.ACSExtensionID: map[string]any{"extension_type": "property-extension",
		"policy_reference": "urn:isa:policy:acs:ns:v3.0?privdefault=permit&sharedefault=permit"}})
	if l := w.label(w.indicator(orgUS, []string{missing})); len(l.Uninterpretable) != 1 {
		t.Errorf("an ACS marking without control_set must deny: %+v", l)
	}
}

func TestKizunaMarking(t *testing.T) {
	w := newWorld(t)
	tests := []struct {
		name string
		ext  map[string]any
		want kizuna.AccessLabel
		bad  string
	}{
		{"Japanese level text", map[string]any{"scheme": "JPN", "level": "極秘", "releasable_to": []string{"USA", "JPN"}},
			kizuna.AccessLabel{Classifications: []kizuna.Classification{{Scheme: "JPN", Level: "gokuhi"}}, Releasable: true, ReleasableTo: []string{"JPN", "USA"}}, ""},
		{"alias and case", map[string]any{"scheme": "usa", "level": "ts", "releasable_to": []string{"USA"}},
			kizuna.AccessLabel{Classifications: []kizuna.Classification{{Scheme: "USA", Level: "TOP SECRET"}}, Releasable: true, ReleasableTo: []string{"USA"}}, ""},
		{"economic security", map[string]any{"scheme": "JPN", "level": "重要経済安保情報"},
			kizuna.AccessLabel{Classifications: []kizuna.Classification{{Scheme: "JPN", Level: "juyo-keizai-anpo"}}, Releasable: true, ReleasableTo: []string{"JPN"}}, ""},
		{"NATO keeps no national default", map[string]any{"scheme": "NATO", "level": "NS"},
			kizuna.AccessLabel{Classifications: []kizuna.Classification{{Scheme: "NATO", Level: "NATO SECRET"}}}, ""},
		{"NOFORN and REL TO intersect", map[string]any{"scheme": "JPN", "level": "hi", "noforn": true, "releasable_to": []string{"USA", "JPN"}},
			kizuna.AccessLabel{Classifications: []kizuna.Classification{{Scheme: "JPN", Level: "hi"}}, Releasable: true, ReleasableTo: []string{"JPN"}}, ""},
		{"communities sorted", map[string]any{"communities": []string{"ics", "energy", "ics"}},
			kizuna.AccessLabel{Communities: []string{"energy", "ics"}}, ""},
		{"releasable to nobody", map[string]any{"releasable_to": []string{}}, kizuna.AccessLabel{Releasable: true}, ""},
		{"unknown level", map[string]any{"scheme": "USA", "level": "ULTRA"}, kizuna.AccessLabel{}, "ULTRA"},
		{"unknown scheme", map[string]any{"scheme": "ATLANTIS", "level": "SECRET"}, kizuna.AccessLabel{}, "ATLANTIS"},
		{"level without scheme", map[string]any{"level": "SECRET"}, kizuna.AccessLabel{}, "together"},
		{"NOFORN without a national scheme", map[string]any{"scheme": "NATO", "level": "NS", "noforn": true}, kizuna.AccessLabel{}, "noforn"},
		{"bad nation code", map[string]any{"releasable_to": []string{"Japan"}}, kizuna.AccessLabel{}, "Japan"},
		{"unknown property", map[string]any{"handling": "eyes only"}, kizuna.AccessLabel{}, "handling"},
		{"a property spelt with other case", map[string]any{"Releasable_To": []string{"USA", "JPN"}}, kizuna.AccessLabel{}, "Releasable_To"},
		{"audience of a non-identity", map[string]any{"audience": []string{"principal--x"}}, kizuna.AccessLabel{}, "principal--x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := w.marking(tt.ext)
			l, _, warnings, err := w.p.Label(w.ctx, w.indicator(orgUS, []string{id}), w.c)
			if err != nil {
				t.Fatal(err)
			}
			if tt.bad != "" {
				if !reflect.DeepEqual(l.Uninterpretable, []string{id}) || !strings.Contains(strings.Join(warnings, " "), tt.bad) {
					t.Errorf("want uninterpretable mentioning %q, got %+v %q", tt.bad, l, warnings)
				}
				return
			}
			if !reflect.DeepEqual(*l, tt.want) {
				t.Errorf("got %+v (warnings %q), want %+v", *l, warnings, tt.want)
			}
		})
	}
}

func TestLabelErrors(t *testing.T) {
	w := newWorld(t)
	unknown := "marking-definition--00000000-0000-4000-8000-0000000000ff"
	obj := w.indicator(orgUS, []string{policy.TLP2Green, unknown})
	_, _, _, err := w.p.Label(w.ctx, obj, w.c)
	if kizuna.ErrorCode(err) != kizuna.EINVALID || !strings.Contains(kizuna.ErrorMessage(err), obj.ID+": $.object_marking_refs[1]: "+unknown) {
		t.Errorf("unknown marking: %v", err)
	}
	g := w.indicator(orgUS, []string{policy.TLP2Green}, kizuna.GranularMarking{MarkingRef: unknown, Selectors: []string{"description"}})
	if _, _, _, err := w.p.Label(w.ctx, g, w.c); kizuna.ErrorCode(err) != kizuna.EINVALID || !strings.Contains(kizuna.ErrorMessage(err), "$.granular_markings[0]") {
		t.Errorf("unknown granular marking: %v", err)
	}
	bare := &kizuna.Collection{ID: "c0000000-0000-4000-8000-000000000009"}
	if _, _, _, err := w.p.Label(w.ctx, w.indicator(orgUS, nil), bare); kizuna.ErrorCode(err) != kizuna.EINVALID {
		t.Errorf("no marking and no default: %v", err)
	}
	if _, _, _, err := w.p.Label(w.ctx, nil, w.c); kizuna.ErrorCode(err) != kizuna.EINVALID {
		t.Errorf("nil object: %v", err)
	}
}

// TestLabelsAreCanonical: the same requirements in any order or spelling
// encode to the same bytes, so the store keeps them once.
func TestLabelsAreCanonical(t *testing.T) {
	w := newWorld(t)
	a := w.marking(map[string]any{"scheme": "JPN", "level": "極秘", "releasable_to": []string{"USA", "JPN"}, "communities": []string{"ics", "energy"}})
	b := w.marking(map[string]any{"scheme": "JPN", "level": "gokuhi", "releasable_to": []string{"JPN", "USA", "JPN"}, "communities": []string{"energy", "ics"}})
	low := w.marking(map[string]any{"scheme": "JPN", "level": "hi", "releasable_to": []string{"USA", "JPN"}})
	l1 := w.label(w.indicator(orgUS, []string{a, policy.TLP2Green}))
	l2 := w.label(w.indicator(orgUS, []string{policy.TLP1Green, low, b}))
	j1, _ := json.Marshal(l1)
	j2, _ := json.Marshal(l2)
	if string(j1) != string(j2) {
		t.Errorf("equal requirements encode differently:\n%s\n%s", j1, j2)
	}
}

// TestObjectAudience: an object may name its own audience with kizuna's
// extension; other kizuna properties belong in a marking-definition.
func TestObjectAudience(t *testing.T) {
	w := newWorld(t)
	doc := map[string]any{
		"type": "note", "spec_version": "2.1", "id": w.id("note"), "created": "2026-01-01T00:00:00.000Z",
		"modified": "2026-01-01T00:00:00.000Z", "content": "x", "object_refs": []string{"indicator--b0000000-0000-4000-8000-000000000001"},
		"object_marking_refs": []string{policy.TLP2Red},
		"extensions":          map[string]any{policy.ExtensionID: map[string]any{"extension_type": "property-extension", "audience": []string{orgAU, orgJP}}},
	}
	l := w.label(MustObject(t, MustJSON(t, doc)))
	if !reflect.DeepEqual(l.Audience, []string{orgJP, orgAU}) && !reflect.DeepEqual(l.Audience, []string{orgAU, orgJP}) || l.TLP != kizuna.TLPRed {
		t.Errorf("object audience: %+v", l)
	}
	doc["id"] = w.id("note")
	doc["extensions"] = map[string]any{policy.ExtensionID: map[string]any{"extension_type": "property-extension", "scheme": "USA", "level": "SECRET"}}
	if l := w.label(MustObject(t, MustJSON(t, doc))); len(l.Uninterpretable) == 0 {
		t.Errorf("a classification on an object must be refused as uninterpretable: %+v", l)
	}
}
