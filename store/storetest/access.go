package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
)

func testAccessScope(t *testing.T, s kizuna.Store) {
	coll := MustCollection(t, s)
	g := NewObject(ObjectID("indicator", 1), MustTime(t, "2025-03-01T10:00:00Z"), LabelGreen, "g")
	a := NewObject(ObjectID("indicator", 2), MustTime(t, "2025-03-01T10:00:00Z"), LabelAmber, "a")
	MustPut(t, s, coll, g, a)
	for _, tc := range []struct {
		name  string
		scope kizuna.AccessScope
		want  []string
	}{
		{"zero scope sees nothing", kizuna.AccessScope{}, nil},
		{"empty label list sees nothing", kizuna.AccessScope{LabelIDs: []int64{}}, nil},
		{"unknown label", kizuna.AccessScope{LabelIDs: []int64{g.LabelID + a.LabelID + 100}}, nil},
		{"green", kizuna.AccessScope{LabelIDs: []int64{g.LabelID}}, []string{g.ID}},
		{"amber", kizuna.AccessScope{LabelIDs: []int64{a.LabelID}}, []string{a.ID}},
		{"both", kizuna.AccessScope{LabelIDs: []int64{a.LabelID, g.LabelID}}, []string{g.ID, a.ID}},
		{"unrestricted", all, []string{g.ID, a.ID}},
	} {
		for _, f := range []kizuna.ObjectFilter{
			{Collection: coll, Access: tc.scope},
			{Collection: coll, Access: tc.scope, IDs: []string{g.ID, a.ID}},
			{Collection: coll, Access: tc.scope, Types: []string{"indicator"}},
			{Collection: coll, Access: tc.scope, Versions: kizuna.VersionMatch{All: true}},
		} {
			p := MustFind(t, s, f)
			var ids []string
			for _, o := range p.Objects {
				ids = append(ids, o.ID)
			}
			if !slices.Equal(ids, tc.want) || p.More {
				t.Errorf("%s (%+v): %v More %v, want %v", tc.name, f, ids, p.More, tc.want)
			}
		}
	}
}

// testAccessScopePaging checks that Limit, More and Next count visible rows
// only: a reader must not learn from More that invisible rows follow.
func testAccessScopePaging(t *testing.T, s kizuna.Store) {
	coll := MustCollection(t, s)
	var batch []*kizuna.Object
	for i := 0; i < 20; i++ {
		label := LabelGreen
		if i%2 == 1 || i >= 10 {
			label = LabelAmber
		}
		batch = append(batch, NewObject(ObjectID("indicator", i), MustTime(t, "2025-03-01T10:00:00Z"), label, "x"))
	}
	MustPut(t, s, coll, batch...)
	green := kizuna.AccessScope{LabelIDs: []int64{batch[0].LabelID}}
	// Five green objects (0, 2, 4, 6, 8), then only amber ones.
	p := MustFind(t, s, kizuna.ObjectFilter{Collection: coll, Access: green, Limit: 5})
	if len(p.Objects) != 5 || p.More || p.Next != "" {
		t.Errorf("green page of 5: %d objects, More %v, Next %q; want 5, false, \"\"", len(p.Objects), p.More, p.Next)
	}
	p = MustFind(t, s, kizuna.ObjectFilter{Collection: coll, Access: green, Limit: 4})
	if len(p.Objects) != 4 || !p.More {
		t.Fatalf("green page of 4: %d objects, More %v", len(p.Objects), p.More)
	}
	p = MustFind(t, s, kizuna.ObjectFilter{Collection: coll, Access: green, Limit: 4, Next: p.Next})
	if len(p.Objects) != 1 || p.More || p.Objects[0].ID != batch[8].ID {
		t.Errorf("second green page: %d objects, More %v", len(p.Objects), p.More)
	}
	for _, o := range MustFindAll(t, s, kizuna.ObjectFilter{Collection: coll, Access: green, Limit: 3}) {
		if o.LabelID != batch[0].LabelID {
			t.Errorf("green reader got %s with label %d", o.ID, o.LabelID)
		}
	}
}

