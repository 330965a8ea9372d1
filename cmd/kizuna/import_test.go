package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna/node"
	"github.com/kizuna-dev/kizuna/store/sqlite"
)

// importIndicators returns n valid indicators as JSON, comma-separated.
func importIndicators(n int, seed int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, `{"type":"indicator","spec_version":"2.1","id":"indicator--%08x-4a0e-4c55-9d3e-%012x","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","pattern":"[domain-name:value = 'd%d.example']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z","object_marking_refs":["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]}`,
			seed, i, i)
	}
	return b.String()
}

// storedObjects counts the versions in the default collection.
func storedObjects(t *testing.T, data string) int {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(data, node.SQLiteFile))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	return countObjects(t, db, 1_000_000)
}

// TestImportIsAllOrNothing imports files whose JSON or bundle envelope is
// invalid only after their objects, from a file and from standard input:
// nothing of them is stored, the summary says so and names the file and the
// byte offset, and the exit status is 1. A valid file given with them is
// imported, and the summary counts it.
func TestImportIsAllOrNothing(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	MustRunCLI(t, "init", "--data", data)
	base := storedObjects(t, data)
	objs := importIndicators(3, 1)
	many := importIndicators(12_000, 2) // more than two batches before the error
	for _, tc := range []struct{ name, in, want string }{
		{"no type", `{"id":"bundle--6a1d3f5e-2c4b-4d8e-9f0a-1b2c3d4e5f60","objects":[` + objs + `]}`, "the bundle has no type"},
		{"bad id after the objects", `{"type":"bundle","objects":[` + objs + `],"id":"bundle--x"}`, "bundle id"},
		{"no id", `{"type":"bundle","objects":[` + objs + `]}`, "the bundle has no id"},
		{"not a bundle after the objects", `{"objects":[` + objs + `],"type":"report","id":"bundle--6a1d3f5e-2c4b-4d8e-9f0a-1b2c3d4e5f60"}`, "must be a bundle"},
		{"trailing garbage", `{"type":"bundle","id":"bundle--6a1d3f5e-2c4b-4d8e-9f0a-1b2c3d4e5f60","objects":[` + objs + `]} trailing`, "byte offset"},
		{"a second value", `[` + objs + `] []`, "after the top-level value"},
		{"truncated", `[` + objs + `,{"type":"indicator"`, "unexpected end of input"},
		{"truncated after an object", `{"type":"bundle","id":"bundle--6a1d3f5e-2c4b-4d8e-9f0a-1b2c3d4e5f60","objects":[` + objs, "unexpected end of input"},
		{"an open brace", `{`, "unexpected end of input"},
		{"malformed object", `[` + objs + `,{"type":"indicator",}]`, "malformed JSON at byte offset"},
		{"many objects, then a bad id", `{"type":"bundle","objects":[` + many + `],"id":"bundle--nope"}`, "bundle id"},
	} {
		path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+".json")
		if err := os.WriteFile(path, []byte(tc.in), 0o600); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{{path}, {"-"}} {
			stdin := ""
			if args[0] == "-" {
				stdin = tc.in
			}
			out, errOut, err := runWithInput(t, stdin, append([]string{"import", "--data", data, "--collection", node.DefaultAlias, "--quiet"}, args...)...)
			var xe *exitError
			if !errors.As(err, &xe) || xe.code != 1 {
				t.Errorf("%s (%s): err %v, want exit status 1\n%s%s", tc.name, args[0], err, out, errOut)
			}
			if !strings.Contains(out, "0 accepted") || !strings.Contains(out, "not imported, nothing stored from it: "+args[0]+": ") || !strings.Contains(out, tc.want) {
				t.Errorf("%s (%s): summary %q, want it to say nothing was stored and %q", tc.name, args[0], out, tc.want)
			}
			if got := storedObjects(t, data); got != base {
				t.Fatalf("%s (%s): %d objects stored from an invalid file", tc.name, args[0], got-base)
			}
		}
	}
	// A valid file beside an invalid one is imported; the summary says what
	// was stored from each.
	good := filepath.Join(dir, "good.json")
	os.WriteFile(good, []byte(`{"type":"bundle","objects":[`+objs+`],"id":"bundle--6a1d3f5e-2c4b-4d8e-9f0a-1b2c3d4e5f60"}`), 0o600)
	bad := filepath.Join(dir, "no-type.json")
	out, _, err := runWithInput(t, "", "import", "--data", data, "--collection", node.DefaultAlias, "--quiet", bad, good)
	if err == nil || !strings.Contains(out, "3 accepted (3 new, 0 already present), 0 rejected") || !strings.Contains(out, bad+": invalid bundle") {
		t.Errorf("valid and invalid file: %v\n%s", err, out)
	}
	if got := storedObjects(t, data); got != base+3 {
		t.Errorf("after the valid file: %d objects stored, want 3", got-base)
	}
}

// TestImportNamesRejectedObjects checks that an object without an id is
// named by its index in the file, not in its batch.
func TestImportNamesRejectedObjects(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	MustRunCLI(t, "init", "--data", data)
	in := `[` + importIndicators(5001, 3) + `,{"type":"indicator","spec_version":"2.1"}]`
	out, errOut, _ := runWithInput(t, in, "import", "--data", data, "--collection", node.DefaultAlias, "--quiet", "-")
	if !strings.Contains(out, "5001 accepted") || !strings.Contains(errOut, "rejected: -: object at index 5001: ") {
		t.Errorf("summary %q\nstderr %q", out, errOut)
	}
}

// TestImportNamesAFileThatDoesNotOpen: the operator reads why a file was
// not imported ("open …: no such file or directory"), not "Internal error.".
func TestImportNamesAFileThatDoesNotOpen(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	MustRunCLI(t, "init", "--data", data)
	missing := filepath.Join(t.TempDir(), "missing.json")
	_, errOut, err := runWithInput(t, "", "import", "--data", data, "--collection", "default", missing)
	if err == nil {
		t.Fatal("import of a missing file succeeded")
	}
	if !strings.Contains(errOut+err.Error(), missing) || strings.Contains(errOut+err.Error(), "Internal error") {
		t.Fatalf("the error does not name the file: %q, %v", errOut, err)
	}
}
