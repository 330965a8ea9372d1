package policy_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/policy"
)

// agency lets each peer principal act for the listed organisations, of
// the nation given.
type agency map[string]map[string]string

func (a agency) ActsFor(pr *kizuna.Principal, org, _ string) (string, bool) {
	if pr == nil || !pr.HasRole(kizuna.RolePeer) {
		return "", false
	}
	n, ok := a[pr.Name][org]
	return n, ok
}

func TestCheckWrite(t *testing.T) {
	p := MustPolicy(t, nil)
	p.SetAgency(agency{"peer": {orgUS: "USA"}})
	usa := func(level string, rel ...string) *kizuna.AccessLabel {
		l := &kizuna.AccessLabel{Classifications: []kizuna.Classification{{Scheme: "USA", Level: level}}}
		if rel != nil {
			l.Releasable, l.ReleasableTo = true, rel
		}
		return l
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	obj := func(createdBy string, version time.Time, hash string) *kizuna.Object {
		return &kizuna.Object{ID: "indicator--b0000000-0000-4000-8000-000000000001", Type: "indicator", CreatedByRef: createdBy,
			Created: t0, Modified: version, Version: version, Hash: hash}
	}
	usS := reader("us", orgUS, "USA", nil, "USA:SECRET")
	jpG := reader("jp", orgJP, "JPN", nil, "JPN:極秘")
	peer := reader("peer", orgJP2, "JPN", nil, "JPN:kimitsu")
	peer.Roles = []string{kizuna.RolePeer}
	ro := reader("ro", orgUS, "USA", nil, "USA:TOP SECRET")
	ro.Roles = []string{kizuna.RoleReader}
	t1 := t0.Add(time.Hour)

	tests := []struct {
		name     string
		pr       *kizuna.Principal
		obj      *kizuna.Object
		label    *kizuna.AccessLabel
		previous *kizuna.Object
		rule     string // "" when allowed
		readable bool   // the principal may read previous
	}{
		{"at own clearance", usS, obj(orgUS, t0, "a"), usa("SECRET", "USA"), nil, "", false},
		{"below own clearance", usS, obj(orgUS, t0, "a"), usa("CONFIDENTIAL", "USA", "JPN"), nil, "", false},
		{"above own clearance", usS, obj(orgUS, t0, "a"), usa("TOP SECRET", "USA"), nil, policy.RuleWriteClearance, false},
		{"through an agreement", jpG, obj(orgJP, t0, "a"), usa("SECRET", "USA", "JPN"), nil, "", false},
		{"releasability without own nation", jpG, obj(orgJP, t0, "a"), usa("CONFIDENTIAL", "USA"), nil, policy.RuleWriteRelease, false},
		{"unknown level", usS, obj(orgUS, t0, "a"), usa("ULTRA"), nil, policy.RuleUnknownLevel, false},
		{"a reader may not publish", ro, obj(orgUS, t0, "a"), &kizuna.AccessLabel{}, nil, policy.RuleWriteRole, false},
		{"no principal", nil, obj(orgUS, t0, "a"), &kizuna.AccessLabel{}, nil, policy.RuleNoPrincipal, false},
		{"new version by the creator", usS, obj(orgUS, t1, "b"), &kizuna.AccessLabel{}, obj(orgUS, t0, "a"), "", false},
		{"new version by another organisation", jpG, obj(orgUS, t1, "b"), &kizuna.AccessLabel{}, obj(orgUS, t0, "a"), policy.RuleWriteOwner, false},
		{"new version claiming another creator", jpG, obj(orgJP, t1, "b"), &kizuna.AccessLabel{}, obj(orgUS, t0, "a"), policy.RuleWriteOwner, false},
		{"identical re-post by a reader", jpG, obj(orgUS, t0, "a"), &kizuna.AccessLabel{}, obj(orgUS, t0, "a"), "", true},
		{"identical re-post by one who may not read it", jpG, obj(orgUS, t0, "a"), &kizuna.AccessLabel{}, obj(orgUS, t0, "a"), policy.RuleWriteOwner, false},
		{"a peer relays the creator's version", peer, obj(orgUS, t1, "b"), &kizuna.AccessLabel{}, obj(orgUS, t0, "a"), "", false},
		{"a marking-definition is immutable", usS, &kizuna.Object{ID: "marking-definition--b0000000-0000-4000-8000-000000000001", Type: "marking-definition", CreatedByRef: orgUS, Created: t1, Version: t1, Hash: "b", Raw: []byte(`{"type":"marking-definition","definition_type":"statement","definition":{"statement":"b"}}`)},
			&kizuna.AccessLabel{}, &kizuna.Object{ID: "marking-definition--b0000000-0000-4000-8000-000000000001", Type: "marking-definition", CreatedByRef: orgUS, Created: t0, Version: t0, Hash: "a"}, policy.RuleWriteImmutable, false},
		{"an object without creator is versioned by its owner", usS, obj("", t1, "b"), &kizuna.AccessLabel{}, obj("", t0, "a"), "", false},
		{"an object without creator is not versioned by another organisation", jpG, obj("", t1, "b"), &kizuna.AccessLabel{}, obj("", t0, "a"), policy.RuleWriteOwner, false},
		{"a first version names another creator", jpG, obj(orgUS, t0, "a"), &kizuna.AccessLabel{}, nil, policy.RuleWriteCreator, false},
		{"a peer names a creator it does not act for", peer, obj(orgAU, t0, "a"), &kizuna.AccessLabel{}, nil, policy.RuleWriteCreator, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := policy.Stored{Previous: tt.previous, PreviousReadable: tt.readable}
			if tt.previous != nil {
				// The owner of a stored id is its first version's creator,
				// else the organisation that stored it (here orgUS).
				owner := tt.previous.CreatedByRef
				if owner == "" {
					owner = orgUS
				}
				st.Owner = &kizuna.Owner{ID: tt.previous.ID, Organization: owner}
				if tt.previous.Type == "marking-definition" {
					st.Owner.Content = tt.previous.Hash
				}
			}
			_, err := p.CheckWrite(context.Background(), tt.pr, tt.obj, tt.label, st)
			if tt.rule == "" {
				if err != nil {
					t.Errorf("refused: %v", err)
				}
				return
			}
			if kizuna.ErrorCode(err) != kizuna.EFORBIDDEN || !strings.Contains(kizuna.ErrorMessage(err), "rule "+tt.rule) || !strings.Contains(kizuna.ErrorMessage(err), tt.obj.ID) {
				t.Errorf("got %v, want EFORBIDDEN by %s", err, tt.rule)
			}
		})
	}
	// Portions are held to the same ceiling as the object.
	o := obj(orgUS, t0, "a")
	o.Portions = []kizuna.Portion{{Selectors: []string{"description"}, Label: usa("TOP SECRET", "USA")}}
	if _, err := p.CheckWrite(context.Background(), usS, o, &kizuna.AccessLabel{}, policy.Stored{}); kizuna.ErrorCode(err) != kizuna.EFORBIDDEN {
		t.Errorf("a portion above clearance: %v", err)
	}
	if _, err := p.CheckWrite(context.Background(), usS, o, nil, policy.Stored{}); kizuna.ErrorCode(err) != kizuna.EINVALID {
		t.Errorf("no label: %v", err)
	}
}

