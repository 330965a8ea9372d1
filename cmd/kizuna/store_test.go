package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna/node"
	"github.com/kizuna-dev/kizuna/node/nodetest"
)

// TestCommandsOnPostgres runs every command that opens a node against a
// PostgreSQL store named by KIZUNA_STORE and KIZUNA_KEY_FILE: what one
// instance's commands write, another data directory sees, and the data
// directories hold nothing of the node but the key file and the token
// written at initialisation.
func TestCommandsOnPostgres(t *testing.T) {
	dsn := nodetest.Postgres(t)
	keyFile := filepath.Join(t.TempDir(), "node.key")
	t.Setenv(storeEnv, dsn)
	t.Setenv(keyFileEnv, keyFile)
	a, b := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
	MustRunCLI(t, "init", "--data", a, "--nation", "JPN", "--sample")
	if _, err := os.Stat(keyFile); err != nil {
		t.Fatalf("init made no key file: %v", err)
	}
	if out, _, err := runWithInput(t, "", "init", "--data", b); err == nil || !strings.Contains(err.Error(), "already initialised") {
		t.Errorf("a second init of the same database: %v %s", err, out)
	}
	MustRunCLI(t, "org", "add", "--data", a, "--name", "Grid Operator", "--nation", "JPN")
	MustRunCLI(t, "principal", "add", "--data", a, "--name", "tanaka", "--org", "Grid Operator", "--clearance", "JPN:gokuhi", "--role", "reader")
	MustRunCLI(t, "collection", "add", "--data", b, "--title", "Energy", "--alias", "energy")
	MustRunCLI(t, "import", "--data", b, "--quiet", "--collection", "energy", filepath.Join("..", "..", "node", "sample", "sample-bundle.json"))
	key := MustRunCLI(t, "node", "key", "--data", b)
	if key != MustRunCLI(t, "node", "key", "--data", a) {
		t.Error("the two data directories name different nodes")
	}
	MustRunCLI(t, "peer", "add", "--data", b, "--name", "usa", "--url", "http://127.0.0.1:1/taxii2/api/", "--plain",
		"--nation", "USA", "--org", "identity--a7b1650a-780d-45b6-9cbc-28e42debef71")
	MustRunCLI(t, "peer", "set-token", "--data", a, "--name", "usa", "--token", "t0ken")
	MustRunCLI(t, "peer", "resend", "--data", a, "--name", "usa")
	if out := MustRunCLI(t, "peer", "list", "--data", a); !strings.Contains(out, "usa") {
		t.Errorf("peer list from another data directory:\n%s", out)
	}
	if out := MustRunCLI(t, "principal", "list", "--data", b); !strings.Contains(out, "tanaka") {
		t.Errorf("principal list from another data directory:\n%s", out)
	}
	if out := MustRunCLI(t, "collection", "list", "--data", a); !strings.Contains(out, "energy") || !strings.Contains(out, "sample") {
		t.Errorf("collection list:\n%s", out)
	}
	export := MustRunCLI(t, "export", "--data", a, "--collection", "energy", "--principal", "tanaka")
	if !strings.Contains(export, `"type": "bundle"`) && !strings.Contains(export, `"type":"bundle"`) || !strings.Contains(export, "indicator--") {
		t.Errorf("export as tanaka: %.300s", export)
	}
	if out, _, err := runWithInput(t, "", "access", "explain", "--data", b, "--principal", "tanaka", "--object", "indicator--d14bb87e-b598-41d9-bb20-61467215a93a"); err != nil || !strings.Contains(out, "ALLOW") {
		t.Errorf("access explain: %v\n%s", err, out)
	}
	conf := MustRunCLI(t, "node", "classification", "--data", a)
	if !strings.Contains(conf, "equivalences") {
		t.Errorf("node classification:\n%.300s", conf)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"schemes": 5}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runWithInput(t, "", "node", "classification", "--data", b, "--set", bad); err == nil || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), "$.schemes") {
		t.Errorf("an invalid configuration: %v", err)
	}
	good := filepath.Join(t.TempDir(), "good.json")
	if err := os.WriteFile(good, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	MustRunCLI(t, "node", "classification", "--data", b, "--set", good)
	MustRunCLI(t, "peer", "remove", "--data", b, "--name", "usa")
	MustRunCLI(t, "principal", "revoke", "--data", b, "--name", "tanaka")
	if out := MustRunCLI(t, "audit", "verify", "--data", a); !strings.Contains(out, "hash chain intact") {
		t.Errorf("audit verify:\n%s", out)
	}
	for _, d := range []string{a, b} {
		entries, err := os.ReadDir(d)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if !slices.Contains([]string{node.AdminTokenFile}, e.Name()) {
				t.Errorf("%s holds %s", d, e.Name())
			}
		}
	}
}
