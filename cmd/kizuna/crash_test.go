package main

import (
	"context"
	"database/sql"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/node"
	"github.com/kizuna-dev/kizuna/stix"
	"github.com/kizuna-dev/kizuna/store/sqlite"
)

// TestImportSurvivesKill kills an import process (SIGKILL) in the middle of a
// large bundle, then shows that the store opens, holds every committed object
// whole and no partial one, and that importing again completes the set with
// no duplicate.
func TestImportSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	const n = 40_000
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	MustRunCLI(t, "init", "--data", data, "--nation", "USA")

	bundle := filepath.Join(dir, "bundle.json")
	f, err := os.Create(bundle)
	if err != nil {
		t.Fatal(err)
	}
	if err := writeSyntheticBundle(f, n, 7); err != nil {
		t.Fatal(err)
	}
	f.Close()

	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self, "import", "--data", data, "--collection", node.DefaultAlias, "--quiet", bundle)
	cmd.Env = append(os.Environ(), "KIZUNA_TEST_MAIN=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(data, node.SQLiteFile))
	if err != nil {
		t.Fatal(err)
	}
	// Wait until some batches are committed, then kill the importer.
	deadline := time.Now().Add(2 * time.Minute)
	for countObjects(t, db, 3000) < 3000 {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("the import committed nothing in two minutes")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	db.Close()

	// The store opens after the crash; its pages are intact.
	db, err = sqlite.Open(ctx, filepath.Join(data, node.SQLiteFile))
	if err != nil {
		t.Fatalf("store does not open after kill -9: %v", err)
	}
	checkIntegrity(t, filepath.Join(data, node.SQLiteFile))
	committed := verifyEveryObject(t, db)
	db.Close()
	if committed == 0 || committed >= n {
		t.Fatalf("kill landed outside the import: %d of %d objects committed", committed, n)
	}
	t.Logf("%d of %d objects were committed before the kill", committed, n)

	// Importing again completes the set: the committed ones are no-ops.
	out := MustRunCLI(t, "import", "--data", data, "--collection", node.DefaultAlias, "--quiet", bundle)
	if !strings.Contains(out, "accepted") {
		t.Fatalf("unexpected import summary: %q", out)
	}
	db, err = sqlite.Open(ctx, filepath.Join(data, node.SQLiteFile))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := verifyEveryObject(t, db); got != n {
		t.Fatalf("after re-import: %d objects, want exactly %d", got, n)
	}
}

// countObjects counts up to limit objects in the default collection.
func countObjects(t *testing.T, db *sqlite.DB, limit int) int {
	t.Helper()
	page, err := db.FindObjects(context.Background(), kizuna.ObjectFilter{
		Collection: node.DefaultAlias, Versions: kizuna.VersionMatch{All: true},
		Access: kizuna.AccessScope{Unrestricted: true}, Limit: limit,
	})
	if err != nil {
		return 0 // the importer may hold the write lock for a moment
	}
	return len(page.Objects)
}

// verifyEveryObject pages through the default collection and checks that
// every stored version is whole: it parses, its hash matches its JSON, it
// has a label, and no (id, version) appears twice. It returns the count.
func verifyEveryObject(t *testing.T, db *sqlite.DB) int {
	t.Helper()
	seen := map[string]bool{}
	filter := kizuna.ObjectFilter{
		Collection: node.DefaultAlias, Versions: kizuna.VersionMatch{All: true},
		Access: kizuna.AccessScope{Unrestricted: true}, IncludeRaw: true, Limit: 5000,
	}
	for {
		page, err := db.FindObjects(context.Background(), filter)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Objects {
			parsed, err := stix.Parse(o.Raw)
			if err != nil {
				t.Fatalf("stored object %s does not parse: %v", o.ID, err)
			}
			if parsed.Hash != o.Hash {
				t.Fatalf("stored object %s: hash %s does not match its JSON (%s)", o.ID, o.Hash, parsed.Hash)
			}
			if o.LabelID == 0 {
				t.Fatalf("stored object %s has no access label", o.ID)
			}
			key := o.ID + "@" + o.Version.String()
			if seen[key] {
				t.Fatalf("object version %s stored twice", key)
			}
			seen[key] = true
		}
		if !page.More {
			return len(seen)
		}
		filter.Next = page.Next
	}
}

// checkIntegrity runs SQLite's own consistency check on the database file.
func checkIntegrity(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var res string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&res); err != nil {
		t.Fatal(err)
	}
	if res != "ok" {
		t.Fatalf("integrity_check after kill -9: %s", res)
	}
}
