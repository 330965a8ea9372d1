package storetest

import (
	"context"
	"testing"

	"github.com/kizuna-dev/kizuna"
)

// OwnerMigration is what the tests of the owner-record migration store as
// a binary without owner records did, in two collections (an object of
// each of two organisations, a marking-definition stored once, one stored
// with two contents, an observable), and what the migration must make of
// it.
type OwnerMigration struct {
	First, Second []*kizuna.Object // stored in the first, then the second collection
	sdo, good     *kizuna.Object
	taken, sco    string
}

// NewOwnerMigration returns the data of the migration test.
func NewOwnerMigration(tb testing.TB) *OwnerMigration {
	v1 := MustTime(tb, "2026-01-01T00:00:00Z")
	sdo := func(org, name string) *kizuna.Object {
		o := NewObject(ObjectID("indicator", 1), v1, LabelGreen, name)
		o.CreatedByRef = org
		return o
	}
	md := func(n int, org, name string) *kizuna.Object {
		o := NewObject(ObjectID("marking-definition", n), v1, LabelGreen, name)
		o.Type, o.CreatedByRef = "marking-definition", org
		return o
	}
	m := &OwnerMigration{sdo: sdo(orgA, "first"), good: md(1, orgA, "secret"), taken: ObjectID("marking-definition", 2), sco: ObjectID("ipv4-addr", 1)}
	m.First = []*kizuna.Object{m.sdo, m.good, md(2, orgA, "secret")}
	m.Second = []*kizuna.Object{sdo(orgB, "copy"), md(2, orgB, "open"), NewSCO(m.sco, "192.0.2.1", LabelGreen)}
	return m
}

// Check checks the owner records the migration made: each id's from its
// first stored version; the marking-definition stored once resolves to its
// definition, the one stored with two contents is contested and resolves
// to none, until the host operator's import of one settles it.
func (m *OwnerMigration) Check(tb testing.TB, s kizuna.Store) {
	tb.Helper()
	ctx := context.Background()
	owners, err := s.FindOwners(ctx, []string{m.sdo.ID, m.good.ID, m.taken, m.sco})
	if err != nil {
		tb.Fatal(err)
	}
	for id, want := range map[string]kizuna.Owner{
		m.sdo.ID:  {Organization: orgA},
		m.good.ID: {Organization: orgA, Content: m.good.Hash},
		m.taken:   {Organization: orgA, Content: kizuna.ContestedContent},
		m.sco:     {},
	} {
		want.ID = id
		if got := owners[id]; got == nil || *got != want {
			tb.Errorf("owner of %s = %+v, want %+v", id, got, want)
		}
	}
	if got, err := s.FindMarkingDefinition(ctx, m.good.ID); err != nil || got.Hash != m.good.Hash {
		tb.Errorf("FindMarkingDefinition(%s) = %v, %v", m.good.ID, got, err)
	}
	if _, err := s.FindMarkingDefinition(ctx, m.taken); kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
		tb.Errorf("a contested marking-definition resolved: %v", err)
	}
	// A write rule's version does not settle it; the host operator's
	// import of the definition that stands does.
	standing := *m.First[2]
	standing.WriteBasis = &kizuna.WriteBasis{Owner: &kizuna.Owner{ID: m.taken, Organization: orgA, Content: kizuna.ContestedContent}}
	c := MustCollection(tb, s)
	rs, err := s.PutObjects(ctx, c, []*kizuna.Object{&standing})
	if err != nil || kizuna.ErrorCode(rs[0].Err) != kizuna.ECONFLICT {
		tb.Errorf("a judged definition under a contested id: %+v %v, want a conflict", rs, err)
	}
	standing = *m.First[2]
	MustPut(tb, s, c, &standing)
	if got, err := s.FindMarkingDefinition(ctx, m.taken); err != nil || got.Hash != m.First[2].Hash {
		tb.Errorf("the operator's definition does not settle the contested id: %v, %v", got, err)
	}
}
