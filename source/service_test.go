package source_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/federation"
	"github.com/kizuna-dev/kizuna/source"
)

// fakeRemote is a collection that pages by added_after only, and can be
// made to fail.
type fakeRemote struct {
	mu    sync.Mutex
	added []time.Time
	fail  error
}

func (f *fakeRemote) fetch(ctx context.Context, q source.Query) (*source.Page, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return nil, f.fail
	}
	p := &source.Page{}
	for i, t := range f.added {
		if t.After(q.AddedAfter) && len(p.Objects) < q.Limit {
			p.Objects = append(p.Objects, json.RawMessage(fmt.Sprintf(`{"n":%d}`, i)))
			if p.DateAddedFirst.IsZero() {
				p.DateAddedFirst = t
			}
			p.DateAddedLast = t
		}
	}
	p.More = len(p.Objects) == q.Limit
	return p, nil
}

func newService(t *testing.T, remote *fakeRemote, cs []source.Config) (*source.Service, *[]int, *[]string) {
	t.Helper()
	state, err := source.OpenState(context.Background(), federation.DirState(t.TempDir()), "state.json")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var stored []int
	var audits []string
	svc := &source.Service{
		Sources: func() ([]source.Config, error) { return cs, nil },
		State:   state,
		Fetcher: func(source.Config) (source.Fetcher, error) { return remote.fetch, nil },
		Ingest: func(ctx context.Context, c source.Config, objs []json.RawMessage) (source.Stored, error) {
			mu.Lock()
			defer mu.Unlock()
			for _, o := range objs {
				var v struct{ N int }
				json.Unmarshal(o, &v)
				stored = append(stored, v.N)
			}
			return source.Stored{New: len(objs)}, nil
		},
		Audit: func(ctx context.Context, e *kizuna.AuditEvent) { audits = append(audits, e.Action+": "+e.Reason) },
	}
	return svc, &stored, &audits
}

// A pull stores every object once, persists the cursor, and a second pull
// reads only what was added since; a failing server is recorded in the
// health and its failures count until a success resets them.
func TestServicePullKeepsCursorAndHealth(t *testing.T) {
	t0 := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	remote := &fakeRemote{}
	for i := 0; i < 25; i++ {
		remote.added = append(remote.added, t0.Add(time.Duration(i)*time.Second))
	}
	c := source.Config{Name: "p", PageSize: 10}
	svc, stored, audits := newService(t, remote, []source.Config{c})
	rep, err := svc.Pull(context.Background(), c)
	distinct := map[int]bool{}
	for _, n := range *stored {
		distinct[n] = true
	}
	// Paging by added_after delivers the object at each page's boundary
	// again (the store absorbs the repeat).
	if err != nil || rep.Read < 25 || rep.Read > 27 || len(distinct) != 25 {
		t.Fatalf("first pull: %+v, %v, %d distinct objects stored", rep, err, len(distinct))
	}
	st := mustState(t, svc, "p")
	if !st.Cursor.Equal(remote.added[24]) || st.LastSuccess.IsZero() || st.Read != int64(rep.Read) {
		t.Errorf("state after the first pull: %+v", st)
	}
	remote.added = append(remote.added, t0.Add(time.Hour))
	if rep, err := svc.Pull(context.Background(), c); err != nil || rep.Read != 1 {
		t.Errorf("second pull: %+v, %v; want the one new object", rep, err)
	}
	remote.fail = kizuna.Errorf(kizuna.EUNAUTHORIZED, "401 from the server")
	svc.Pull(context.Background(), c)
	svc.Pull(context.Background(), c)
	if st := mustState(t, svc, "p"); st.Failures != 2 || st.LastError != "401 from the server" {
		t.Errorf("after two failures: %+v", st)
	}
	remote.fail = nil
	svc.Pull(context.Background(), c)
	if st := mustState(t, svc, "p"); st.Failures != 0 || st.LastError != "" {
		t.Errorf("after a success: %+v", st)
	}
	if len(*audits) != 5 {
		t.Errorf("%d audit entries, want one per pull (5): %v", len(*audits), *audits)
	}
}

// An ingest failure stops the pull before the cursor passes the page.
func TestServiceCursorStopsAtAFailedPage(t *testing.T) {
	t0 := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	remote := &fakeRemote{}
	for i := 0; i < 30; i++ {
		remote.added = append(remote.added, t0.Add(time.Duration(i)*time.Second))
	}
	c := source.Config{Name: "p", PageSize: 10}
	svc, _, _ := newService(t, remote, []source.Config{c})
	pages := 0
	svc.Ingest = func(ctx context.Context, c source.Config, objs []json.RawMessage) (source.Stored, error) {
		if pages++; pages == 2 {
			return source.Stored{}, errors.New("store full")
		}
		return source.Stored{New: len(objs)}, nil
	}
	if _, err := svc.Pull(context.Background(), c); err == nil {
		t.Fatal("a failed page did not fail the pull")
	}
	cur := mustState(t, svc, "p").Cursor
	if !cur.Before(remote.added[10]) || cur.IsZero() {
		t.Errorf("cursor %v after the first page stored and the second failed; want within the first page", cur)
	}
}

// Run pulls the sources it finds and stops at cancellation.
func TestServiceRun(t *testing.T) {
	remote := &fakeRemote{added: []time.Time{time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)}}
	c := source.Config{Name: "p"}
	svc, stored, _ := newService(t, remote, []source.Config{c})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { svc.Run(ctx); close(done) }()
	for i := 0; i < 200 && mustState(t, svc, "p").LastSuccess.IsZero(); i++ {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	if len(*stored) != 1 {
		t.Errorf("Run stored %d objects, want 1", len(*stored))
	}
}

// mustState returns a source's state.
func mustState(tb testing.TB, svc *source.Service, name string) source.State {
	tb.Helper()
	st, err := svc.State.Get(context.Background(), name)
	if err != nil {
		tb.Fatal(err)
	}
	return st
}
