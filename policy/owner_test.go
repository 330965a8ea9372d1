package policy_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/policy"
)

// mdRaw returns a marking-definition with kizuna's extension, as an object.
func mdRaw(t *testing.T, id, createdBy string, ext map[string]any) *kizuna.Object {
	ext["extension_type"] = "property-extension"
	doc := map[string]any{"type": "marking-definition", "spec_version": "2.1", "id": id, "created": "2026-01-01T00:00:00.000Z",
		"extensions": map[string]any{policy.ExtensionID: ext}}
	if createdBy != "" {
		doc["created_by_ref"] = createdBy
	}
	return MustObject(t, MustJSON(t, doc))
}

// judge runs the write rules on obj, labelled for the world's collection.
func judge(t *testing.T, p *policy.Policy, w *world, pr *kizuna.Principal, obj *kizuna.Object, st policy.Stored) (*kizuna.Owner, error) {
	t.Helper()
	l, portions, _, err := p.Label(kizuna.NewContextWithPrincipal(context.Background(), pr), obj, w.c)
	if err != nil {
		t.Fatalf("label %s: %v", obj.ID, err)
	}
	obj.Portions = portions
	return p.CheckWrite(context.Background(), pr, obj, l, st)
}

func wantRule(t *testing.T, what string, err error, rule string) {
	t.Helper()
	if rule == "" {
		if err != nil {
			t.Errorf("%s: refused: %v", what, err)
		}
		return
	}
	if kizuna.ErrorCode(err) != kizuna.EFORBIDDEN || !strings.Contains(kizuna.ErrorMessage(err), "(rule "+rule+")") {
		t.Errorf("%s: %v, want refused by %s", what, err, rule)
	}
}

// TestDefineMarking: who may define a classification marking: a level
// within the definer's clearance, releasable to its nation, in its own
// nation's scheme or one a marking authority of the configuration allows;
// as the creator it is or acts for. A marking id is one definition: a copy
// is allowed, other content is not.
func TestDefineMarking(t *testing.T) {
	w := newWorld(t)
	cfg := policy.DefaultConfig()
	cfg.MarkingAuthorities = []policy.MarkingAuthority{{Scheme: "NATO", Nations: []string{"FVEY"}}, {Scheme: "USA", Nations: []string{"GBR"}}}
	p, err := policy.New(cfg, w.store)
	if err != nil {
		t.Fatal(err)
	}
	p.SetAgency(agency{"jp-node": {orgJP: "JPN"}})
	usS := reader("us", orgUS, "USA", nil, "USA:SECRET", "NATO:NATO SECRET")
	jpG := reader("jp", orgJP, "JPN", nil, "JPN:gokuhi")
	jpN := reader("jpn", orgJP, "JPN", nil, "NATO:NATO SECRET")
	gbS := reader("gb", orgAU, "GBR", nil, "USA:SECRET")
	unc := reader("unc", orgUS, "USA", nil)
	peer := reader("jp-node", orgJP2, "JPN", nil, "JPN:kimitsu")
	peer.Roles = []string{kizuna.RolePeer}
	id := "marking-definition--c0000000-0000-4000-8000-000000000001"
	secret := func(creator string, ext map[string]any) *kizuna.Object { return mdRaw(t, id, creator, ext) }
	usSecret := map[string]any{"scheme": "USA", "level": "SECRET", "releasable_to": []string{"USA", "JPN"}}
	tests := []struct {
		name string
		pr   *kizuna.Principal
		obj  *kizuna.Object
		rule string
	}{
		{"own scheme within clearance", usS, secret(orgUS, usSecret), ""},
		{"own scheme above clearance", unc, secret(orgUS, usSecret), policy.RuleWriteClearance},
		{"another nation's scheme, cleared through an agreement", jpG, secret(orgJP, usSecret), policy.RuleWriteDefine},
		{"another nation's scheme under a marking authority", gbS, secret(orgAU, map[string]any{"scheme": "USA", "level": "SECRET", "releasable_to": []string{"USA", "GBR"}}), ""},
		{"a scheme without a nation, by a nation of the authority's group", usS, secret(orgUS, map[string]any{"scheme": "NATO", "level": "NATO SECRET"}), ""},
		{"a scheme without a nation, outside the authority", jpN, secret(orgJP, map[string]any{"scheme": "NATO", "level": "NATO SECRET"}), policy.RuleWriteDefine},
		{"releasable without the definer's nation", usS, secret(orgUS, map[string]any{"scheme": "USA", "level": "SECRET", "releasable_to": []string{"JPN"}}), policy.RuleWriteRelease},
		{"another organisation as creator", usS, secret(orgJP, usSecret), policy.RuleWriteCreator},
		{"a peer for an organisation of its nation", peer, secret(orgJP, map[string]any{"scheme": "JPN", "level": "gokuhi", "releasable_to": []string{"JPN", "USA"}}), ""},
		{"a peer for an organisation it does not act for", peer, secret(orgUS, map[string]any{"scheme": "JPN", "level": "gokuhi"}), policy.RuleWriteCreator},
		{"a statement restricts nobody: anyone may define it", unc, MustObject(t, MustJSON(t, map[string]any{"type": "marking-definition", "spec_version": "2.1", "id": id,
			"created": "2026-01-01T00:00:00.000Z", "definition_type": "statement", "definition": map[string]any{"statement": "x"}})), ""},
	}
	for _, tt := range tests {
		owner, err := judge(t, p, w, tt.pr, tt.obj, policy.Stored{})
		wantRule(t, tt.name, err, tt.rule)
		if err == nil && (owner == nil || owner.Content != tt.obj.Hash || owner.ID != id) {
			t.Errorf("%s: owner record %+v, want the definition's hash", tt.name, owner)
		}
	}
	// Once defined, the id takes a copy (from whoever may publish at its
	// level, with another creator in its copy too) and nothing else, also
	// with an earlier created.
	def := secret(orgUS, usSecret)
	rec := &kizuna.Owner{ID: id, Organization: orgUS, Content: def.Hash}
	copyOf := secret(orgUS, usSecret)
	owner, err := judge(t, p, w, jpG, copyOf, policy.Stored{Owner: rec})
	wantRule(t, "a copy by a cleared publisher of another organisation", err, "")
	if owner != nil {
		t.Errorf("a copy changes the owner record: %+v", owner)
	}
	_, err = judge(t, p, w, unc, secret(orgUS, usSecret), policy.Stored{Owner: rec})
	wantRule(t, "a copy by an uncleared publisher", err, policy.RuleWriteClearance)
	earlier := MustObject(t, []byte(strings.Replace(string(def.Raw), "2026-01-01", "2020-01-01", 1)))
	_, err = judge(t, p, w, usS, earlier, policy.Stored{Owner: rec})
	wantRule(t, "the definition with an earlier created", err, policy.RuleWriteImmutable)
	open := MustObject(t, MustJSON(t, map[string]any{"type": "marking-definition", "spec_version": "2.1", "id": id,
		"created": "2020-01-01T00:00:00.000Z", "definition_type": "statement", "definition": map[string]any{"statement": "x"}}))
	_, err = judge(t, p, w, unc, open, policy.Stored{Owner: rec})
	wantRule(t, "a statement under the id by an uncleared publisher", err, policy.RuleWriteImmutable)
}

