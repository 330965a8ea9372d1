package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
)

// Organisations of the owner tests.
var (
	orgA = ObjectID("identity", 901)
	orgB = ObjectID("identity", 902)
)

// MustOwner returns the owner record of id, or nil.
func MustOwner(tb testing.TB, s kizuna.Store, id string) *kizuna.Owner {
	tb.Helper()
	recs, err := s.FindOwners(context.Background(), []string{id})
	if err != nil {
		tb.Fatalf("FindOwners: %v", err)
	}
	return recs[id]
}

func owned(o *kizuna.Object, org, content string) *kizuna.Object {
	o.Owner = &kizuna.Owner{ID: o.ID, Organization: org, Content: content}
	return o
}

func judged(o *kizuna.Object, found bool, version time.Time, rec *kizuna.Owner) *kizuna.Object {
	o.WriteBasis = &kizuna.WriteBasis{Found: found, Version: version, Owner: rec}
	return o
}

// testOwners: the first version of an id stored anywhere makes its
// node-wide owner record (the one it carries, else the organisation named
// by created_by_ref); later versions, in any collection, leave it unless
// their basis names it and they carry a replacement; a basis that names
// another record than the current one is stale, also when the record was
// made earlier in the same batch; deleting every version keeps the record.
func testOwners(t *testing.T, s kizuna.Store) {
	ctx := context.Background()
	c1, c2 := MustCollection(t, s), MustCollection(t, s)
	id := ObjectID("indicator", 1)
	v1, v2, v3 := MustTime(t, "2026-01-01T00:00:00Z"), MustTime(t, "2026-01-02T00:00:00Z"), MustTime(t, "2026-01-03T00:00:00Z")
	if recs, err := s.FindOwners(ctx, []string{id}); err != nil || len(recs) != 0 {
		t.Fatalf("FindOwners of an unknown id = %v, %v", recs, err)
	}
	MustPut(t, s, c1, owned(NewObject(id, v1, LabelGreen, "v1"), orgA, ""))
	recA := &kizuna.Owner{ID: id, Organization: orgA}
	if got := MustOwner(t, s, id); !kizuna.SameOwner(got, recA) {
		t.Fatalf("owner after the first version = %+v, want %+v", got, recA)
	}
	// Another collection, another claim, no basis: the record stays.
	MustPut(t, s, c2, owned(NewObject(id, v2, LabelGreen, "v2"), orgB, ""))
	if got := MustOwner(t, s, id); !kizuna.SameOwner(got, recA) {
		t.Errorf("a later version without basis changed the owner record to %+v", got)
	}
	// A basis naming the record, with a replacement: replaced.
	recX := &kizuna.Owner{ID: id, Organization: orgA, Content: "x"}
	MustPut(t, s, c1, judged(owned(NewObject(id, v2, LabelGreen, "v2"), orgA, "x"), true, v1, recA))
	if got := MustOwner(t, s, id); !kizuna.SameOwner(got, recX) {
		t.Errorf("owner record after a judged replacement = %+v, want %+v", got, recX)
	}
	// A basis naming the old record, or none, is stale: not stored.
	rs, err := s.PutObjects(ctx, c1, []*kizuna.Object{
		judged(NewObject(id, v3, LabelGreen, "v3"), true, v2, recA),
		judged(NewObject(id, v3.Add(time.Hour), LabelGreen, "v4"), true, v2, nil),
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rs {
		if !errors.Is(r.Err, kizuna.ErrStaleWrite) || r.Created {
			t.Errorf("version %d judged on another owner record: %+v, want a stale write", i, r)
		}
	}
	// Two first versions of a new id in one batch, both judged with no
	// record: the first makes it, the second is stale against it.
	fresh := ObjectID("indicator", 2)
	rs, err = s.PutObjects(ctx, c2, []*kizuna.Object{
		judged(owned(NewObject(fresh, v1, LabelGreen, "a"), orgA, ""), false, time.Time{}, nil),
		judged(owned(NewObject(fresh, v2, LabelGreen, "b"), orgB, ""), false, time.Time{}, nil),
	})
	if err != nil {
		t.Fatal(err)
	}
	if rs[0].Err != nil || !rs[0].Created || !errors.Is(rs[1].Err, kizuna.ErrStaleWrite) {
		t.Errorf("two first versions in one batch: %+v", rs)
	}
	if got := MustOwner(t, s, fresh); got == nil || got.Organization != orgA {
		t.Errorf("owner of %s = %+v, want %s", fresh, got, orgA)
	}
	// Without an owner of its own, a first version's record names its
	// created_by_ref.
	anon := NewObject(ObjectID("indicator", 3), v1, LabelGreen, "anon")
	anon.CreatedByRef = orgB
	MustPut(t, s, c1, anon)
	if got := MustOwner(t, s, anon.ID); got == nil || got.Organization != orgB || got.Content != "" {
		t.Errorf("default owner record = %+v, want %s", got, orgB)
	}
	// Deleting every version leaves the record: the id stays owned.
	for _, c := range []string{c1, c2} {
		if _, err := s.DeleteObject(ctx, c, id, kizuna.VersionMatch{All: true}, kizuna.AccessScope{Unrestricted: true}); err != nil {
			t.Fatal(err)
		}
	}
	if got := MustOwner(t, s, id); !kizuna.SameOwner(got, recX) {
		t.Errorf("owner record after deleting every version = %+v", got)
	}
}

// mdObject returns a marking-definition version with the name as content.
func mdObject(t *testing.T, id, created, name string) *kizuna.Object {
	o := NewObject(id, time.Time{}, LabelGreen, name)
	o.Type = "marking-definition"
	o.Created = MustTime(t, created)
	o.Modified, o.Version = time.Time{}, o.Created
	o.Raw = []byte(`{"type":"marking-definition","spec_version":"2.1","id":"` + id + `","created":"` + created + `","name":"` + name + `"}`)
	o.Hash = hashOf(o.Raw)
	return o
}

// testMarkingOwners: a marking-definition id means one definition on the
// node. Another content is refused in every collection, whatever its
// created (an earlier one too) and whoever stores it; an identical copy is
// stored in another collection; FindMarkingDefinition resolves the id to
// the recorded definition.
func testMarkingOwners(t *testing.T, s kizuna.Store) {
	ctx := context.Background()
	c1, c2 := MustCollection(t, s), MustCollection(t, s)
	id := ObjectID("marking-definition", 7)
	def := mdObject(t, id, "2026-01-01T00:00:00Z", "SECRET//NOFORN")
	MustPut(t, s, c1, owned(def, orgA, def.Hash))
	for _, c := range []string{c1, c2} {
		takeover := mdObject(t, id, "2025-01-01T00:00:00Z", "open")
		rs, err := s.PutObjects(ctx, c, []*kizuna.Object{owned(takeover, orgB, takeover.Hash)})
		if err != nil {
			t.Fatal(err)
		}
		if kizuna.ErrorCode(rs[0].Err) != kizuna.ECONFLICT || rs[0].Created {
			t.Errorf("another definition in collection %s: %+v, want a conflict", c, rs[0])
		}
	}
	MustPut(t, s, c2, mdObject(t, id, "2026-01-01T00:00:00Z", "SECRET//NOFORN"))
	got, err := s.FindMarkingDefinition(ctx, id)
	if err != nil || got.Hash != def.Hash {
		t.Fatalf("FindMarkingDefinition = %+v, %v; want the recorded definition", got, err)
	}
	if rec := MustOwner(t, s, id); rec == nil || rec.Organization != orgA || rec.Content != def.Hash {
		t.Errorf("owner record = %+v", rec)
	}
}

// testOwnersConcurrent: writers in different collections store, at once,
// the first version of one id, each judged with no owner record. Exactly
// one makes the record and is stored; the others are stale (judged again,
// the write rules would see the winner's record).
func testOwnersConcurrent(t *testing.T, s kizuna.Store) {
	ctx := context.Background()
	const writers, rounds = 4, 5
	colls := make([]string, writers)
	for i := range colls {
		colls[i] = MustCollection(t, s)
	}
	for round := range rounds {
		ids := []string{ObjectID("indicator", 100+round), ObjectID("marking-definition", 100+round)}
		for _, id := range ids {
			results := make([]kizuna.PutResult, writers)
			var wg sync.WaitGroup
			for w := range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					org := ObjectID("identity", 500+w)
					var o *kizuna.Object
					if id == ids[0] {
						o = NewObject(id, MustTime(t, "2026-01-01T00:00:00Z"), LabelGreen, org)
					} else {
						o = mdObject(t, id, "2026-01-01T00:00:00Z", org)
					}
					content := ""
					if o.Type == "marking-definition" {
						content = o.Hash
					}
					rs, err := s.PutObjects(ctx, colls[w], []*kizuna.Object{judged(owned(o, org, content), false, time.Time{}, nil)})
					if err != nil {
						t.Error(err)
						return
					}
					results[w] = rs[0]
				}()
			}
			wg.Wait()
			winners := 0
			winner := ""
			for w, r := range results {
				switch {
				case r.Err == nil && r.Created:
					winners++
					winner = ObjectID("identity", 500+w)
				case !errors.Is(r.Err, kizuna.ErrStaleWrite):
					t.Errorf("round %d, %s, writer %d: %+v, want stored or stale", round, id, w, r)
				}
			}
			if winners != 1 {
				t.Fatalf("round %d, %s: %d first versions stored, want 1: %s", round, id, winners, fmt.Sprint(results))
			}
			if rec := MustOwner(t, s, id); rec == nil || rec.Organization != winner {
				t.Errorf("round %d, %s: owner record %+v, want %s", round, id, rec, winner)
			}
		}
	}
}

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
