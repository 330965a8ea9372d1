package stix

import (
	"path/filepath"
	"testing"
)

// TestValidExamples parses one valid example of every STIX 2.1 type, and
// expects no error and no warning.
func TestValidExamples(t *testing.T) {
	for _, typ := range validTypes(t) {
		t.Run(typ, func(t *testing.T) {
			raw := MustReadFile(t, filepath.Join("valid", typ+".json"))
			warns, errs := Validate(raw)
			for _, p := range errs {
				t.Errorf("error: %s", p)
			}
			for _, p := range warns {
				t.Errorf("warning: %s", p)
			}
			obj, err := Parse(raw)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if obj.Type != typ {
				t.Errorf("Type = %q, want %q", obj.Type, typ)
			}
		})
	}
}
