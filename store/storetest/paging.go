package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
)

func testPaging(t *testing.T, s kizuna.Store) {
	coll := MustCollection(t, s)
	var objs []*kizuna.Object
	for i := 0; i < 25; i++ {
		objs = append(objs, NewObject(ObjectID("indicator", i), MustTime(t, "2025-03-01T10:00:00Z"), LabelGreen, "x"))
	}
	MustPut(t, s, coll, objs...)
	f := kizuna.ObjectFilter{Collection: coll, Access: all, Limit: 10}
	var sizes []int
	var got []string
	for {
		p := MustFind(t, s, f)
		sizes = append(sizes, len(p.Objects))
		for _, o := range p.Objects {
			got = append(got, o.ID)
		}
		if !p.More {
			if p.Next != "" {
				t.Errorf("Next %q on the last page", p.Next)
			}
			break
		}
		f.Next = p.Next
	}
	if !slices.Equal(sizes, []int{10, 10, 5}) {
		t.Errorf("page sizes %v, want [10 10 5]", sizes)
	}
	for i, id := range got {
		if id != objs[i].ID {
			t.Fatalf("object %d is %s, want %s", i, id, objs[i].ID)
		}
	}
	// A page that ends exactly at the last row says there is no more.
	p := MustFind(t, s, kizuna.ObjectFilter{Collection: coll, Access: all, Limit: 25})
	if len(p.Objects) != 25 || p.More || p.Next != "" {
		t.Errorf("exact page: %d objects, More %v, Next %q", len(p.Objects), p.More, p.Next)
	}
	// A cursor is not tied to the filter that made it: it is a position.
	p = MustFind(t, s, kizuna.ObjectFilter{Collection: coll, Access: all, Limit: 24})
	p = MustFind(t, s, kizuna.ObjectFilter{Collection: coll, Access: all, Next: p.Next})
	if len(p.Objects) != 1 || p.Objects[0].ID != objs[24].ID {
		t.Errorf("page after 24 = %d objects", len(p.Objects))
	}
}

func testMalformedCursor(t *testing.T, s kizuna.Store) {
	coll := MustCollection(t, s)
	for _, next := range []string{"x", "!!!", "bm90IGEgY3Vyc29y", "MS4tMQ", "%00"} {
		_, err := s.FindObjects(context.Background(), kizuna.ObjectFilter{Collection: coll, Access: all, Next: next})
		wantCode(t, err, kizuna.EINVALID, fmt.Sprintf("cursor %q", next))
	}
}

// testPagingUnderConcurrentWrites pages to the end while a writer adds
// objects: the union of the pages must be every committed version exactly
// once, in date_added order.
func testPagingUnderConcurrentWrites(t *testing.T, s kizuna.Store) {
	coll := MustCollection(t, s)
	const batches, perBatch = 40, 10
	var wg sync.WaitGroup
	done := make(chan struct{})
	errc := make(chan error, 1)
	version := MustTime(t, "2025-03-01T10:00:00Z")
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(done)
		for b := 0; b < batches; b++ {
			var batch []*kizuna.Object
			for i := 0; i < perBatch; i++ {
				batch = append(batch, NewObject(ObjectID("indicator", b*perBatch+i), version, LabelGreen, "x"))
			}
			rs, err := s.PutObjects(context.Background(), coll, batch)
			for _, r := range rs {
				err = errors.Join(err, r.Err)
			}
			if err != nil {
				errc <- err
				return
			}
		}
	}()
	seen := map[string]int{}
	var order []time.Time
	f := kizuna.ObjectFilter{Collection: coll, Access: all, Limit: 7, Versions: kizuna.VersionMatch{All: true}}
	writerDone := false
	for {
		p := MustFind(t, s, f)
		for _, o := range p.Objects {
			seen[o.ID]++
			order = append(order, o.DateAdded)
		}
		if len(p.Objects) > 0 {
			f.Next = ""
			after := p.Objects[len(p.Objects)-1].DateAdded
			f.AddedAfter = &after
		}
		if p.More {
			f.Next, f.AddedAfter = p.Next, nil
			continue
		}
		if writerDone {
			break
		}
		// Caught up: look again once the writer has finished.
		select {
		case <-done:
			writerDone = true
		default:
			time.Sleep(time.Millisecond)
		}
	}
	wg.Wait()
	select {
	case err := <-errc:
		t.Fatalf("writer: %v", err)
	default:
	}
	if len(seen) != batches*perBatch {
		t.Errorf("paged %d distinct objects, want %d", len(seen), batches*perBatch)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("object %s seen %d times", id, n)
		}
	}
	for i := 1; i < len(order); i++ {
		if !order[i].After(order[i-1]) {
			t.Fatalf("date_added not increasing across pages at %d: %v then %v", i, order[i-1], order[i])
		}
	}
}

