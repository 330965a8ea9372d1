package policy_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/policy"
)

func TestCheckWrite(t *testing.T) {
	p := MustPolicy(t, nil)
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
	}{
		{"at own clearance", usS, obj(orgUS, t0, "a"), usa("SECRET", "USA"), nil, ""},
		{"below own clearance", usS, obj(orgUS, t0, "a"), usa("CONFIDENTIAL", "USA", "JPN"), nil, ""},
		{"above own clearance", usS, obj(orgUS, t0, "a"), usa("TOP SECRET", "USA"), nil, policy.RuleWriteClearance},
		{"through an agreement", jpG, obj(orgJP, t0, "a"), usa("SECRET", "USA", "JPN"), nil, ""},
		{"releasability without own nation", jpG, obj(orgJP, t0, "a"), usa("CONFIDENTIAL", "USA"), nil, policy.RuleWriteRelease},
		{"unknown level", usS, obj(orgUS, t0, "a"), usa("ULTRA"), nil, policy.RuleUnknownLevel},
		{"a reader may not publish", ro, obj(orgUS, t0, "a"), &kizuna.AccessLabel{}, nil, policy.RuleWriteRole},
		{"no principal", nil, obj(orgUS, t0, "a"), &kizuna.AccessLabel{}, nil, policy.RuleNoPrincipal},
		{"new version by the creator", usS, obj(orgUS, t1, "b"), &kizuna.AccessLabel{}, obj(orgUS, t0, "a"), ""},
		{"new version by another organisation", jpG, obj(orgUS, t1, "b"), &kizuna.AccessLabel{}, obj(orgUS, t0, "a"), policy.RuleWriteOwner},
		{"new version claiming another creator", jpG, obj(orgJP, t1, "b"), &kizuna.AccessLabel{}, obj(orgUS, t0, "a"), policy.RuleWriteOwner},
		{"identical re-post by anyone", jpG, obj(orgUS, t0, "a"), &kizuna.AccessLabel{}, obj(orgUS, t0, "a"), ""},
		{"a peer relays the creator's version", peer, obj(orgUS, t1, "b"), &kizuna.AccessLabel{}, obj(orgUS, t0, "a"), ""},
		{"a marking-definition is immutable", usS, &kizuna.Object{ID: "marking-definition--b0000000-0000-4000-8000-000000000001", Type: "marking-definition", CreatedByRef: orgUS, Created: t1, Version: t1, Hash: "b"},
			&kizuna.AccessLabel{}, &kizuna.Object{ID: "marking-definition--b0000000-0000-4000-8000-000000000001", Type: "marking-definition", CreatedByRef: orgUS, Created: t0, Version: t0, Hash: "a"}, policy.RuleWriteImmutable},
		{"anonymous object cannot be versioned", usS, obj("", t1, "b"), &kizuna.AccessLabel{}, obj("", t0, "a"), policy.RuleWriteNoCreator},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := p.CheckWrite(context.Background(), tt.pr, tt.obj, tt.label, tt.previous)
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
	if err := p.CheckWrite(context.Background(), usS, o, &kizuna.AccessLabel{}, nil); kizuna.ErrorCode(err) != kizuna.EFORBIDDEN {
		t.Errorf("a portion above clearance: %v", err)
	}
	if err := p.CheckWrite(context.Background(), usS, o, nil, nil); kizuna.ErrorCode(err) != kizuna.EINVALID {
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
