package source_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/source"
	"github.com/kizuna-dev/kizuna/taxii"
)

// server is a TAXII 2.1 collection with one of the paging behaviours
// servers show in practice.
type server struct {
	objs  []stored
	mode  string // "next", "no-next" (more=true, no next), "cut" (no more, the answer cut at the limit), "no-dates", "ignores-added-after"
	calls int
	max   int // the largest page the server gives, whatever the client asks (0: no cap)
}

type stored struct {
	id    string
	added time.Time
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.calls++
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	if s.max > 0 && limit > s.max {
		limit = s.max
	}
	start := 0
	if n := q.Get("next"); n != "" {
		start, _ = strconv.Atoi(n)
	} else if aa := q.Get("added_after"); aa != "" && s.mode != "ignores-added-after" {
		t, err := time.Parse(time.RFC3339Nano, aa)
		if err != nil {
			http.Error(w, "bad added_after", http.StatusBadRequest)
			return
		}
		for start < len(s.objs) && !s.objs[start].added.After(t) {
			start++
		}
	}
	end := min(start+limit, len(s.objs))
	page := s.objs[start:end]
	env := map[string]any{}
	more := end < len(s.objs)
	switch s.mode {
	case "next":
		env["more"] = more
		if more {
			env["next"] = strconv.Itoa(end)
		}
	case "no-next", "no-dates", "ignores-added-after":
		env["more"] = more
	}
	var raws []json.RawMessage
	for _, o := range page {
		raws = append(raws, json.RawMessage(`{"type":"indicator","id":"`+o.id+`"}`))
	}
	if len(raws) > 0 {
		env["objects"] = raws
		if s.mode != "no-dates" {
			w.Header().Set("X-TAXII-Date-Added-First", page[0].added.Format("2006-01-02T15:04:05.000000Z"))
			w.Header().Set("X-TAXII-Date-Added-Last", page[len(page)-1].added.Format("2006-01-02T15:04:05.000000Z"))
		}
	}
	w.Header().Set("Content-Type", taxii.MediaTypeTAXII)
	json.NewEncoder(w).Encode(env)
}

// fetcher adapts the node's TAXII client, as the source service will.
func fetcher(c *taxii.Client) source.Fetcher {
	return func(ctx context.Context, q source.Query) (*source.Page, error) {
		p, err := c.GetObjects(ctx, "c1", taxii.ObjectQuery{AddedAfter: q.AddedAfter, Next: q.Next, Limit: q.Limit})
		if err != nil {
			return nil, err
		}
		return &source.Page{Objects: p.Objects, More: p.More, Next: p.Next, DateAddedFirst: p.DateAddedFirst, DateAddedLast: p.DateAddedLast}, nil
	}
}

// collection makes n objects; every object in a run of `same` shares one
// date_added.
func collection(n, same int) []stored {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var out []stored
	for i := 0; i < n; i++ {
		out = append(out, stored{id: fmt.Sprintf("indicator--%08d-0000-4000-8000-000000000000", i), added: t0.Add(time.Duration(i/same) * time.Millisecond)})
	}
	return out
}

func pull(t *testing.T, s *server, p *source.Pager, cursor time.Time) (map[string]int, *source.Result, []time.Time, error) {
	t.Helper()
	ts := httptest.NewServer(s)
	defer ts.Close()
	p.Fetch = fetcher(&taxii.Client{APIRoot: ts.URL + "/api/"})
	seen := map[string]int{}
	var cursors []time.Time
	res, err := p.Pull(context.Background(), cursor, func(objs []json.RawMessage, c time.Time) error {
		for _, o := range objs {
			var v struct{ ID string }
			json.Unmarshal(o, &v)
			seen[v.ID]++
		}
		cursors = append(cursors, c)
		return nil
	})
	return seen, res, cursors, err
}