// testVersionsWithinScope checks that first and last are chosen among the
// versions the reader may see.
func testVersionsWithinScope(t *testing.T, s kizuna.Store) {
	coll := MustCollection(t, s)
	id := ObjectID("indicator", 1)
	t1, t2, t3 := MustTime(t, "2025-03-01T10:00:00Z"), MustTime(t, "2025-03-02T10:00:00Z"), MustTime(t, "2025-03-03T10:00:00Z")
	v1 := NewObject(id, t1, LabelGreen, "v1")
	v2 := NewObject(id, t2, LabelGreen, "v2")
	v3 := NewObject(id, t3, LabelAmber, "v3") // the latest is amber
	MustPut(t, s, coll, v1, v2, v3)
	green := kizuna.AccessScope{LabelIDs: []int64{v1.LabelID}}
	amber := kizuna.AccessScope{LabelIDs: []int64{v3.LabelID}}
	for _, tc := range []struct {
		name  string
		scope kizuna.AccessScope
		vm    kizuna.VersionMatch
		want  []time.Time
	}{
		{"green last", green, kizuna.VersionMatch{}, []time.Time{t2}},
		{"green first,last", green, kizuna.VersionMatch{First: true, Last: true}, []time.Time{t1, t2}},
		{"amber first", amber, kizuna.VersionMatch{First: true}, []time.Time{t3}},
		{"amber at t1", amber, kizuna.VersionMatch{At: []time.Time{t1}}, nil},
		{"green all", green, kizuna.VersionMatch{All: true}, []time.Time{t1, t2}},
		{"unrestricted last", all, kizuna.VersionMatch{Last: true}, []time.Time{t3}},
	} {
		got := MustFindAll(t, s, kizuna.ObjectFilter{Collection: coll, Access: tc.scope, Versions: tc.vm, Limit: 1})
		want := make([]string, len(tc.want))
		for i, w := range tc.want {
			want[i] = w.Format(time.RFC3339Nano)
		}
		if !slices.Equal(versionsOf(got), want) {
			t.Errorf("%s: %v, want %v", tc.name, versionsOf(got), want)
		}
	}
}

func testDelete(t *testing.T, s kizuna.Store) {
	ctx := context.Background()
	coll := MustCollection(t, s)
	id := ObjectID("indicator", 1)
	t1, t2, t3 := MustTime(t, "2025-03-01T10:00:00Z"), MustTime(t, "2025-03-02T10:00:00Z"), MustTime(t, "2025-03-03T10:00:00Z")
	v1, v2, v3 := NewObject(id, t1, LabelGreen, "v1"), NewObject(id, t2, LabelGreen, "v2"), NewObject(id, t3, LabelAmber, "v3")
	other := NewObject(ObjectID("indicator", 2), t1, LabelGreen, "other")
	MustPut(t, s, coll, v1, v2, v3, other)
	green := kizuna.AccessScope{LabelIDs: []int64{v1.LabelID}}

	_, err := s.DeleteObject(ctx, coll, id, kizuna.VersionMatch{All: true}, kizuna.AccessScope{})
	wantCode(t, err, kizuna.ENOTFOUND, "delete with the zero scope")
	_, err = s.DeleteObject(ctx, coll, ObjectID("indicator", 99), kizuna.VersionMatch{All: true}, all)
	wantCode(t, err, kizuna.ENOTFOUND, "delete of a missing object")
	_, err = s.DeleteObject(ctx, "00000000-0000-4000-8000-000000000000", id, kizuna.VersionMatch{All: true}, all)
	wantCode(t, err, kizuna.ENOTFOUND, "delete in a missing collection")

	// Last within the green scope is v2; v3 (amber) is neither removed nor
	// counted.
	n, err := s.DeleteObject(ctx, coll, id, kizuna.VersionMatch{}, green)
	if err != nil || n != 1 {
		t.Fatalf("delete last (green) = %d, %v; want 1", n, err)
	}
	n, err = s.DeleteObject(ctx, coll, id, kizuna.VersionMatch{All: true}, green)
	if err != nil || n != 1 {
		t.Fatalf("delete all (green) = %d, %v; want 1", n, err)
	}
	got := MustFindAll(t, s, kizuna.ObjectFilter{Collection: coll, Access: all, IDs: []string{id}, Versions: kizuna.VersionMatch{All: true}})
	if !slices.Equal(versionsOf(got), []string{t3.Format(time.RFC3339Nano)}) {
		t.Errorf("versions left: %v, want only %v", versionsOf(got), t3)
	}
	n, err = s.DeleteObject(ctx, coll, id, kizuna.VersionMatch{At: []time.Time{t3}}, all)
	if err != nil || n != 1 {
		t.Fatalf("delete at t3 = %d, %v", n, err)
	}
	rest := MustFindAll(t, s, kizuna.ObjectFilter{Collection: coll, Access: all, Versions: kizuna.VersionMatch{All: true}})
	if len(rest) != 1 || rest[0].ID != other.ID {
		t.Fatalf("after deletes: %d versions left, want only %s", len(rest), other.ID)
	}
	// date_added keeps increasing after a delete.
	r := MustPut(t, s, coll, NewObject(id, t1, LabelGreen, "v1 again"))[0]
	if !r.Created || !r.DateAdded.After(rest[0].DateAdded) {
		t.Errorf("put after delete: %+v", r)
	}
}