// TestObservableOwner: the first content of an observable id makes its
// owner record, with its content key; another organisation may store the
// same content under other markings, not another content; the owner may,
// and its record then keeps the new key.
func TestObservableOwner(t *testing.T) {
	w := newWorld(t)
	us := reader("us", orgUS, "USA", nil)
	jp := reader("jp", orgJP, "JPN", nil)
	sco := func(value string, markings ...string) *kizuna.Object {
		doc := map[string]any{"type": "ipv4-addr", "spec_version": "2.1", "id": "ipv4-addr--c0000000-0000-4000-8000-000000000002", "value": value}
		if len(markings) > 0 {
			doc["object_marking_refs"] = markings
		}
		return MustObject(t, MustJSON(t, doc))
	}
	first := sco("192.0.2.1", policy.TLP2Clear)
	owner, err := judge(t, w.p, w, us, first, policy.Stored{})
	wantRule(t, "the first content", err, "")
	key, _ := policy.ContentKey(first)
	if owner == nil || owner.Organization != orgUS || owner.Content != key {
		t.Fatalf("owner record %+v, want %s with the content key", owner, orgUS)
	}
	mine := sco("192.0.2.1", policy.TLP2Green)
	if k, _ := policy.ContentKey(mine); k != key {
		t.Errorf("the content key depends on the markings")
	}
	_, err = judge(t, w.p, w, jp, mine, policy.Stored{Owner: owner})
	wantRule(t, "the owner's content under another organisation's markings", err, "")
	_, err = judge(t, w.p, w, jp, sco("192.0.2.99"), policy.Stored{Owner: owner})
	wantRule(t, "another content by another organisation", err, policy.RuleWriteOwner)
	next, err := judge(t, w.p, w, us, sco("192.0.2.2", policy.TLP2Clear), policy.Stored{Owner: owner})
	wantRule(t, "another content by the owner", err, "")
	if next == nil || next.Organization != orgUS || next.Content == key {
		t.Errorf("the owner's new content leaves record %+v", next)
	}
	// An observable stored before owners were recorded: only an identical
	// re-post that its poster may read.
	legacy := &kizuna.Owner{ID: first.ID}
	_, err = judge(t, w.p, w, jp, sco("192.0.2.1", policy.TLP2Clear), policy.Stored{Owner: legacy, Previous: first, PreviousReadable: true})
	wantRule(t, "an identical re-post of a legacy observable", err, "")
	_, err = judge(t, w.p, w, jp, sco("192.0.2.1", policy.TLP2Green), policy.Stored{Owner: legacy, Previous: first, PreviousReadable: true})
	wantRule(t, "another copy of a legacy observable", err, policy.RuleWriteOwner)
}

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

