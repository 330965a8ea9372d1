// Package nodetest builds real nodes for tests: the store, the policy and
// its guard, ingest and, when served, every HTTP interface, wired by the
// node package exactly as 'kizuna serve' wires them.
package nodetest

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna/node"
)

// Options choose the node a test gets.
type Options struct {
	// Dir is the data directory (default: a new one under tb.TempDir()).
	// A directory already initialised is opened as it is.
	Dir string
	// Nation is the operator's nation at initialisation (default USA).
	Nation string
	// Store is "" for SQLite in Dir, or a postgres:// URL (see Postgres).
	Store string
	// KeyFile seals the keys of a node on PostgreSQL (default: a file in
	// Dir, made at initialisation).
	KeyFile string
	// Bare skips the bootstrap: the node has no directory or default
	// collection and no built-in objects, for tests that make their own.
	Bare bool
	// Sample loads the sample data set at the bootstrap, as
	// 'kizuna serve --sample' does.
	Sample bool
}

// New initialises (on first use) and opens a node, closed when the test
// ends.
func New(tb testing.TB, opt Options) *node.Node {
	tb.Helper()
	if opt.Dir == "" {
		opt.Dir = filepath.Join(tb.TempDir(), "data")
	}
	n, err := Open(opt)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := n.Close(); err != nil {
			tb.Error(err)
		}
	})
	return n
}

// Open initialises (on first use) and opens the node of opt.Dir, for
// tests that close and reopen it themselves.
func Open(opt Options) (*node.Node, error) {
	if opt.Dir == "" {
		return nil, errors.New("nodetest: Open needs a data directory")
	}
	if opt.Nation == "" {
		opt.Nation = "USA"
	}
	ctx := context.Background()
	opt.KeyFile = keyFileOf(opt)
	cfg := node.Config{Dir: opt.Dir, Store: opt.Store, KeyFile: opt.KeyFile, Logger: Logger()}
	if _, err := node.Init(ctx, cfg, node.InitOptions{Nation: opt.Nation}); err != nil {
		return nil, err
	}
	n, err := node.Open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if !opt.Bare && !n.Bootstrapped(ctx) {
		if err := n.Bootstrap(ctx, opt.Sample); err != nil {
			n.Close()
			return nil, err
		}
	}
	return n, nil
}

// Served is a node serving on a loopback port.
type Served struct {
	*node.Node
	// Base is the node's base URL, http://127.0.0.1:PORT.
	Base string
	// Admin is the token of the admin principal node.Init created ("" on
	// a further instance of a node on PostgreSQL, whose data directory
	// does not hold it).
	Admin string
	// KeyFile is the key file of a node on PostgreSQL.
	KeyFile string

	stop func()
}

// Stop shuts the node down and waits until Serve returns (the node is
// closed when the test ends).
func (s *Served) Stop() { s.stop() }

// Serve runs the node of opt (see New) on a free loopback port until the
// test ends, and waits until it answers /healthz. cfg.Listener is set
// here; zero limits take those of 'kizuna serve'.
func Serve(tb testing.TB, opt Options, cfg node.ServeConfig) *Served {
	tb.Helper()
	if opt.Dir == "" {
		opt.Dir = filepath.Join(tb.TempDir(), "data")
	}
	opt.KeyFile = keyFileOf(opt)
	n := New(tb, opt)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	cfg.Listener = ln
	if cfg.MaxContentLength == 0 {
		cfg.MaxContentLength = 10 << 20
	}
	if cfg.MaxPageSize == 0 {
		cfg.MaxPageSize = 1000
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Serve(ctx, cfg) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					tb.Errorf("Serve returned %v after shutdown", err)
				}
			case <-time.After(30 * time.Second):
				tb.Error("the node did not shut down within 30 s")
			}
		})
	}
	// Registered after New's: the node stops serving before it is closed.
	tb.Cleanup(stop)
	s := &Served{Node: n, Base: "http://" + ln.Addr().String(), KeyFile: opt.KeyFile, stop: stop}
	WaitHealthy(tb, s.Base)
	tok, err := os.ReadFile(filepath.Join(n.Dir, node.AdminTokenFile))
	if err != nil && !(opt.Store != "" && errors.Is(err, fs.ErrNotExist)) {
		tb.Fatal(err)
	}
	s.Admin = strings.TrimSpace(string(tok))
	return s
}

// Logger is the logger of test nodes: discarded, or text on stderr when
// KIZUNA_TEST_LOG is set.
func Logger() *slog.Logger {
	if os.Getenv("KIZUNA_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(slog.DiscardHandler)
}

// WaitHealthy waits until the node at base (http://HOST:PORT) answers
// /healthz with 200, and fails the test after 10 s.
func WaitHealthy(tb testing.TB, base string) {
	tb.Helper()
	for i := 0; ; i++ {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if i == 400 {
			tb.Fatalf("the node at %s did not become healthy: %v", base, err)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// keyFileOf returns the key file of a node on PostgreSQL: opt's, or one in
// its data directory.
func keyFileOf(opt Options) string {
	if opt.KeyFile == "" && opt.Store != "" {
		return filepath.Join(opt.Dir, "node.key")
	}
	return opt.KeyFile
}
