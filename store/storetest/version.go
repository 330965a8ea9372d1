package storetest

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
)

func testVersions(t *testing.T, s kizuna.Store) {
	coll := MustCollection(t, s)
	id := ObjectID("indicator", 1)
	t1, t2, t3 := MustTime(t, "2025-03-01T10:00:00Z"), MustTime(t, "2025-03-02T10:00:00.5Z"), MustTime(t, "2025-03-03T10:00:00.000001Z")
	// Stored out of order: version order and date_added order differ.
	MustPut(t, s, coll, NewObject(id, t2, LabelGreen, "v2"))
	MustPut(t, s, coll, NewObject(id, t1, LabelGreen, "v1"), NewObject(id, t3, LabelGreen, "v3"))
	MustPut(t, s, coll, NewObject(ObjectID("indicator", 2), t1, LabelGreen, "other"))

	f := kizuna.ObjectFilter{Collection: coll, IDs: []string{id}, Access: all}
	for _, tc := range []struct {
		name string
		vm   kizuna.VersionMatch
		want []time.Time // in date_added order
	}{
		{"default is last", kizuna.VersionMatch{}, []time.Time{t3}},
		{"last", kizuna.VersionMatch{Last: true}, []time.Time{t3}},
		{"first", kizuna.VersionMatch{First: true}, []time.Time{t1}},
		{"first,last", kizuna.VersionMatch{First: true, Last: true}, []time.Time{t1, t3}},
		{"all", kizuna.VersionMatch{All: true}, []time.Time{t2, t1, t3}},
		{"at", kizuna.VersionMatch{At: []time.Time{t2}}, []time.Time{t2}},
		{"at two", kizuna.VersionMatch{At: []time.Time{t3, t1}}, []time.Time{t1, t3}},
		{"at absent", kizuna.VersionMatch{At: []time.Time{t1.Add(time.Millisecond)}}, nil},
		{"first and at", kizuna.VersionMatch{First: true, At: []time.Time{t2}}, []time.Time{t2, t1}},
	} {
		f.Versions = tc.vm
		got := MustFindAll(t, s, f)
		want := make([]string, len(tc.want))
		for i, w := range tc.want {
			want[i] = w.Format(time.RFC3339Nano)
		}
		if !slices.Equal(versionsOf(got), want) {
			t.Errorf("%s: versions %v, want %v", tc.name, versionsOf(got), want)
		}
	}

	// Without an id filter, last selects per object.
	got := MustFindAll(t, s, kizuna.ObjectFilter{Collection: coll, Access: all})
	if len(got) != 2 || got[0].ID != id || !got[0].Version.Equal(t3) || got[1].ID != ObjectID("indicator", 2) {
		t.Errorf("last over the collection = %v %v", len(got), versionsOf(got))
	}
}

func testVersionInstants(t *testing.T, s kizuna.Store) {
	coll := MustCollection(t, s)
	id := ObjectID("indicator", 1)
	MustPut(t, s, coll, NewObject(id, MustTime(t, "2025-03-01T10:00:00.000Z"), LabelGreen, "v1"))
	for _, text := range []string{"2025-03-01T10:00:00Z", "2025-03-01T10:00:00.000000Z", "2025-03-01T19:00:00.000+09:00"} {
		at := MustTime(t, text)
		got := MustFindAll(t, s, kizuna.ObjectFilter{Collection: coll, Access: all, Versions: kizuna.VersionMatch{At: []time.Time{at}}})
		if len(got) != 1 {
			t.Errorf("version %s: found %d versions, want 1", text, len(got))
		}
	}
	// The same instant written differently is the same version: an
	// identical content is a no-op, a different one a conflict.
	same := NewObject(id, MustTime(t, "2025-03-01T10:00:00.000000Z"), LabelGreen, "v1")
	rs := MustPut(t, s, coll, same)
	if rs[0].Created {
		t.Errorf("re-put of the same instant created a new version")
	}
	rs, _ = s.PutObjects(context.Background(), coll, []*kizuna.Object{NewObject(id, MustTime(t, "2025-03-01T10:00:00.000000Z"), LabelGreen, "changed")})
	wantCode(t, rs[0].Err, kizuna.ECONFLICT, "different content at the same instant")
}

func testUnversioned(t *testing.T, s kizuna.Store) {
	coll := MustCollection(t, s)
	id := ObjectID("ipv4-addr", 1)
	a := MustPut(t, s, coll, NewSCO(id, "198.51.100.7", LabelGreen))[0]
	if !a.Created || a.Version.IsZero() || !a.Version.Equal(a.DateAdded) {
		t.Fatalf("first SCO put = %+v: version must be its date_added", a)
	}
	again := MustPut(t, s, coll, NewSCO(id, "198.51.100.7", LabelGreen))[0]
	if again.Created || !again.Version.Equal(a.Version) || !again.DateAdded.Equal(a.DateAdded) {
		t.Errorf("same SCO content again = %+v, want the first version %v", again, a.Version)
	}
	b := MustPut(t, s, coll, NewSCO(id, "198.51.100.8", LabelGreen))[0]
	if !b.Created || !b.Version.After(a.Version) {
		t.Errorf("changed SCO content = %+v, want a new, later version", b)
	}
	got := MustFindAll(t, s, kizuna.ObjectFilter{Collection: coll, Access: all, Versions: kizuna.VersionMatch{All: true}})
	if len(got) != 2 {
		t.Fatalf("%d SCO versions, want 2", len(got))
	}
	last := MustFindAll(t, s, kizuna.ObjectFilter{Collection: coll, Access: all})
	if len(last) != 1 || !last[0].Version.Equal(b.Version) {
		t.Errorf("last SCO version = %v, want %v", versionsOf(last), b.Version)
	}
	// The version stays the same in every response.
	at := MustFindAll(t, s, kizuna.ObjectFilter{Collection: coll, Access: all, Versions: kizuna.VersionMatch{At: []time.Time{a.Version}}})
	if len(at) != 1 || at[0].Hash != NewSCO(id, "198.51.100.7", LabelGreen).Hash {
		t.Errorf("SCO at its first version: %d found", len(at))
	}
}

