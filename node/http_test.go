package node_test

import (
	"context"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna/node"
	"github.com/kizuna-dev/kizuna/node/nodetest"
)

// leasedWork records which instances run a background job and how many at
// once.
type leasedWork struct {
	mu      sync.Mutex
	running map[string]bool
	most    int
	runs    map[string]int
}

func (l *leasedWork) job(instance string) func(context.Context) {
	return func(ctx context.Context) {
		l.mu.Lock()
		l.running[instance] = true
		l.runs[instance]++
		l.most = max(l.most, len(l.running))
		l.mu.Unlock()
		<-ctx.Done()
		l.mu.Lock()
		delete(l.running, instance)
		l.mu.Unlock()
	}
}

// holders returns the instances running the job.
func (l *leasedWork) holders() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var h []string
	for i := range l.running {
		h = append(h, i)
	}
	return h
}

// TestRouterGo: a mount's background work runs while the node serves and
// has returned when Serve returns (before the store is closed); its route
// is served behind the node's authentication.
func TestRouterGo(t *testing.T) {
	work := &leasedWork{running: map[string]bool{}, runs: map[string]int{}}
	mount := func(n *node.Node, r *node.Router) error {
		r.Go("test work", work.job("leased"))
		r.Go("", work.job("every instance"))
		r.Mux.Handle("GET /api/v1/test-mount", r.Protect(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusNoContent)
		})))
		return nil
	}
	s := nodetest.Serve(t, nodetest.Options{}, node.ServeConfig{Mounts: []node.Mount{mount}})
	for deadline := time.Now().Add(10 * time.Second); len(work.holders()) != 2; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("running %v, want both jobs", work.holders())
		}
	}
	for _, c := range []struct {
		token string
		want  int
	}{{"", http.StatusUnauthorized}, {s.Admin, http.StatusNoContent}} {
		req, _ := http.NewRequest(http.MethodGet, s.Base+"/api/v1/test-mount", nil)
		if c.token != "" {
			req.Header.Set("Authorization", "Bearer "+c.token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("the mounted route with token %t: %d, want %d", c.token != "", resp.StatusCode, c.want)
		}
	}
	s.Stop()
	if h := work.holders(); len(h) != 0 {
		t.Errorf("%v still running after Serve returned", h)
	}
}

// TestRouterGoLease: among instances sharing a PostgreSQL store, one at a
// time runs a job under a lease; when it stops, another takes the lease
// and runs the job.
func TestRouterGoLease(t *testing.T) {
	dsn := nodetest.Postgres(t)
	root := t.TempDir()
	work := &leasedWork{running: map[string]bool{}, runs: map[string]int{}}
	instances := map[string]*nodetest.Served{}
	for _, name := range []string{"one", "two"} {
		mount := func(n *node.Node, r *node.Router) error {
			r.Go("test work", work.job(name))
			return nil
		}
		instances[name] = nodetest.Serve(t, nodetest.Options{Dir: filepath.Join(root, name), Store: dsn, KeyFile: filepath.Join(root, "node.key")},
			node.ServeConfig{Mounts: []node.Mount{mount}})
	}
	wait := func(what string, cond func([]string) bool) []string {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			h := work.holders()
			if cond(h) {
				return h
			}
			if time.Now().After(deadline) {
				t.Fatalf("not within 10 s: %s (running on %v)", what, h)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	first := wait("one instance runs the job", func(h []string) bool { return len(h) == 1 })[0]
	time.Sleep(2 * time.Second) // the other keeps trying the lease meanwhile
	if h := work.holders(); len(h) != 1 || h[0] != first {
		t.Fatalf("running on %v, want %s alone", h, first)
	}
	instances[first].Stop()
	other := map[string]string{"one": "two", "two": "one"}[first]
	wait("the other instance takes the lease", func(h []string) bool { return len(h) == 1 && h[0] == other })
	work.mu.Lock()
	defer work.mu.Unlock()
	if work.most != 1 {
		t.Errorf("%d instances ran the job at once, want 1", work.most)
	}
}
