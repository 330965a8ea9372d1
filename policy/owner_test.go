package policy_test

import (
	"context"
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