func TestPagerReadsEveryObjectWhateverThePaging(t *testing.T) {
	for _, c := range []struct {
		mode      string
		n, same   int
		limit     int
		serverMax int
	}{
		{"next", 2500, 1, 1000, 0},
		{"no-next", 2500, 1, 1000, 0},
		{"cut", 2500, 1, 1000, 0},
		{"no-next", 2500, 7, 100, 0},   // runs of seven at one instant across page boundaries
		{"no-next", 1000, 150, 100, 0}, // runs longer than a page: the pager asks for more
		{"cut", 1000, 150, 100, 0},
	} {
		t.Run(fmt.Sprintf("%s/%d-per-instant/limit-%d", c.mode, c.same, c.limit), func(t *testing.T) {
			s := &server{objs: collection(c.n, c.same), mode: c.mode, max: c.serverMax}
			seen, res, cursors, err := pull(t, s, &source.Pager{Limit: c.limit}, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			if len(seen) != c.n {
				t.Errorf("read %d distinct objects of %d (%d pages)", len(seen), c.n, res.Pages)
			}
			last := s.objs[len(s.objs)-1].added
			if !res.Cursor.Equal(last) || len(res.Gaps) != 0 || res.NoDates {
				t.Errorf("cursor %v (want %v), gaps %v, no dates %v", res.Cursor, last, res.Gaps, res.NoDates)
			}
			for i := 1; i < len(cursors); i++ {
				if cursors[i].Before(cursors[i-1]) {
					t.Errorf("the cursor went back from %v to %v", cursors[i-1], cursors[i])
				}
			}
			// Pulling again from the cursor reads nothing new.
			again, res2, _, err := pull(t, &server{objs: s.objs, mode: c.mode}, &source.Pager{Limit: c.limit}, res.Cursor)
			if err != nil || len(again) != 0 || res2.Cursor != res.Cursor {
				t.Errorf("a second pull: %d objects, cursor %v, %v", len(again), res2.Cursor, err)
			}
		})
	}
}

// Safe cursors: a crash after any page, and a pull resumed from the cursor
// persisted then, still reads every object.
func TestPagerResumesFromEveryCursor(t *testing.T) {
	objs := collection(700, 9)
	s := &server{objs: objs, mode: "no-next"}
	_, _, cursors, err := pull(t, s, &source.Pager{Limit: 50}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cursors {
		rest, _, _, err := pull(t, &server{objs: objs, mode: "no-next"}, &source.Pager{Limit: 50}, c)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range objs {
			if o.added.After(c) && rest[o.id] == 0 {
				t.Fatalf("resumed from %v, %s (added %v) was not read", c, o.id, o.added)
			}
		}
	}
}

func TestPagerRefusesServersThatDoNotMove(t *testing.T) {
	_, _, _, err := pull(t, &server{objs: collection(300, 1), mode: "ignores-added-after"}, &source.Pager{Limit: 100}, time.Time{})
	if kizuna.ErrorCode(err) != kizuna.EINVALID || !strings.Contains(err.Error(), "ignore added_after") {
		t.Errorf("a server that ignores added_after: %v", err)
	}
	_, _, _, err = pull(t, &server{objs: collection(300, 1), mode: "no-dates"}, &source.Pager{Limit: 100}, time.Time{})
	if kizuna.ErrorCode(err) != kizuna.EINVALID || !strings.Contains(err.Error(), "neither a next cursor nor") {
		t.Errorf("more=true without next or dates: %v", err)
	}
	// A whole collection in one page without dates is read, and said so.
	seen, res, _, err := pull(t, &server{objs: collection(30, 1), mode: "no-dates"}, &source.Pager{Limit: 100}, time.Time{})
	if err != nil || len(seen) != 30 || !res.NoDates || !res.Cursor.IsZero() {
		t.Errorf("%d objects, %+v, %v", len(seen), res, err)
	}
	// More objects at one instant than the largest page: a gap is reported.
	seen, res, _, err = pull(t, &server{objs: collection(500, 500), mode: "no-next", max: 200}, &source.Pager{Limit: 100, MaxLimit: 400}, time.Time{})
	if err != nil || len(res.Gaps) != 1 || len(seen) != 200 {
		t.Errorf("%d objects, gaps %v, %v", len(seen), res.Gaps, err)
	}
}