func TestAuthorizer(t *testing.T) {
	rule := kizuna.AccessRule{Roles: []string{kizuna.RoleReader}, Nations: []string{"JPN", "USA"}, Organizations: []string{orgJP, orgUS}, Communities: []string{"ics"}}
	c := &kizuna.Collection{CanRead: rule, CanWrite: kizuna.AccessRule{}}
	ok := reader("ok", orgJP, "JPN", []string{"ics", "x"})
	tests := []struct {
		name string
		pr   *kizuna.Principal
		want bool
	}{
		{"admitted", ok, true},
		{"wrong nation", reader("au", orgJP, "AUS", []string{"ics"}), false},
		{"no nation", reader("nn", orgJP, "", []string{"ics"}), false},
		{"wrong organisation", reader("o", orgAU, "JPN", []string{"ics"}), false},
		{"missing community", reader("m", orgJP, "JPN", nil), false},
		{"no principal", nil, false},
	}
	var a policy.Authorizer
	for _, tt := range tests {
		if got := a.CanRead(kizuna.NewContextWithPrincipal(context.Background(), tt.pr), c); got != tt.want {
			t.Errorf("%s: %v", tt.name, got)
		}
	}
	noRole := reader("nr", orgJP, "JPN", []string{"ics"})
	noRole.Roles = nil
	if a.CanRead(as(noRole), c) {
		t.Error("a principal without the role was admitted")
	}
	if a.CanWrite(as(ok), c) {
		t.Error("the zero rule admitted someone")
	}
}
