package stix

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna"
)

// MustDecodeAll reads every object of in, and the error that ended it.
func MustDecodeAll(tb testing.TB, in string) ([]string, error) {
	tb.Helper()
	d := NewDecoder(strings.NewReader(in))
	var out []string
	for {
		raw, err := d.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, string(raw))
		if len(out) > 1000 {
			tb.Fatal("decoder does not stop")
		}
	}
}

func TestDecoder(t *testing.T) {
	const bid = `"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d"`
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"bundle", `{"type":"bundle","id":` + bid + `,"objects":[{"a":1}, {"b":[2]} ]}`, []string{`{"a":1}`, `{"b":[2]}`}},
		{"bundle, objects first", ` {"objects":[{"a":1}],"id":` + bid + `,"type":"bundle","x_note":{"k":[1]}} `, []string{`{"a":1}`}},
		{"bundle without objects", `{"type":"bundle","id":` + bid + `}`, nil},
		{"bundle with empty objects", `{"type":"bundle","id":` + bid + `,"objects":[]}`, nil},
		{"list", "[{\"a\":1},\n{\"b\":2}]", []string{`{"a":1}`, `{"b":2}`}},
		{"empty list", `[]`, nil},
		{"bad objects are returned", `[3, "x", {"type":"bundle"}]`, []string{`3`, `"x"`, `{"type":"bundle"}`}},
		{"single object, exact bytes", "\n{ \"type\" : \"url\",\n  \"value\": \"x\" }\n", []string{"{ \"type\" : \"url\",\n  \"value\": \"x\" }"}},
		{"single object with an objects dictionary", `{"type":"observed-data","objects":{"0":{"type":"url"}},"id":"x"}`, []string{`{"type":"observed-data","objects":{"0":{"type":"url"}},"id":"x"}`}},
		{"single object without type", `{"id":"x"}`, []string{`{"id":"x"}`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := MustDecodeAll(t, tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDecoderErrors(t *testing.T) {
	const bid = `"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d"`
	tests := []struct {
		name, in, want string
		before         int // objects returned before the error
	}{
		{"empty", ``, "byte offset 0", 0},
		{"scalar", `42`, "must be a bundle, a list of objects or an object", 0},
		{"truncated", `{"type":"bundle","id":` + bid + `,"objects":[{"a":1},{"b":`, "unexpected end of input", 1},
		{"syntax", `[{"a":1},{"a" 2}]`, "malformed JSON at byte offset", 1},
		{"trailing data", `[{"a":1}] [2]`, "after the top-level value", 1},
		{"bundle with a bad id", `{"type":"bundle","id":"bundle--123","objects":[{"a":1}]}`, "bundle id", 0},
		{"bundle id of another type", `{"type":"bundle","id":"report--5d0092c5-5f74-4287-9642-33f4c354e56d"}`, `must start with "bundle--"`, 0},
		{"bundle without id", `{"type":"bundle","objects":[{"a":1}]}`, "the bundle has no id", 1},
		{"objects then wrong type", `{"objects":[{"a":1}],"type":"report","id":` + bid + `}`, "must be a bundle", 1},
		{"objects then no type", `{"objects":[{"a":1}],"id":` + bid + `}`, "the bundle has no type", 1},
		{"objects not a list", `{"type":"bundle","id":` + bid + `,"objects":{"a":1}}`, "must be a list", 0},
		{"duplicate type", `{"type":"bundle","type":"bundle","id":` + bid + `}`, "duplicate member", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := MustDecodeAll(t, tt.in)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want one containing %q", err, tt.want)
			}
			if kizuna.ErrorCode(err) != kizuna.EINVALID {
				t.Errorf("code = %s", kizuna.ErrorCode(err))
			}
			if len(got) != tt.before {
				t.Errorf("%d objects before the error, want %d", len(got), tt.before)
			}
		})
	}
	// The offset names where the syntax error is.
	_, err := MustDecodeAll(t, `[{"a":1},{"a" 2}]`)
	if !strings.Contains(err.Error(), "byte offset 13") {
		t.Errorf("error %v does not name byte offset 13", err)
	}
}

// TestDecoderBundleFile decodes a bundle file and parses each object.
func TestDecoderBundleFile(t *testing.T) {
	for _, name := range []string{"mixed.json", "objects-first.json"} {
		d := NewDecoder(bytes.NewReader(MustReadFile(t, filepath.Join("bundle", name))))
		good, bad := 0, 0
		for {
			raw, err := d.Next()
			if err == io.EOF {
				break
			} else if err != nil {
				t.Fatal(err)
			}
			if _, err := Parse(raw); err != nil {
				bad++
			} else {
				good++
			}
		}
		if name == "mixed.json" && (good != 3 || bad != 1) || name == "objects-first.json" && (good != 2 || bad != 0) {
			t.Errorf("%s: %d good, %d bad", name, good, bad)
		}
	}
}

// bundleStream generates a bundle of n indicators on the fly, so that the
// input never exists in memory as a whole.
type bundleStream struct {
	n, i int
	buf  bytes.Buffer
	done bool
}

func (s *bundleStream) Read(p []byte) (int, error) {
	for s.buf.Len() < len(p) && !s.done {
		switch {
		case s.i == 0:
			s.buf.WriteString(`{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[`)
		case s.i > s.n:
			s.buf.WriteString(`]}`)
			s.done = true
			continue
		}
		if s.i > 1 {
			s.buf.WriteByte(',')
		}
		if s.i >= 1 {
			fmt.Fprintf(&s.buf, `{"type":"indicator","spec_version":"2.1","id":"indicator--%08x-17d4-4cbf-938f-98ee46b3cd3f","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","pattern":"[ipv4-addr:value = '10.%d.%d.%d']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}`,
				s.i, s.i>>16&255, s.i>>8&255, s.i&255)
		}
		s.i++
	}
	if s.buf.Len() == 0 {
		return 0, io.EOF
	}
	return s.buf.Read(p)
}

// TestDecoderLargeStream streams a 100,000-object bundle (about 30 MB)
// from a generator and checks every object arrives, in order, and parses.
func TestDecoderLargeStream(t *testing.T) {
	const n = 100000
	d := NewDecoder(&bundleStream{n: n})
	count := 0
	for {
		raw, err := d.Next()
		if err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("after %d objects: %v", count, err)
		}
		count++
		if count%1000 == 0 {
			obj, err := Parse(raw)
			if err != nil {
				t.Fatal(err)
			}
			if want := fmt.Sprintf("indicator--%08x-17d4-4cbf-938f-98ee46b3cd3f", count); obj.ID != want {
				t.Fatalf("object %d is %s, want %s", count, obj.ID, want)
			}
		} else if !json.Valid(raw) {
			t.Fatalf("object %d is not JSON", count)
		}
	}
	if count != n {
		t.Errorf("decoded %d objects, want %d", count, n)
	}
}