// testWriteBasis: a version whose write was judged on a state that has
// changed since (another version of its id stored meanwhile) is refused
// with ECONFLICT and not stored; one whose basis holds is stored; every
// version of a batch is judged against the state before the batch; an
// object without a basis is not checked.
func testWriteBasis(t *testing.T, s kizuna.Store) {
	ctx := context.Background()
	coll := MustCollection(t, s)
	id, other := ObjectID("indicator", 1), ObjectID("indicator", 2)
	v1 := MustTime(t, "2026-01-01T00:00:00Z")
	v2 := MustTime(t, "2026-01-02T00:00:00Z")
	v3 := MustTime(t, "2026-01-03T00:00:00Z")
	with := func(o *kizuna.Object, b kizuna.WriteBasis) *kizuna.Object {
		o.WriteBasis = &b
		return o
	}
	none := kizuna.WriteBasis{}
	// The owner record the first version makes (it carries none: the
	// store's default), which a basis of a later version names.
	rec := &kizuna.Owner{ID: id}
	at := func(v time.Time) kizuna.WriteBasis { return kizuna.WriteBasis{Found: true, Version: v, Owner: rec} }

	MustPut(t, s, coll, with(NewObject(id, v1, LabelGreen, "v1"), none))
	rs, err := s.PutObjects(ctx, coll, []*kizuna.Object{
		with(NewObject(id, v2, LabelGreen, "v2"), at(v1)),       // holds
		with(NewObject(id, v3, LabelGreen, "v3"), at(v1)),       // holds: judged on the state before the batch
		with(NewObject(other, v1, LabelGreen, "first"), at(v1)), // stale: nothing was stored
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"", "", kizuna.ECONFLICT} {
		if got := kizuna.ErrorCode(rs[i].Err); got != want {
			t.Errorf("object %d: %v, want code %q", i, rs[i].Err, want)
		}
	}
	// Judged when v1 was the latest, after v2 and v3 were stored: stale.
	// Judged as a first version, after one was stored: stale. Neither is
	// stored.
	late := MustTime(t, "2026-01-04T00:00:00Z")
	rs, err = s.PutObjects(ctx, coll, []*kizuna.Object{
		with(NewObject(id, late, LabelGreen, "late"), at(v1)),
		with(NewObject(id, v1.Add(time.Hour), LabelGreen, "older"), none),
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rs {
		if kizuna.ErrorCode(r.Err) != kizuna.ECONFLICT || !strings.Contains(kizuna.ErrorMessage(r.Err), id) {
			t.Errorf("stale object %d: %v, want a conflict naming %s", i, r.Err, id)
		}
	}
	all := MustFindAll(t, s, kizuna.ObjectFilter{Collection: coll, Access: kizuna.AccessScope{Unrestricted: true}, Versions: kizuna.VersionMatch{All: true}})
	if len(all) != 3 {
		t.Fatalf("%d versions stored, want v1, v2, v3: %+v", len(all), all)
	}
	// The latest is v3 now: a basis at v3 holds; no basis is not checked.
	MustPut(t, s, coll, with(NewObject(id, late, LabelGreen, "late"), at(v3)), NewObject(other, v2, LabelGreen, "unchecked"))
}

// testWriteBasisIdentical: a version judged on a stale state whose content
// is already stored (two clients posting the same object at once) is the
// no-op success it would be without the check.
func testWriteBasisIdentical(t *testing.T, s kizuna.Store) {
	coll := MustCollection(t, s)
	id := ObjectID("indicator", 1)
	v1 := MustTime(t, "2026-01-01T00:00:00Z")
	MustPut(t, s, coll, NewObject(id, v1, LabelGreen, "v1"))
	again := NewObject(id, v1, LabelGreen, "v1")
	again.WriteBasis = &kizuna.WriteBasis{} // judged before the first was stored
	sco := NewSCO(ObjectID("ipv4-addr", 1), "192.0.2.1", LabelGreen)
	MustPut(t, s, coll, sco)
	scoAgain := NewSCO(sco.ID, "192.0.2.1", LabelGreen)
	scoAgain.WriteBasis = &kizuna.WriteBasis{}
	rs := MustPut(t, s, coll, again, scoAgain)
	for i, r := range rs {
		if r.Created {
			t.Errorf("object %d: stored again: %+v", i, r)
		}
	}
}
