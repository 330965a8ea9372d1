package storetest

import (
	"context"
	"slices"
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