func testAddedAfter(t *testing.T, s kizuna.Store) {
	coll := MustCollection(t, s)
	var batch []*kizuna.Object
	for i := 0; i < 3; i++ {
		batch = append(batch, NewObject(ObjectID("indicator", i), MustTime(t, "2025-03-01T10:00:00Z"), LabelGreen, "x"))
	}
	rs := MustPut(t, s, coll, batch...)
	d := rs[1].DateAdded
	for _, tc := range []struct {
		name  string
		after time.Time
		want  []string
	}{
		{"equal timestamp excluded", d, []string{batch[2].ID}},
		{"one microsecond before", d.Add(-time.Microsecond), []string{batch[1].ID, batch[2].ID}},
		{"one microsecond after", d.Add(time.Microsecond), nulls(rs[2].DateAdded.Equal(d.Add(time.Microsecond)), batch[2].ID)},
		{"sub-microsecond after counts as equal", d.Add(500 * time.Nanosecond), []string{batch[2].ID}},
		{"after the last", rs[2].DateAdded, nil},
		{"long ago", time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), []string{batch[0].ID, batch[1].ID, batch[2].ID}},
	} {
		after := tc.after
		var ids []string
		for _, o := range MustFindAll(t, s, kizuna.ObjectFilter{Collection: coll, Access: all, AddedAfter: &after}) {
			ids = append(ids, o.ID)
		}
		if !slices.Equal(ids, tc.want) {
			t.Errorf("%s (%s): %v, want %v", tc.name, after.Format(time.RFC3339Nano), ids, tc.want)
		}
	}
}

// nulls returns nil when empty is true, else the ids.
func nulls(empty bool, ids ...string) []string {
	if empty {
		return nil
	}
	return ids
}

func testFilters(t *testing.T, s kizuna.Store) {
	coll := MustCollection(t, s)
	ind := NewObject(ObjectID("indicator", 1), MustTime(t, "2025-03-01T10:00:00Z"), LabelGreen, "x")
	old := NewObject(ObjectID("indicator", 2), MustTime(t, "2025-03-01T10:00:00Z"), LabelGreen, "y")
	old.SpecVersion = "2.0"
	sco := NewSCO(ObjectID("ipv4-addr", 1), "192.0.2.1", LabelGreen)
	MustPut(t, s, coll, ind, old, sco)
	for _, tc := range []struct {
		name string
		f    kizuna.ObjectFilter
		want []string
	}{
		{"type", kizuna.ObjectFilter{Types: []string{"indicator"}}, []string{ind.ID, old.ID}},
		{"types", kizuna.ObjectFilter{Types: []string{"ipv4-addr", "malware"}}, []string{sco.ID}},
		{"two types", kizuna.ObjectFilter{Types: []string{"ipv4-addr", "indicator"}}, []string{ind.ID, old.ID, sco.ID}},
		{"ids", kizuna.ObjectFilter{IDs: []string{sco.ID, old.ID}}, []string{old.ID, sco.ID}},
		{"id and type", kizuna.ObjectFilter{IDs: []string{sco.ID}, Types: []string{"indicator"}}, nil},
		{"spec version", kizuna.ObjectFilter{SpecVersions: []string{"2.0"}}, []string{old.ID}},
		{"spec versions", kizuna.ObjectFilter{SpecVersions: []string{"2.1", "2.0"}}, []string{ind.ID, old.ID, sco.ID}},
	} {
		tc.f.Collection, tc.f.Access = coll, all
		var ids []string
		for _, o := range MustFindAll(t, s, tc.f) {
			ids = append(ids, o.ID)
		}
		if !slices.Equal(ids, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, ids, tc.want)
		}
	}
}
