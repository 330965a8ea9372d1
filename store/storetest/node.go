package storetest

import (
	"bytes"
	"context"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
)

func testLabels(t *testing.T, s kizuna.Store) {
	ctx := context.Background()
	coll := MustCollection(t, s)
	a := NewObject(ObjectID("indicator", 1), MustTime(t, "2025-03-01T10:00:00Z"), LabelGreen, "a")
	b := NewObject(ObjectID("indicator", 2), MustTime(t, "2025-03-01T10:00:00Z"), &kizuna.AccessLabel{TLP: kizuna.TLPGreen}, "b")
	c := NewObject(ObjectID("indicator", 3), MustTime(t, "2025-03-01T10:00:00Z"), LabelAmber, "c")
	MustPut(t, s, coll, a, b, c)
	if a.LabelID != b.LabelID {
		t.Errorf("equal labels got ids %d and %d; want one shared id", a.LabelID, b.LabelID)
	}
	if a.LabelID == c.LabelID {
		t.Errorf("different labels share id %d", a.LabelID)
	}
	ls, err := s.FindLabels(ctx, 0)
	if err != nil {
		t.Fatalf("FindLabels: %v", err)
	}
	if len(ls) != 2 || ls[0].ID >= ls[1].ID {
		t.Fatalf("FindLabels(0) = %+v, want 2 labels in id order", ls)
	}
	byID := map[int64]kizuna.AccessLabel{ls[0].ID: ls[0].Label, ls[1].ID: ls[1].Label}
	if !reflect.DeepEqual(byID[a.LabelID], *LabelGreen) || !reflect.DeepEqual(byID[c.LabelID], *LabelAmber) {
		t.Errorf("stored labels differ: %+v", byID)
	}
	ls, err = s.FindLabels(ctx, ls[0].ID)
	if err != nil || len(ls) != 1 {
		t.Errorf("FindLabels(first id) = %d labels, %v; want 1", len(ls), err)
	}
}

func testMarkingDefinition(t *testing.T, s kizuna.Store) {
	ctx := context.Background()
	c1, c2 := MustCollection(t, s), MustCollection(t, s)
	id := "marking-definition--00000000-0000-4000-8000-000000000001"
	md := func(name string) *kizuna.Object {
		o := NewObject(id, time.Time{}, LabelGreen, name)
		o.Type = "marking-definition"
		o.Created = MustTime(t, "2025-01-01T00:00:00Z")
		o.Modified, o.Version = time.Time{}, o.Created
		o.Raw = []byte(`{"type":"marking-definition","spec_version":"2.1","id":"` + id + `","created":"2025-01-01T00:00:00Z","name":"` + name + `"}`)
		o.Hash = hashOf(o.Raw)
		return o
	}
	_, err := s.FindMarkingDefinition(ctx, id)
	wantCode(t, err, kizuna.ENOTFOUND, "missing marking-definition")
	first := md("first")
	MustPut(t, s, c2, first)
	MustPut(t, s, c1, md("first"))
	got, err := s.FindMarkingDefinition(ctx, id)
	if err != nil {
		t.Fatalf("FindMarkingDefinition: %v", err)
	}
	if got.ID != id || !bytes.Equal(got.Raw, first.Raw) || got.Collection != c2 || got.Label == nil || !got.Modified.IsZero() {
		t.Errorf("FindMarkingDefinition = %+v", got)
	}
	// An indicator with a marking-definition's id is not a definition.
	_, err = s.FindMarkingDefinition(ctx, ObjectID("indicator", 1))
	wantCode(t, err, kizuna.ENOTFOUND, "not a marking-definition")
}

