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

func testPutAndFind(t *testing.T, s kizuna.Store) {
	coll := MustCollection(t, s)
	o := NewObject(ObjectID("indicator", 1), MustTime(t, "2025-03-01T10:00:00.123Z"), LabelAmber, "a")
	o.Revoked = true
	o.CreatedByRef = "identity--7d3a0c4e-7a57-4c8e-9f4b-2b0f0c1a9e01"
	o.MarkingRefs = []string{"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"}
	o.GranularMarkings = []kizuna.GranularMarking{{MarkingRef: "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", Selectors: []string{"description"}}}
	o.Portions = []kizuna.Portion{{Selectors: []string{"description"}, Label: LabelRed}}
	o.Origin = "peer-jp"
	rs := MustPut(t, s, coll, o)
	if !rs[0].Created || rs[0].DateAdded.IsZero() || !rs[0].Version.Equal(o.Modified) || rs[0].ID != o.ID {
		t.Fatalf("PutResult = %+v", rs[0])
	}
	if o.LabelID == 0 || o.Portions[0].LabelID == 0 || o.LabelID == o.Portions[0].LabelID {
		t.Fatalf("label ids not filled: object %d, portion %d", o.LabelID, o.Portions[0].LabelID)
	}

	p := MustFind(t, s, kizuna.ObjectFilter{Collection: coll, Access: all, IncludeRaw: true})
	if len(p.Objects) != 1 || p.More || p.Next != "" {
		t.Fatalf("page = %d objects, More %v, Next %q", len(p.Objects), p.More, p.Next)
	}
	g := p.Objects[0]
	if g.ID != o.ID || g.Type != "indicator" || g.SpecVersion != "2.1" || !g.Created.Equal(o.Created) ||
		!g.Modified.Equal(o.Modified) || !g.Version.Equal(o.Modified) || !g.Revoked || g.CreatedByRef != o.CreatedByRef ||
		g.Hash != o.Hash || g.Origin != "peer-jp" || g.Collection != coll || !g.DateAdded.Equal(rs[0].DateAdded) {
		t.Errorf("stored envelope differs:\n got %+v\nwant %+v", g, o)
	}
	if !bytes.Equal(g.Raw, o.Raw) {
		t.Errorf("raw = %s, want %s", g.Raw, o.Raw)
	}
	if !reflect.DeepEqual(g.MarkingRefs, o.MarkingRefs) || !reflect.DeepEqual(g.GranularMarkings, o.GranularMarkings) {
		t.Errorf("markings = %v %v", g.MarkingRefs, g.GranularMarkings)
	}
	if g.LabelID != o.LabelID || g.Label == nil || !reflect.DeepEqual(*g.Label, *LabelAmber) {
		t.Errorf("label = %d %+v, want %d %+v", g.LabelID, g.Label, o.LabelID, LabelAmber)
	}
	if len(g.Portions) != 1 || g.Portions[0].LabelID != o.Portions[0].LabelID || g.Portions[0].Label == nil ||
		!reflect.DeepEqual(*g.Portions[0].Label, *LabelRed) || !slices.Equal(g.Portions[0].Selectors, []string{"description"}) {
		t.Errorf("portions = %+v", g.Portions)
	}

	// RawOnly may leave the other fields zero, never these.
	p = MustFind(t, s, kizuna.ObjectFilter{Collection: coll, Access: all, IncludeRaw: true, RawOnly: true})
	if len(p.Objects) != 1 {
		t.Fatalf("RawOnly page = %d objects", len(p.Objects))
	}
	r := p.Objects[0]
	if r.ID != o.ID || r.Type != "indicator" || !r.Version.Equal(o.Modified) || r.Collection != coll ||
		!r.DateAdded.Equal(rs[0].DateAdded) || !bytes.Equal(r.Raw, o.Raw) || r.LabelID != o.LabelID ||
		r.Label == nil || !reflect.DeepEqual(*r.Label, *LabelAmber) || !reflect.DeepEqual(r.Portions, g.Portions) {
		t.Errorf("RawOnly object differs:\n got %+v\nwant %+v", r, g)
	}

	p = MustFind(t, s, kizuna.ObjectFilter{Collection: coll, Access: all})
	if len(p.Objects) != 1 || p.Objects[0].Raw != nil {
		t.Errorf("IncludeRaw=false returned raw %q", p.Objects[0].Raw)
	}

	_, err := s.FindObjects(context.Background(), kizuna.ObjectFilter{Collection: "00000000-0000-4000-8000-000000000000", Access: all})
	wantCode(t, err, kizuna.ENOTFOUND, "FindObjects in a missing collection")
	_, err = s.FindObjects(context.Background(), kizuna.ObjectFilter{Collection: coll, Access: all, Limit: -1})
	wantCode(t, err, kizuna.EINVALID, "FindObjects with a negative limit")
}

