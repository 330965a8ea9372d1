package node_test

import (
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/federation"
	"github.com/kizuna-dev/kizuna/node"
	"github.com/kizuna-dev/kizuna/node/nodetest"
)

// TestStateOnEachStore: a node keeps its identity, keys, peers and
// cursors in its store's state, so that a second opening (another
// instance, on PostgreSQL) is the same node; on PostgreSQL the data
// directory holds none of it, and the private keys are sealed.
func TestStateOnEachStore(t *testing.T) {
	for name, store := range nodetest.Stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			dir := filepath.Join(t.TempDir(), "data")
			n := nodetest.New(t, nodetest.Options{Dir: dir, Store: store})
			keys, err := n.Keys(ctx)
			if err != nil {
				t.Fatal(err)
			}
			peers := &federation.Peers{Peers: []*federation.PeerConfig{{
				Name: "jpn", URL: "http://127.0.0.1:1/taxii2/api/", Plain: true, Nation: "JPN",
				Organization: "identity--" + kizuna.NewUUID(), MaxTLP: kizuna.TLPGreen,
			}}}
			if err := federation.SavePeers(ctx, n.State, peers); err != nil {
				t.Fatal(err)
			}
			cursors, err := federation.OpenCursors(ctx, n.State)
			if err != nil {
				t.Fatal(err)
			}
			if err := cursors.QueueDelete("jpn", "default", "indicator--"+kizuna.NewUUID()); err != nil {
				t.Fatal(err)
			}

			// A second instance: another data directory, the same store.
			cfg := node.Config{Dir: dir, Store: store, KeyFile: filepath.Join(dir, "node.key")}
			if store != "" {
				cfg.Dir = filepath.Join(t.TempDir(), "other")
			}
			m, err := node.Open(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			if *m.Identity != *n.Identity {
				t.Errorf("identity %+v, want %+v", m.Identity, n.Identity)
			}
			if !m.Bootstrapped(ctx) {
				t.Error("the second instance does not see the bootstrap")
			}
			mkeys, err := m.Keys(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if mkeys.PublicKey() != keys.PublicKey() || mkeys.CertSHA256 != keys.CertSHA256 {
				t.Error("the second instance has other keys")
			}
			if got, err := federation.LoadPeers(ctx, m.State); err != nil || got.Find("jpn") == nil {
				t.Errorf("peers %+v %v", got, err)
			}
			if c, err := federation.OpenCursors(ctx, m.State); err != nil || len(c.PendingDeletes("jpn", "default")) != 1 {
				t.Errorf("the deletion queue is not shared: %v", err)
			}
			if store == "" {
				return
			}
			// Nothing of the node but the instance's own files is in the
			// data directories.
			for _, d := range []string{dir, cfg.Dir} {
				entries, _ := os.ReadDir(d)
				for _, e := range entries {
					if !slices.Contains([]string{"node.key", node.AdminTokenFile}, e.Name()) {
						t.Errorf("%s holds %s", d, e.Name())
					}
				}
			}
			// The private keys and the peers' credentials are sealed in the
			// database, and do not open under another key file.
			raw := m.Store.(kizuna.StateStore)
			for doc, clear := range map[string]string{federation.SigningKeyFile: "PRIVATE KEY", federation.TLSKeyFile: "PRIVATE KEY", federation.PeersFile: "jpn"} {
				b, err := raw.ReadState(ctx, doc)
				if err != nil || strings.Contains(string(b), clear) {
					t.Errorf("%s is stored in the clear (%v)", doc, err)
				}
			}
			other := cfg
			other.KeyFile = filepath.Join(t.TempDir(), "other.key")
			if _, err := node.Init(ctx, other, node.InitOptions{}); err == nil {
				t.Error("Init made a new key file for an initialised node")
			}
			key := make([]byte, 32)
			for i := range key {
				key[i] = byte(i)
			}
			if err := os.WriteFile(other.KeyFile, []byte(base64.StdEncoding.EncodeToString(key)), 0o600); err != nil {
				t.Fatal(err)
			}
			o, err := node.Open(ctx, other)
			if err != nil {
				t.Fatal(err)
			}
			defer o.Close()
			if _, err := o.Keys(ctx); err == nil || !strings.Contains(err.Error(), "key file") {
				t.Errorf("keys opened under another key file: %v", err)
			}
			if _, err := o.Peers(ctx); err == nil || !strings.Contains(err.Error(), "key file") {
				t.Errorf("peers opened under another key file: %v", err)
			}
		})
	}
}

// TestPostgresNeedsKeyFile: a node on PostgreSQL does not open without a
// key file, and a bad --store is refused without echoing a password.
func TestPostgresNeedsKeyFile(t *testing.T) {
	ctx := context.Background()
	_, err := node.Open(ctx, node.Config{Dir: t.TempDir(), Store: "postgres://u:secret@127.0.0.1:1/db"})
	if err == nil || !strings.Contains(err.Error(), "--key-file") {
		t.Errorf("open without a key file: %v", err)
	}
	_, err = node.Open(ctx, node.Config{Dir: t.TempDir(), Store: "mysql://u:secret@host/db"})
	if err == nil || strings.Contains(err.Error(), "secret") || !strings.Contains(err.Error(), "--store") {
		t.Errorf("open with an unknown store: %v", err)
	}
}

// TestOpenCreatesNothing: opening a directory that holds no node fails,
// saying how to initialise one, and leaves nothing behind.
func TestOpenCreatesNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "typo")
	_, err := node.Open(context.Background(), node.Config{Dir: dir})
	if err == nil || !strings.Contains(err.Error(), "not an initialised kizuna data directory") {
		t.Errorf("open: %v", err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the directory was created: %v", err)
	}
}
