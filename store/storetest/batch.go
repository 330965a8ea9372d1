package storetest

import (
	"context"
	"testing"

	"github.com/kizuna-dev/kizuna"
)

// testRepeatsInBatch checks versions repeated inside one batch: each is
// decided against the first, as if it came in a later call.
func testRepeatsInBatch(t *testing.T, s kizuna.Store) {
	coll := MustCollection(t, s)
	v := MustTime(t, "2025-03-01T10:00:00Z")
	sco := ObjectID("ipv4-addr", 1)
	batch := []*kizuna.Object{
		NewSCO(sco, "192.0.2.1", LabelGreen),
		NewObject(ObjectID("indicator", 1), v, LabelGreen, "a"),
		NewSCO(sco, "192.0.2.1", LabelGreen),                    // same content: no-op
		NewObject(ObjectID("indicator", 1), v, LabelGreen, "a"), // same version and content: no-op
		NewObject(ObjectID("indicator", 1), v, LabelGreen, "b"), // same version, other content
		NewSCO(sco, "192.0.2.2", LabelGreen),                    // other content: a new version
	}
	rs, err := s.PutObjects(context.Background(), coll, batch)
	if err != nil {
		t.Fatalf("PutObjects: %v", err)
	}
	for _, i := range []int{0, 1, 5} {
		if rs[i].Err != nil || !rs[i].Created {
			t.Errorf("object %d: %+v, want created", i, rs[i])
		}
	}
	for _, c := range []struct{ repeat, first int }{{2, 0}, {3, 1}} {
		r, f := rs[c.repeat], rs[c.first]
		if r.Err != nil || r.Created || !r.Version.Equal(f.Version) || !r.DateAdded.Equal(f.DateAdded) {
			t.Errorf("repeat %d = %+v, want a no-op pointing at %+v", c.repeat, r, f)
		}
	}
	wantCode(t, rs[4].Err, kizuna.ECONFLICT, "other content under a version stored earlier in the batch")
	if rs[5].Version.Equal(rs[0].Version) {
		t.Errorf("changed SCO content reuses version %v", rs[0].Version)
	}
	got := MustFindAll(t, s, kizuna.ObjectFilter{Collection: coll, Access: all, Versions: kizuna.VersionMatch{All: true}})
	if len(got) != 3 {
		t.Errorf("%d versions stored, want 3", len(got))
	}
}

// testUnstorableInBatch checks that a value the database itself may refuse
// (a NUL byte in a text column) does not cost the other objects of the
// batch their place.
func testUnstorableInBatch(t *testing.T, s kizuna.Store) {
	coll := MustCollection(t, s)
	v := MustTime(t, "2025-03-01T10:00:00Z")
	odd := NewObject(ObjectID("indicator", 2), v, LabelGreen, "odd")
	odd.CreatedByRef = "identity--\x00"
	batch := []*kizuna.Object{
		NewObject(ObjectID("indicator", 1), v, LabelGreen, "a"),
		odd,
		NewObject(ObjectID("indicator", 3), v, LabelAmber, "c"),
	}
	rs, err := s.PutObjects(context.Background(), coll, batch)
	if err != nil {
		t.Fatalf("PutObjects: %v", err)
	}
	if rs[0].Err != nil || rs[2].Err != nil || !rs[0].Created || !rs[2].Created {
		t.Fatalf("good objects: %+v, %+v", rs[0], rs[2])
	}
	t.Logf("object with a NUL byte: %v", rs[1].Err)
	got := MustFindAll(t, s, kizuna.ObjectFilter{Collection: coll, Access: all})
	want := 2
	if rs[1].Err == nil {
		want = 3
	}
	if len(got) != want {
		t.Errorf("%d objects stored, want %d (odd object: %v)", len(got), want, rs[1].Err)
	}
	if !rs[2].DateAdded.After(rs[0].DateAdded) {
		t.Errorf("date_added not increasing: %v then %v", rs[0].DateAdded, rs[2].DateAdded)
	}
}
