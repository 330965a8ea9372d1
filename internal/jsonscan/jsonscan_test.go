package jsonscan

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestSkeleton(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"type":"bundle","objects":[{"a":[1,2,{"b":"c"}]},{}],"id":"bundle--x"}`, `{"type":"bundle","objects":[],"id":"bundle--x"}`},
		{` [ {"a": 1}, 2, "three" ] `, `[]`},
		{`{"id" : "x" , "objects" : 5}`, `{"id" :"x","objects" :5}`},
		{`{"a:" :1,"objects":[2]}`, `{"a:" :1,"objects":[]}`},
		{`{"ob\u006aects":[1]}`, `{"ob\u006aects":[]}`},
		{`{"x":{"objects":[1]}}`, `{"x":{"objects":[1]}}`},
		{`"s"`, `"s"`},
		{"-0.5e+10\n", `-0.5e+10`},
		{`{}`, `{}`},
		{"{\"k\":\"\xff\xfe\"}", "{\"k\":\"\xff\xfe\"}"}, // invalid UTF-8 is accepted, as by encoding/json
	} {
		got, err := Skeleton(iotest.OneByteReader(strings.NewReader(tc.in)), "objects")
		if err != nil || string(got) != tc.want {
			t.Errorf("Skeleton(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{``, ` `, `{`, `{"objects":[1,]}`, `[1 2]`, `{"a":1}x`, `{"a":1} {}`, `01`, `[-]`, `1.`, `1e`,
		`"\x"`, `"\u12g4"`, "\"a\tb\"", `tru`, `{"a"}`, `{1:2}`, `[`, `{"objects":[{"a":1}],"id":"x"`, `nul`,
		strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1)} {
		var se *SyntaxError
		if _, err := Skeleton(strings.NewReader(in), "objects"); !errors.As(err, &se) {
			t.Errorf("Skeleton(%.40q): %v, want a syntax error", in, err)
		}
	}
	deep := strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth)
	if _, err := Skeleton(strings.NewReader(deep), "objects"); err != nil {
		t.Errorf("nesting at the limit: %v", err)
	}
	if _, err := Skeleton(iotest.ErrReader(io.ErrClosedPipe), "objects"); !errors.Is(err, io.ErrClosedPipe) {
		t.Errorf("read error: %v", err)
	}
}

// FuzzSkeleton checks Skeleton against encoding/json: it accepts exactly
// what json.Valid accepts, and its skeleton is valid JSON.
func FuzzSkeleton(f *testing.F) {
	for _, s := range []string{`{"type":"bundle","objects":[{"a":1}],"id":"b"}`, `[1,"2",{"3":[true,false,null]}]`,
		`{"objects":[1e5,-0.1,"\u00e9\n"]} `, `{"a":1}x`, "\"\xff\"", `{"objects":{}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sk, err := Skeleton(iotest.HalfReader(bytes.NewReader(data)), "objects")
		valid := json.Valid(data)
		if (err == nil) != valid {
			t.Fatalf("Skeleton(%q): %v; json.Valid %t", data, err, valid)
		}
		if err == nil && !json.Valid(sk) {
			t.Fatalf("Skeleton(%q) = %q, not JSON", data, sk)
		}
	})
}