func testIdempotent(t *testing.T, s kizuna.Store) {
	coll := MustCollection(t, s)
	o := NewObject(ObjectID("indicator", 1), MustTime(t, "2025-03-01T10:00:00Z"), LabelGreen, "a")
	first := MustPut(t, s, coll, o)[0]
	again := NewObject(o.ID, o.Modified, LabelGreen, "a")
	second := MustPut(t, s, coll, again, again)
	for i, r := range second {
		if r.Created || !r.DateAdded.Equal(first.DateAdded) || !r.Version.Equal(first.Version) {
			t.Errorf("re-put %d = %+v, want Created false and DateAdded %v", i, r, first.DateAdded)
		}
	}
	got := MustFindAll(t, s, kizuna.ObjectFilter{Collection: coll, Access: all, Versions: kizuna.VersionMatch{All: true}})
	if len(got) != 1 {
		t.Errorf("%d rows after re-puts, want 1", len(got))
	}
}

func testConflict(t *testing.T, s kizuna.Store) {
	coll := MustCollection(t, s)
	o := NewObject(ObjectID("indicator", 1), MustTime(t, "2025-03-01T10:00:00Z"), LabelGreen, "a")
	MustPut(t, s, coll, o)
	rs, err := s.PutObjects(context.Background(), coll, []*kizuna.Object{NewObject(o.ID, o.Modified, LabelGreen, "b")})
	if err != nil {
		t.Fatalf("PutObjects: %v", err)
	}
	wantCode(t, rs[0].Err, kizuna.ECONFLICT, "same version, different content")
	if rs[0].Created {
		t.Errorf("conflicting put reports Created")
	}
	got := MustFindAll(t, s, kizuna.ObjectFilter{Collection: coll, Access: all, IncludeRaw: true, Versions: kizuna.VersionMatch{All: true}})
	if len(got) != 1 || !bytes.Equal(got[0].Raw, o.Raw) {
		t.Errorf("stored versions after conflict: %d", len(got))
	}
}

func testRefused(t *testing.T, s kizuna.Store) {
	coll := MustCollection(t, s)
	ctx := context.Background()
	_, err := s.PutObjects(ctx, "00000000-0000-4000-8000-000000000000", []*kizuna.Object{NewObject(ObjectID("indicator", 1), MustTime(t, "2025-03-01T10:00:00Z"), LabelGreen, "a")})
	wantCode(t, err, kizuna.ENOTFOUND, "PutObjects into a missing collection")

	noLabel := NewObject(ObjectID("indicator", 2), MustTime(t, "2025-03-01T10:00:00Z"), nil, "a")
	badPortion := NewObject(ObjectID("indicator", 3), MustTime(t, "2025-03-01T10:00:00Z"), LabelGreen, "a")
	badPortion.Portions = []kizuna.Portion{{Selectors: []string{"name"}}}
	rs, err := s.PutObjects(ctx, coll, []*kizuna.Object{noLabel, badPortion, nil})
	if err != nil {
		t.Fatalf("PutObjects: %v", err)
	}
	for i, r := range rs {
		wantCode(t, r.Err, kizuna.EINVALID, "refused object")
		if r.Created {
			t.Errorf("refused object %d reports Created", i)
		}
	}
	if got := MustFindAll(t, s, kizuna.ObjectFilter{Collection: coll, Access: all, Versions: kizuna.VersionMatch{All: true}}); len(got) != 0 {
		t.Errorf("%d versions stored from refused objects", len(got))
	}
}

