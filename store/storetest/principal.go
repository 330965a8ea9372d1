package storetest

import (
	"context"
	"reflect"
	"slices"
	"testing"

	"github.com/kizuna-dev/kizuna"
)

func testPrincipals(t *testing.T, s kizuna.Store) {
	ctx := context.Background()
	p := &kizuna.Principal{
		Name: "tanaka", Organization: "identity--7d3a0c4e-7a57-4c8e-9f4b-2b0f0c1a9e01", Nation: "JPN",
		Clearances:  []kizuna.Classification{{Scheme: "JPN", Level: "gokuhi"}},
		Communities: []string{"ics"}, Roles: []string{kizuna.RoleReader, kizuna.RolePublisher},
	}
	token := kizuna.NewToken()
	if err := s.CreatePrincipal(ctx, p, kizuna.HashToken(token)); err != nil {
		t.Fatalf("CreatePrincipal: %v", err)
	}
	if p.ID == "" || p.CreatedAt.IsZero() {
		t.Errorf("created principal: id %q, CreatedAt %v", p.ID, p.CreatedAt)
	}
	got, err := s.FindPrincipalByTokenHash(ctx, kizuna.HashToken(token))
	if err != nil {
		t.Fatalf("FindPrincipalByTokenHash: %v", err)
	}
	if !reflect.DeepEqual(got, p) {
		t.Errorf("by token =\n %+v\nwant\n %+v", got, p)
	}
	_, err = s.FindPrincipalByTokenHash(ctx, kizuna.HashToken(kizuna.NewToken()))
	wantCode(t, err, kizuna.ENOTFOUND, "unknown token")
	_, err = s.FindPrincipalByTokenHash(ctx, nil)
	wantCode(t, err, kizuna.ENOTFOUND, "empty token hash")

	if err := s.SetPrincipalCommunities(ctx, "tanaka", []string{"ics", "exercise:x-kizuna-exercise--1"}); err != nil {
		t.Fatalf("SetPrincipalCommunities: %v", err)
	}
	if got, err := s.FindPrincipalByTokenHash(ctx, kizuna.HashToken(token)); err != nil || !slices.Equal(got.Communities, []string{"ics", "exercise:x-kizuna-exercise--1"}) {
		t.Errorf("communities after SetPrincipalCommunities: %+v %v", got, err)
	}
	if err := s.SetPrincipalCommunities(ctx, "tanaka", p.Communities); err != nil {
		t.Fatalf("SetPrincipalCommunities: %v", err)
	}
	wantCode(t, s.SetPrincipalCommunities(ctx, "nobody", nil), kizuna.ENOTFOUND, "communities of an unknown principal")
	wantCode(t, s.CreatePrincipal(ctx, &kizuna.Principal{Name: "tanaka"}, kizuna.HashToken(kizuna.NewToken())), kizuna.ECONFLICT, "name taken")
	wantCode(t, s.CreatePrincipal(ctx, &kizuna.Principal{Name: "other"}, kizuna.HashToken(token)), kizuna.ECONFLICT, "token taken")
	wantCode(t, s.CreatePrincipal(ctx, &kizuna.Principal{}, nil), kizuna.EINVALID, "principal without name")
	peer := &kizuna.Principal{Name: "alice", Nation: "USA", Roles: []string{kizuna.RolePeer}}
	if err := s.CreatePrincipal(ctx, peer, nil); err != nil {
		t.Fatalf("CreatePrincipal without token: %v", err)
	}
	if err := s.CreatePrincipal(ctx, &kizuna.Principal{Name: "bob"}, nil); err != nil {
		t.Fatalf("second principal without token: %v", err)
	}
	list, err := s.FindPrincipals(ctx)
	if err != nil {
		t.Fatalf("FindPrincipals: %v", err)
	}
	var names []string
	for _, q := range list {
		names = append(names, q.Name)
	}
	if !slices.Equal(names, []string{"alice", "bob", "tanaka"}) {
		t.Errorf("FindPrincipals names = %v", names)
	}

	if err := s.RevokePrincipal(ctx, "tanaka"); err != nil {
		t.Fatalf("RevokePrincipal: %v", err)
	}
	_, err = s.FindPrincipalByTokenHash(ctx, kizuna.HashToken(token))
	wantCode(t, err, kizuna.ENOTFOUND, "revoked principal by token")
	byName, err := s.FindPrincipalByName(ctx, "tanaka")
	if err != nil || byName.RevokedAt == nil {
		t.Errorf("revoked principal by name = %+v, %v; want RevokedAt set", byName, err)
	}
	wantCode(t, s.RevokePrincipal(ctx, "nobody"), kizuna.ENOTFOUND, "revoke missing principal")
	_, err = s.FindPrincipalByName(ctx, "nobody")
	wantCode(t, err, kizuna.ENOTFOUND, "missing principal by name")
}

func testAudit(t *testing.T, s kizuna.Store) {
	ctx := context.Background()
	evs := []*kizuna.AuditEvent{
		{Principal: "principal--1", Action: "read", Object: ObjectID("indicator", 1), Decision: "allow"},
		{Principal: "principal--2", Action: "deny", Object: ObjectID("indicator", 1), Decision: "deny", Reason: "releasability: KOR not in [JPN USA]"},
		{Action: "principal.create", Object: "tanaka", Time: MustTime(t, "2025-03-01T10:00:00.1234567Z")},
	}
	if err := s.AppendAudit(ctx, evs...); err != nil {
		t.Fatalf("AppendAudit: %v", err)
	}
	if err := s.AppendAudit(ctx, &kizuna.AuditEvent{Action: "ingest", Object: "x\ny", Reason: "a,b:c"}); err != nil {
		t.Fatalf("AppendAudit: %v", err)
	}
	if evs[0].Seq == 0 || evs[0].Hash == "" || evs[1].PrevHash != evs[0].Hash || evs[0].Time.IsZero() {
		t.Errorf("AppendAudit did not fill the events: %+v", evs[0])
	}
	if !evs[2].Time.Equal(MustTime(t, "2025-03-01T10:00:00.123456Z")) {
		t.Errorf("given time stored as %v, want it truncated to the microsecond", evs[2].Time)
	}
	got, err := s.FindAudit(ctx, 0, 100)
	if err != nil {
		t.Fatalf("FindAudit: %v", err)
	}
	if len(got) != 4 {
		t.Fatalf("FindAudit = %d events, want 4", len(got))
	}
	prev := ""
	for i, e := range got {
		if e.Seq != got[0].Seq+int64(i) || e.PrevHash != prev || e.Hash != e.ComputeHash() {
			t.Errorf("event %d breaks the chain: %+v", i, e)
		}
		if i < 3 && !reflect.DeepEqual(e, evs[i]) {
			t.Errorf("event %d =\n %+v\nwant\n %+v", i, e, evs[i])
		}
		prev = e.Hash
	}
	page, err := s.FindAudit(ctx, got[1].Seq, 1)
	if err != nil || len(page) != 1 || page[0].Seq != got[2].Seq {
		t.Errorf("FindAudit(after 2nd, 1) = %v, %v", page, err)
	}
	// A changed entry no longer matches its hash.
	e := *got[1]
	e.Reason = "allowed after all"
	if e.ComputeHash() == got[1].Hash {
		t.Errorf("altered entry keeps its hash")
	}
}
