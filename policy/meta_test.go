package policy_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/policy"
)

// TestMetaLabels: without markings of their own, meta objects do not take
// the collection default (TLP:AMBER, REL TO JPN here): a classification
// marking is labelled with what it expresses (no TLP), a statement, an
// extension-definition, a canonical object and a creator identity with
// nothing, another identity with the default. For the operator's imports
// a creator identity is one the import names as created_by_ref.
func TestMetaLabels(t *testing.T) {
	w := newWorld(t)
	w.p.SetAgency(agency{"node": {orgJP2: "JPN"}})
	us := reader("us", orgUS, "USA", nil, "USA:SECRET")
	peer := reader("node", orgJP, "JPN", nil)
	peer.Roles = []string{kizuna.RolePeer}
	ctxUS := kizuna.NewContextWithPrincipal(context.Background(), us)
	label := func(ctx context.Context, raw map[string]any) kizuna.AccessLabel {
		t.Helper()
		l, _, _, err := w.p.Label(ctx, MustObject(t, MustJSON(t, raw)), w.c)
		if err != nil {
			t.Fatal(err)
		}
		return *l
	}
	identity := func(id string) map[string]any {
		return map[string]any{"type": "identity", "spec_version": "2.1", "id": id, "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z", "name": "x"}
	}
	md := mdRaw(t, "marking-definition--c0000000-0000-4000-8000-000000000003", orgUS, map[string]any{"scheme": "USA", "level": "SECRET", "releasable_to": []string{"USA", "JPN"}})
	l, _, _, err := w.p.Label(ctxUS, md, w.c)
	if want := (kizuna.AccessLabel{Classifications: []kizuna.Classification{{Scheme: "USA", Level: "SECRET"}}, Releasable: true, ReleasableTo: []string{"JPN", "USA"}}); err != nil || !reflect.DeepEqual(*l, want) {
		t.Errorf("a classification marking: %+v %v, want %+v", l, err, want)
	}
	tlpAmber := mdRaw(t, "marking-definition--c0000000-0000-4000-8000-000000000004", orgUS, map[string]any{"audience": []string{orgUS}})
	if l, _, _, _ := w.p.Label(ctxUS, tlpAmber, w.c); !l.AudienceLimited || !reflect.DeepEqual(l.Audience, []string{orgUS}) || l.TLP != "" {
		t.Errorf("an audience marking: %+v, want its audience and no TLP", l)
	}
	defaultLabel := label(ctxUS, identity(orgAU))
	if defaultLabel.TLP != kizuna.TLPAmber {
		t.Fatalf("another identity: %+v, want the collection default", defaultLabel)
	}
	empty := kizuna.AccessLabel{}
	for what, got := range map[string]kizuna.AccessLabel{
		"a statement": label(ctxUS, map[string]any{"type": "marking-definition", "spec_version": "2.1", "id": "marking-definition--c0000000-0000-4000-8000-000000000005",
			"created": "2026-01-01T00:00:00.000Z", "definition_type": "statement", "definition": map[string]any{"statement": "x"}}),
		"an extension-definition": label(ctxUS, map[string]any{"type": "extension-definition", "spec_version": "2.1", "id": "extension-definition--c0000000-0000-4000-8000-000000000006",
			"created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z", "created_by_ref": orgUS, "name": "x", "schema": "x", "version": "1", "extension_types": []string{"new-sdo"}}),
		"the publisher's identity":                label(ctxUS, identity(orgUS)),
		"an identity the peer acts for":           label(kizuna.NewContextWithPrincipal(context.Background(), peer), identity(orgJP2)),
		"an identity the operator's import names": label(policy.OperatorContext(context.Background(), orgJP, map[string]bool{orgAU: true}), identity(orgAU)),
		"the operator's identity":                 label(policy.OperatorContext(context.Background(), orgJP, nil), identity(orgJP)),
	} {
		if !reflect.DeepEqual(got, empty) {
			t.Errorf("%s: %+v, want no restriction", what, got)
		}
	}
	// Explicit markings still apply.
	marked := identity(orgUS)
	marked["object_marking_refs"] = []string{policy.TLP2Red}
	if got := label(ctxUS, marked); got.TLP != kizuna.TLPRed {
		t.Errorf("a marked identity: %+v", got)
	}
	// An uninterpretable marking-definition is readable by nobody, like
	// what it marks.
	bogus := MustObject(t, MustJSON(t, map[string]any{"type": "marking-definition", "spec_version": "2.1", "id": "marking-definition--c0000000-0000-4000-8000-000000000007",
		"created": "2026-01-01T00:00:00.000Z", "extensions": map[string]any{"extension-definition--00000000-0000-4000-8000-00000000dead": map[string]any{"extension_type": "property-extension"}}}))
	if l, _, _, _ := w.p.Label(ctxUS, bogus, w.c); len(l.Uninterpretable) != 1 {
		t.Errorf("an uninterpretable marking-definition: %+v", l)
	}
	// The operator's objects without created_by_ref default to its
	// organisation's audience, not to an empty one.
	op := w.indicator("", nil)
	if l, _, _, _ := w.p.Label(policy.OperatorContext(context.Background(), orgJP, nil), op, w.c); !reflect.DeepEqual(l.Audience, []string{orgJP}) {
		t.Errorf("an operator's object without creator: audience %v, want [%s]", l.Audience, orgJP)
	}
}