func testBatchAtomicity(t *testing.T, s kizuna.Store) {
	coll := MustCollection(t, s)
	ctx := context.Background()
	v := MustTime(t, "2025-03-01T10:00:00Z")
	MustPut(t, s, coll, NewObject(ObjectID("indicator", 2), v, LabelGreen, "original"))
	labelsBefore, err := s.FindLabels(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	// The bad object conflicts and carries a label no other object has:
	// after the batch neither a row nor that label may remain.
	unique := &kizuna.AccessLabel{TLP: kizuna.TLPRed, Audience: []string{"identity--00000000-0000-4000-8000-00000000dead"}}
	batch := []*kizuna.Object{
		NewObject(ObjectID("indicator", 1), v, LabelGreen, "good 1"),
		NewObject(ObjectID("indicator", 2), v, unique, "conflicting"),
		NewObject(ObjectID("indicator", 3), v, nil, "no label"),
		NewObject(ObjectID("indicator", 4), v, LabelAmber, "good 2"),
	}
	rs, err := s.PutObjects(ctx, coll, batch)
	if err != nil {
		t.Fatalf("PutObjects: %v", err)
	}
	if rs[0].Err != nil || rs[3].Err != nil || !rs[0].Created || !rs[3].Created {
		t.Errorf("good objects: %+v, %+v", rs[0], rs[3])
	}
	wantCode(t, rs[1].Err, kizuna.ECONFLICT, "conflicting object in a batch")
	wantCode(t, rs[2].Err, kizuna.EINVALID, "unlabelled object in a batch")
	if !rs[3].DateAdded.After(rs[0].DateAdded) {
		t.Errorf("date_added of the batch not increasing: %v then %v", rs[0].DateAdded, rs[3].DateAdded)
	}
	got := MustFindAll(t, s, kizuna.ObjectFilter{Collection: coll, Access: all, IncludeRaw: true, Versions: kizuna.VersionMatch{All: true}})
	var ids []string
	for _, o := range got {
		ids = append(ids, o.ID)
		if o.ID == ObjectID("indicator", 2) && !bytes.Contains(o.Raw, []byte("original")) {
			t.Errorf("conflicting put changed the stored version: %s", o.Raw)
		}
	}
	want := []string{ObjectID("indicator", 2), ObjectID("indicator", 1), ObjectID("indicator", 4)}
	if !slices.Equal(ids, want) {
		t.Errorf("stored ids %v, want %v", ids, want)
	}
	labelsAfter, err := s.FindLabels(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range labelsAfter {
		if reflect.DeepEqual(l.Label, *unique) {
			t.Errorf("the rejected object's label %d was kept", l.ID)
		}
	}
	if len(labelsAfter) != len(labelsBefore)+1 { // LabelAmber is new
		t.Errorf("%d labels after the batch, want %d", len(labelsAfter), len(labelsBefore)+1)
	}
}

func testDateAddedIncreasing(t *testing.T, s kizuna.Store) {
	coll := MustCollection(t, s)
	other := MustCollection(t, s)
	var last time.Time
	for b := 0; b < 5; b++ {
		var batch []*kizuna.Object
		for i := 0; i < 20; i++ {
			batch = append(batch, NewObject(ObjectID("indicator", b*100+i), MustTime(t, "2025-03-01T10:00:00Z"), LabelGreen, "x"))
		}
		for i, r := range MustPut(t, s, coll, batch...) {
			if !r.DateAdded.After(last) {
				t.Fatalf("batch %d object %d: date_added %v not after %v", b, i, r.DateAdded, last)
			}
			if r.DateAdded.Truncate(time.Microsecond) != r.DateAdded {
				t.Fatalf("date_added %v has sub-microsecond digits", r.DateAdded)
			}
			last = r.DateAdded
		}
		MustPut(t, s, other, batch[0])
	}
}
