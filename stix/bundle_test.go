package stix

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestValidateBundle(t *testing.T) {
	warns, errs := Validate(MustReadFile(t, filepath.Join("bundle", "mixed.json")))
	if len(warns) != 0 {
		t.Errorf("warnings: %v", warns)
	}
	if len(errs) != 1 || errs[0].ID != "indicator--26ffb872-1dd9-446e-b6f5-d58527e5b5d2" || errs[0].Path != "$.valid_until" {
		t.Errorf("errors = %v, want one for the second indicator's $.valid_until", errs)
	}
	tests := []struct{ name, in, id, path, msg string }{
		{"bad id", `{"type":"bundle","id":"bundle--1"}`, "bundle--1", "$.id", "not an RFC 4122 UUID"},
		{"id of another type", `{"type":"bundle","id":"report--5d0092c5-5f74-4287-9642-33f4c354e56d"}`, "", "$.id", `must be "bundle"`},
		{"missing id", `{"type":"bundle","objects":[]}`, "", "$.id", "is required"},
		{"objects not a list", `{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":{}}`, "", "$.objects", "must be a list"},
		{"object not an object", `{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[3]}`, "", "$.objects[0]", "must be a JSON object"},
		{"nested bundle", `{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56e"}]}`, "", "$.objects[0]", "must not contain a bundle"},
		{"object without id", `{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[{"type":"url","value":"x"}]}`, "object at index 0", "$.id", "is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errs := Validate([]byte(tt.in))
			for _, p := range errs {
				if p.Path == tt.path && strings.Contains(p.Message, tt.msg) && (tt.id == "" || p.ID == tt.id) {
					return
				}
			}
			t.Errorf("no error %s %q; got %v", tt.path, tt.msg, errs)
		})
	}
	warns, errs = Validate([]byte(`{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","spec_version":"2.0","objects":[]}`))
	if len(warns) != 1 || warns[0].Path != "$.spec_version" {
		t.Errorf("warnings = %v, want one for $.spec_version", warns)
	}
	_ = errs
}
