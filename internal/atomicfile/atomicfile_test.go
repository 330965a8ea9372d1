package atomicfile

import (
	"os"
	"path/filepath"
	"testing"
)

// A file being written leaves the old content in place until Commit;
// Abort leaves it untouched and nothing behind; the result is 0600.
func TestReplaceWhole(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "rules")
	if err := os.WriteFile(path, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("new\n")
	if b, _ := os.ReadFile(path); string(b) != "old\n" {
		t.Errorf("before Commit the path holds %q", b)
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	f.Abort() // a no-op after Commit
	st, err := os.Stat(path)
	if b, _ := os.ReadFile(path); string(b) != "new\n" || err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("after Commit: %q, mode %v, %v", b, st.Mode().Perm(), err)
	}
	g, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	g.WriteString("half")
	g.Abort()
	if b, _ := os.ReadFile(path); string(b) != "new\n" {
		t.Errorf("after Abort: %q", b)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("left behind: %v", entries)
	}
	if err := g.Commit(); err == nil {
		t.Error("Commit after Abort succeeded")
	}
}