// TestReservedContent: the canonical objects label and write as copies;
// any other content under their ids is refused, by Label (the operator's
// imports too) and by the write rules.
func TestReservedContent(t *testing.T) {
	w := newWorld(t)
	us := reader("us", orgUS, "USA", nil)
	defaults, _, err := policy.DefaultMarkings("KOR")
	if err != nil {
		t.Fatal(err)
	}
	for _, raw := range append(defaults, policy.ExtensionDefinition, policy.ProjectIdentity) {
		obj := MustObject(t, raw)
		owner, err := judge(t, w.p, w, us, obj, policy.Stored{})
		if err != nil || owner == nil {
			t.Errorf("canonical %s: %v %+v", obj.ID, err, owner)
		}
		changed := MustObject(t, []byte(strings.Replace(string(raw), `"2026-11-01T00:00:00.000Z"`, `"2020-11-01T00:00:00.000Z"`, 1)))
		if _, _, _, err := w.p.Label(policy.OperatorContext(context.Background(), orgUS, nil), changed, w.c); kizuna.ErrorCode(err) != kizuna.EINVALID || !strings.Contains(kizuna.ErrorMessage(err), policy.RuleWriteReserved) {
			t.Errorf("other content under %s: %v", obj.ID, err)
		}
		changed.Label = &kizuna.AccessLabel{}
		_, err = w.p.CheckWrite(context.Background(), us, changed, changed.Label, policy.Stored{})
		wantRule(t, "the write rules on other content under "+obj.ID, err, policy.RuleWriteReserved)
	}
}

// relayAgency lets the peer "node" act for orgJP directly, and for orgUS
// only in writing what node "identity--usa-node" signed.
type relayAgency struct{}

func (relayAgency) ActsFor(pr *kizuna.Principal, org, signer string) (string, bool) {
	switch {
	case pr.Name != "node" || !pr.HasRole(kizuna.RolePeer):
		return "", false
	case org == orgJP:
		return "JPN", true
	case org == orgUS && signer == "identity--usa-node":
		return "USA", true
	}
	return "", false
}

// TestRelayBoundToSignature: a peer acts for another peer's organisation
// only in writing an object that peer signed: a version it signed itself
// of that organisation's object, or a deletion of it, is not the other
// peer's.
func TestRelayBoundToSignature(t *testing.T) {
	w := newWorld(t)
	w.p.SetAgency(relayAgency{})
	peer := reader("node", orgJP2, "JPN", nil)
	peer.Roles = append(peer.Roles, kizuna.RolePeer)
	rec := &kizuna.Owner{ID: "indicator--c0000000-0000-4000-8000-000000000009", Organization: orgUS}
	version := func(signer string) *kizuna.Object {
		doc := map[string]any{"type": "indicator", "spec_version": "2.1", "id": rec.ID, "created": "2026-01-01T00:00:00.000Z",
			"modified": "2026-02-01T00:00:00.000Z", "pattern": "[ipv4-addr:value = '192.0.2.9']", "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z",
			"object_marking_refs": []string{policy.TLP2Clear}}
		if signer != "" {
			doc["x_kizuna_provenance"] = map[string]any{"node": signer, "key": "k", "sig": "s"}
		}
		return MustObject(t, MustJSON(t, doc))
	}
	_, err := judge(t, w.p, w, peer, version("identity--usa-node"), policy.Stored{Owner: rec})
	wantRule(t, "a version the owner's node signed", err, "")
	for _, signer := range []string{"", "identity--jpn-node"} {
		_, err = judge(t, w.p, w, peer, version(signer), policy.Stored{Owner: rec})
		wantRule(t, "a version signed by "+signer, err, policy.RuleWriteOwner)
	}
	// The same version from a publisher: a provenance property proves
	// nothing, only the verifier's check of a peer's objects does.
	pub := reader("node", orgJP2, "JPN", nil)
	_, err = judge(t, w.p, w, pub, version("identity--usa-node"), policy.Stored{Owner: rec})
	wantRule(t, "a publisher's copy with a provenance property", err, policy.RuleWriteOwner)
}
