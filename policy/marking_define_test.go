package policy_test

import (
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/policy"
)

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
