package stream_test

import (
	"context"
	"net"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/node"
	"github.com/kizuna-dev/kizuna/node/nodetest"
	"github.com/kizuna-dev/kizuna/policy"
	"github.com/kizuna-dev/kizuna/stream"
)

// TestStreamResumesAfterRestart: a client that reconnects with the last
// id it got, to the same node after a restart, receives the versions
// stored while it was away, each once, then the new ones as they come.
func TestStreamResumesAfterRestart(t *testing.T) {
	for name, store := range nodetest.Stores(t) {
		t.Run(name, func(t *testing.T) {
			opt := nodetest.Options{Dir: filepath.Join(t.TempDir(), "data"), Store: store}
			if store != "" {
				opt.KeyFile = filepath.Join(t.TempDir(), "node.key")
			}
			n, base, stop := serveOwn(t, opt)
			coll := collection(t, n)
			tok := principal(t, n, &kizuna.Principal{Name: "reader", Nation: "USA"})
			hidden := newID("marking-definition")
			ingestAll(t, n, node.DirectoryAlias, classification(hidden, map[string]any{"scheme": "USA", "level": "SECRET"}))
			q := "collection=" + coll

			l := listen(t, base, tok, q, "")
			before := storeSome(t, n, coll, hidden, 3)
			var lastID string
			for _, id := range before {
				m, ev := l.next(t)
				if ev.ID != id {
					t.Fatalf("got %s, want %s", ev.ID, id)
				}
				lastID = m.ID
			}
			l.close()
			// A stream open when the node shuts down ends, and does not
			// hold the shutdown up.
			open := listen(t, base, tok, q, "")
			stop()
			select {
			case <-open.done:
			case <-time.After(waitEvent):
				t.Fatal("a stream stayed open after the node shut down")
			}
			missed := storeSome(t, n, coll, hidden, 4) // while the node is down
			n.Close()

			n, base, _ = serveOwn(t, opt)
			l = listen(t, base, tok, q, lastID)
			for _, id := range missed {
				if _, ev := l.next(t); ev.ID != id {
					t.Fatalf("after the restart: got %s, want %s", ev.ID, id)
				}
			}
			live := storeSome(t, n, coll, hidden, 2)
			for _, id := range live {
				if _, ev := l.next(t); ev.ID != id {
					t.Fatalf("live after the restart: got %s, want %s", ev.ID, id)
				}
			}
		})
	}
}

// TestStreamResumesOnAnotherInstance: on a shared PostgreSQL store, a
// client that reconnects to another instance with the last id it got
// receives what any instance stored while it was away, each once, then
// what any instance stores.
func TestStreamResumesOnAnotherInstance(t *testing.T) {
	dsn := nodetest.Postgres(t)
	root := t.TempDir()
	instance := func(name string) *nodetest.Served {
		return serve(t, nodetest.Options{Dir: filepath.Join(root, name), Store: dsn, KeyFile: filepath.Join(root, "node.key")}, stream.Options{})
	}
	a, b := instance("a"), instance("b")
	coll := collection(t, a.Node)
	tok := principal(t, a.Node, &kizuna.Principal{Name: "reader", Nation: "USA"})
	hidden := newID("marking-definition")
	ingestAll(t, a.Node, node.DirectoryAlias, classification(hidden, map[string]any{"scheme": "USA", "level": "SECRET"}))
	q := "collection=" + coll

	l := listen(t, a.Base, tok, q, "")
	var lastID string
	for _, id := range storeSome(t, a.Node, coll, hidden, 3) {
		m, ev := l.next(t)
		if ev.ID != id {
			t.Fatalf("got %s, want %s", ev.ID, id)
		}
		lastID = m.ID
	}
	l.close()
	missed := append(storeSome(t, a.Node, coll, hidden, 2), storeSome(t, b.Node, coll, hidden, 2)...)

	l = listen(t, b.Base, tok, q, lastID)
	for _, id := range missed {
		if _, ev := l.next(t); ev.ID != id {
			t.Fatalf("on the other instance: got %s, want %s", ev.ID, id)
		}
	}
	// Stored through the first instance, streamed by the second.
	for _, id := range storeSome(t, a.Node, coll, hidden, 3) {
		if _, ev := l.next(t); ev.ID != id {
			t.Fatalf("live from the other instance: got %s, want %s", ev.ID, id)
		}
	}
}

// storeSome stores k versions the reader may read, each followed by one it
// may not, one by one, and returns the ids of the readable ones in order.
func storeSome(t *testing.T, n *node.Node, coll, hidden string, k int) []string {
	t.Helper()
	var ids []string
	at := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	for range k {
		id := newID("indicator")
		ingestAll(t, n, coll, indicator(id, at, []string{policy.TLP2Clear}, "", ""))
		ingestAll(t, n, coll, indicator(newID("indicator"), at, []string{hidden}, "", ""))
		ids = append(ids, id)
	}
	return slices.Clip(ids)
}

// serveOwn opens and serves a node with the stream mounted on a free port,
// for a test that stops it and opens it again: stop stops serving; the
// node is closed by the caller (or when the test ends).
func serveOwn(t *testing.T, opt nodetest.Options) (*node.Node, string, func()) {
	t.Helper()
	n, err := nodetest.Open(opt)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- n.Serve(ctx, node.ServeConfig{Listener: ln, MaxContentLength: 10 << 20, MaxPageSize: 1000,
			Mounts: []node.Mount{stream.Mount(stream.Options{})}})
	}()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	}
	t.Cleanup(func() { stop(); n.Close() })
	base := "http://" + ln.Addr().String()
	nodetest.WaitHealthy(t, base)
	return n, base, stop
}
