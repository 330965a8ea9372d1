package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/node"
)

// bundleObjects returns the objects of a bundle as the exact bytes it
// holds them in.
func bundleObjects(t *testing.T, b []byte) []json.RawMessage {
	t.Helper()
	var bundle struct {
		Objects []json.RawMessage `json:"objects"`
	}
	if err := json.Unmarshal(b, &bundle); err != nil {
		t.Fatalf("not a bundle: %v", err)
	}
	return bundle.Objects
}

// rawSet counts the objects of a list by their exact bytes.
func rawSet(objs []json.RawMessage) map[string]int {
	out := map[string]int{}
	for _, o := range objs {
		out[string(o)]++
	}
	return out
}

// MustMetaFirst fails unless every meta object a bundle's object references
// and the bundle carries comes before it, and every version appears once.
func MustMetaFirst(t *testing.T, objs []json.RawMessage) {
	t.Helper()
	pos := map[string]int{}
	for i, raw := range objs {
		var h struct{ ID, Modified string }
		json.Unmarshal(raw, &h)
		if _, dup := pos[h.ID+"@"+h.Modified]; dup {
			t.Errorf("%s version %q appears twice", h.ID, h.Modified)
		}
		pos[h.ID+"@"+h.Modified] = i
		if _, ok := pos[h.ID]; !ok {
			pos[h.ID] = i
		}
	}
	for i, raw := range objs {
		refs, err := kizuna.ParseMetaRefs(raw)
		if err != nil {
			t.Fatal(err)
		}
		var h struct{ ID, Type string }
		json.Unmarshal(raw, &h)
		for _, id := range refs.All() {
			j, ok := pos[id]
			// A marking-definition's creator may be marked with it: that
			// cycle puts the creator right after it.
			cycle := h.Type == "marking-definition" && id == refs.Creator
			if ok && j > i && !cycle {
				t.Errorf("%s (at %d) comes before %s (at %d), which it needs", h.ID, i, id, j)
			}
		}
	}
}

// TestExportRoundTrip: a collection imported with the node's default
// markings, its marking-definition and creator among the objects and an
// extension-definition in another collection, exports with everything a
// reader needs placed first, and the export imports into a fresh node
// object for object; the fresh node's export holds exactly the bytes
// received.
func TestExportRoundTrip(t *testing.T) {
	fixture, err := os.ReadFile(filepath.Join("testdata", "attack-like.json"))
	if err != nil {
		t.Fatal(err)
	}
	extension, err := os.ReadFile(filepath.Join("testdata", "attack-like-extension.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := rawSet(append(bundleObjects(t, fixture), bundleObjects(t, extension)...))
	root := t.TempDir()
	a := filepath.Join(root, "a")
	MustRunCLI(t, "init", "--data", a, "--nation", "USA")
	MustRunCLI(t, "collection", "add", "--data", a, "--title", "Definitions", "--alias", "defs")
	MustRunCLI(t, "import", "--data", a, "--collection", node.DefaultAlias, filepath.Join("testdata", "attack-like.json"))
	MustRunCLI(t, "import", "--data", a, "--collection", "defs", filepath.Join("testdata", "attack-like-extension.json"))

	for _, c := range []struct {
		name string
		args []string
	}{
		{"unrestricted", []string{"--unrestricted"}},
		{"admin", []string{"--principal", node.AdminName}},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := MustRunCLI(t, append([]string{"export", "--data", a, "--collection", node.DefaultAlias}, c.args...)...)
			objs := bundleObjects(t, []byte(out))
			MustMetaFirst(t, objs)
			for raw := range rawSet(objs) {
				if want[raw] == 0 {
					t.Errorf("exported an object that was not imported: %.120s", raw)
				}
			}
			if c.name == "unrestricted" && len(objs) != len(bundleObjects(t, fixture))+1 {
				t.Errorf("exported %d objects, want the %d imported and the extension-definition", len(objs), len(bundleObjects(t, fixture)))
			}
			path := filepath.Join(root, c.name+".json")
			if err := os.WriteFile(path, []byte(out), 0o600); err != nil {
				t.Fatal(err)
			}
			b := filepath.Join(root, c.name)
			MustRunCLI(t, "init", "--data", b, "--nation", "JPN")
			res := MustRunCLI(t, "import", "--data", b, "--collection", node.DefaultAlias, path)
			if !strings.Contains(res, " 0 rejected") {
				t.Fatalf("re-import: %s", res)
			}
			again := bundleObjects(t, []byte(MustRunCLI(t, "export", "--data", b, "--collection", node.DefaultAlias, "--unrestricted")))
			if got, sent := rawSet(again), rawSet(objs); !mapsEqual(got, sent) {
				t.Errorf("the fresh node holds %d objects, the export carried %d: not the same bytes", len(again), len(objs))
			}
		})
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestExportFlags: --unrestricted is the host operator's alone.
func TestExportFlags(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	MustRunCLI(t, "init", "--data", data)
	_, _, err := runWithInput(t, "", "export", "--data", data, "--collection", node.DefaultAlias, "--unrestricted", "--principal", node.AdminName)
	if err == nil || !strings.Contains(err.Error(), "exclude each other") {
		t.Errorf("--unrestricted with --principal: %v", err)
	}
	MustRunCLI(t, "export", "--data", data, "--collection", node.DefaultAlias, "--unrestricted")
	n := &fedNode{dir: data}
	if len(n.audit(t, "export.unrestricted")) != 1 {
		t.Errorf("the unrestricted export is not in the audit log")
	}
}
