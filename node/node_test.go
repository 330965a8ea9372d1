package node

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestInvalidMarkingAuthority: a node whose configuration gives a marking
// authority for a scheme it does not know refuses to open, and says which
// file and which entry.
func TestInvalidMarkingAuthority(t *testing.T) {
	ctx := context.Background()
	cfg := Config{Dir: filepath.Join(t.TempDir(), "data")}
	if _, err := Init(ctx, cfg, InitOptions{Nation: "USA"}); err != nil {
		t.Fatal(err)
	}
	if n, err := Open(ctx, cfg); err != nil {
		t.Fatal(err)
	} else {
		n.Close()
	}
	path := filepath.Join(cfg.Dir, PolicyFile)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	raw = bytes.Replace(raw, []byte(`"marking_authorities": []`), []byte(`"marking_authorities": [{"scheme": "NATO", "nations": ["USA"]}, {"scheme": "ATLANTIS", "nations": ["USA"]}]`), 1)
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	n, err := Open(ctx, cfg)
	if err == nil {
		n.Close()
	}
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), `$.marking_authorities[1].scheme: unknown scheme "ATLANTIS"`) {
		t.Errorf("opening the node: %v, want an error naming %s and the entry", err, path)
	}
}
