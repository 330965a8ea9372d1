package node_test

import (
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
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

// serveInstance serves a node with a mount, and returns its base URL and
// the function that stops it and waits until Serve returns.
func serveInstance(t *testing.T, opt nodetest.Options, mount node.Mount) (base string, stop func()) {
	t.Helper()
	n := nodetest.New(t, opt)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- n.Serve(ctx, node.ServeConfig{Listener: ln, MaxContentLength: 1 << 20, MaxPageSize: 100, Mounts: []node.Mount{mount}})
	}()
	base = "http://" + ln.Addr().String()
	nodetest.WaitHealthy(t, base)
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Serve returned %v after shutdown", err)
				}
			case <-time.After(30 * time.Second):
				t.Error("the node did not shut down within 30 s")
			}
		})
	}
	t.Cleanup(stop)
	return base, stop
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
	opt := nodetest.Options{Dir: filepath.Join(t.TempDir(), "data")}
	base, stop := serveInstance(t, opt, mount)
	for deadline := time.Now().Add(10 * time.Second); len(work.holders()) != 2; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("running %v, want both jobs", work.holders())
		}
	}
	tok, err := os.ReadFile(filepath.Join(opt.Dir, node.AdminTokenFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		token string
		want  int
	}{{"", http.StatusUnauthorized}, {strings.TrimSpace(string(tok)), http.StatusNoContent}} {
		req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/test-mount", nil)
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
	stop()
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
	stops := map[string]func(){}
	for _, name := range []string{"one", "two"} {
		mount := func(n *node.Node, r *node.Router) error {
			r.Go("test work", work.job(name))
			return nil
		}
		_, stops[name] = serveInstance(t, nodetest.Options{Dir: filepath.Join(root, name), Store: dsn, KeyFile: filepath.Join(root, "node.key")}, mount)
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
	stops[first]()
	other := map[string]string{"one": "two", "two": "one"}[first]
	wait("the other instance takes the lease", func(h []string) bool { return len(h) == 1 && h[0] == other })
	work.mu.Lock()
	defer work.mu.Unlock()
	if work.most != 1 {
		t.Errorf("%d instances ran the job at once, want 1", work.most)
	}
}
