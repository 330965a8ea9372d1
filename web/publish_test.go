package web

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestSplitObjects(t *testing.T) {
	obj := `{"type":"indicator","id":"indicator--1"}`
	for _, tc := range []struct {
		in    string
		n     int
		error string
	}{
		{obj, 1, ""},
		{"[" + obj + "," + obj + "]", 2, ""},
		{`{"type":"bundle","id":"bundle--1","objects":[` + obj + `]}`, 1, ""},
		{`{"objects":[` + obj + `,` + obj + `]}`, 2, ""},
		{"\ufeff " + obj, 1, ""},
		{"", 0, "$: nothing to publish"},
		{"42", 0, "$: not a JSON object or array"},
		{`[` + obj + `, 3]`, 0, "$[1]: not a JSON object"},
		{`{"objects":[` + obj + `],"OBJECTS":[]}`, 0, `member "OBJECTS" given twice`},
		{`{"type":"bundle","objects":{}}`, 0, "$.objects: not an array"},
		{`{"type":"bundle","objects":[]} {}`, 0, "data after the top-level object"},
		{`{"type":"bundle","objects":[`, 0, "$"},
	} {
		got, err := splitObjects([]byte(tc.in))
		if tc.error != "" {
			if err == nil || !strings.Contains(err.Error(), tc.error) {
				t.Errorf("%q: error %v, want one saying %q", tc.in, err, tc.error)
			}
			continue
		}
		if err != nil || len(got) != tc.n {
			t.Errorf("%q: %d objects, %v; want %d", tc.in, len(got), err, tc.n)
		}
	}
}

// FuzzSplitObjects: whatever the form receives, splitObjects returns
// JSON objects or an error naming where, and never panics.
func FuzzSplitObjects(f *testing.F) {
	for _, s := range []string{`{"type":"bundle","objects":[{"a":1}]}`, `[{"a":1},{}]`, `{"objects":[],"Objects":[]}`, `{"type":"x"}`, `[`, `{"objects":[1]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		objs, err := splitObjects(data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "$") {
				t.Fatalf("error %q does not start with its JSON path", err)
			}
			return
		}
		for i, o := range objs {
			var m map[string]json.RawMessage
			if json.Unmarshal(o, &m) != nil && json.Valid(data) {
				t.Fatalf("object %d of valid input is not a JSON object: %s", i, o)
			}
		}
	})
}
