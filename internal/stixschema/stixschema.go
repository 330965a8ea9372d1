// Package stixschema checks, in tests, that objects kizuna encodes match
// the JSON Schemas its extension-definitions publish, and that docs/
// holds identical copies of the definitions.
package stixschema

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna/stix"
)

const python = "/usr/bin/python3"

// CheckDefinitions checks that every definition is a valid
// extension-definition with the expected id, carries a JSON Schema, and
// that docsDir holds an identical copy.
func CheckDefinitions(t *testing.T, defs map[string][]byte, want map[string]string, docsDir string) {
	t.Helper()
	if len(defs) != len(want) {
		t.Errorf("%d definitions, want %d", len(defs), len(want))
	}
	for name, id := range want {
		raw := defs[name]
		obj, err := stix.Parse(raw)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if obj.ID != id || obj.Type != "extension-definition" {
			t.Errorf("%s: id %s, want %s", name, obj.ID, id)
		}
		var d struct{ Schema string }
		if json.Unmarshal(raw, &d) != nil || !json.Valid([]byte(d.Schema)) {
			t.Errorf("%s: the schema property is not a JSON document", name)
		}
		docs, err := os.ReadFile(filepath.Join(docsDir, name))
		if err != nil || !bytes.Equal(docs, raw) {
			t.Errorf("docs/%s differs from the embedded definition (%v)", name, err)
		}
	}
}

// CheckSchema checks instance against the schema of definition def with
// Python's jsonschema (skipping when the machine lacks it), and that a
// copy with a malformed timestamp fails, so that the check can fail.
func CheckSchema(t *testing.T, def, instance []byte) {
	t.Helper()
	if exec.Command(python, "-c", "import jsonschema; jsonschema.Draft202012Validator").Run() != nil {
		t.Skip("python3 with jsonschema (Draft 2020-12) is not installed")
	}
	var d struct{ Schema string }
	json.Unmarshal(def, &d)
	script := `import json,sys,jsonschema
s=json.loads(sys.argv[1]); i=json.loads(sys.argv[2])
errs=[e.message+" at "+"/".join(map(str,e.absolute_path)) for e in jsonschema.Draft202012Validator(s).iter_errors(i)]
print("\n".join(errs)); sys.exit(1 if errs else 0)`
	out, err := exec.Command(python, "-c", script, d.Schema, string(instance)).CombinedOutput()
	if err != nil {
		t.Errorf("the object does not match its schema:\n%s\n%s", out, instance)
	}
	broken := strings.Replace(string(instance), `"created":"20`, `"created":"x20`, 1)
	if broken == string(instance) {
		t.Fatal("no created timestamp to break")
	}
	if exec.Command(python, "-c", script, d.Schema, broken).Run() == nil {
		t.Error("the schema accepts a malformed timestamp")
	}
}