func testCollections(t *testing.T, s kizuna.Store) {
	ctx := context.Background()
	c := &kizuna.Collection{
		Title: "High-value", Description: "US-JP shared", Alias: "hv",
		CanRead:            kizuna.AccessRule{Roles: []string{kizuna.RoleReader}, Nations: []string{"JPN", "USA"}},
		CanWrite:           kizuna.AccessRule{Roles: []string{kizuna.RolePublisher}, Communities: []string{"ics"}},
		DefaultMarkingRefs: []string{"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"},
	}
	if err := s.CreateCollection(ctx, c); err != nil {
		t.Fatalf("CreateCollection: %v", err)
	}
	if len(c.ID) != 36 || c.CreatedAt.IsZero() {
		t.Errorf("created collection id %q (want a UUID), CreatedAt %v", c.ID, c.CreatedAt)
	}
	for _, key := range []string{c.ID, "hv"} {
		got, err := s.FindCollectionByID(ctx, key)
		if err != nil {
			t.Fatalf("FindCollectionByID(%q): %v", key, err)
		}
		if !reflect.DeepEqual(got, c) {
			t.Errorf("FindCollectionByID(%q) =\n %+v\nwant\n %+v", key, got, c)
		}
	}
	_, err := s.FindCollectionByID(ctx, "nope")
	wantCode(t, err, kizuna.ENOTFOUND, "missing collection")
	wantCode(t, s.CreateCollection(ctx, &kizuna.Collection{ID: c.ID, Title: "dup"}), kizuna.ECONFLICT, "duplicate id")
	wantCode(t, s.CreateCollection(ctx, &kizuna.Collection{Title: "dup", Alias: "hv"}), kizuna.ECONFLICT, "duplicate alias")
	wantCode(t, s.CreateCollection(ctx, &kizuna.Collection{Title: "alias is an id", Alias: c.ID}), kizuna.ECONFLICT, "alias equal to an id")
	wantCode(t, s.CreateCollection(ctx, &kizuna.Collection{}), kizuna.EINVALID, "collection without title")
	d := &kizuna.Collection{ID: "6f4b5d8e-1b7a-4c3e-9a2d-0e1f2a3b4c5d", Title: "second"}
	if err := s.CreateCollection(ctx, d); err != nil {
		t.Fatalf("CreateCollection: %v", err)
	}
	list, err := s.FindCollections(ctx)
	if err != nil {
		t.Fatalf("FindCollections: %v", err)
	}
	if len(list) != 2 || list[0].ID != c.ID || list[1].ID != d.ID {
		t.Errorf("FindCollections = %d collections", len(list))
	}
}

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

func testStatuses(t *testing.T, s kizuna.Store) {
	ctx := context.Background()
	st := &kizuna.Status{
		ID: "2d086da7-4bdc-4f91-900e-d77486753710", Collection: "c", Principal: "principal--1",
		Status: kizuna.StatusPending, RequestTime: MustTime(t, "2025-03-01T10:00:00.123456Z"), Total: 3,
		Successes: []kizuna.StatusDetail{{ID: ObjectID("indicator", 1), Version: MustTime(t, "2025-03-01T10:00:00Z")}},
		Failures:  []kizuna.StatusDetail{{ID: ObjectID("indicator", 2), Version: MustTime(t, "2025-03-01T10:00:00Z"), Message: "conflict"}},
		Pendings:  []kizuna.StatusDetail{{ID: ObjectID("indicator", 3), Version: MustTime(t, "2025-03-01T10:00:00Z")}},
	}
	if err := s.CreateStatus(ctx, st); err != nil {
		t.Fatalf("CreateStatus: %v", err)
	}
	wantCode(t, s.CreateStatus(ctx, st), kizuna.ECONFLICT, "duplicate status")
	got, err := s.FindStatusByID(ctx, st.ID)
	if err != nil {
		t.Fatalf("FindStatusByID: %v", err)
	}
	if !reflect.DeepEqual(got, st) {
		t.Errorf("status =\n %+v\nwant\n %+v", got, st)
	}
	st.Status = kizuna.StatusComplete
	st.Successes = append(st.Successes, st.Pendings...)
	st.Pendings = []kizuna.StatusDetail{}
	if err := s.UpdateStatus(ctx, st); err != nil {
		t.Fatalf("UpdateStatus: %v", err)
	}
	got, err = s.FindStatusByID(ctx, st.ID)
	if err != nil || got.Status != kizuna.StatusComplete || len(got.Successes) != 2 || len(got.Pendings) != 0 {
		t.Errorf("updated status = %+v, %v", got, err)
	}
	wantCode(t, s.UpdateStatus(ctx, &kizuna.Status{ID: "missing", Status: kizuna.StatusPending}), kizuna.ENOTFOUND, "update missing status")
	_, err = s.FindStatusByID(ctx, "missing")
	wantCode(t, err, kizuna.ENOTFOUND, "missing status")
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
