package jsonvalue

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

// reference decodes data as encoding/json does with UseNumber; ok is false
// when encoding/json rejects it.
func reference(data []byte) (v any, ok bool) {
	if !json.Valid(data) {
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	return v, true
}

// checkDecode fails when Decode disagrees with encoding/json on data.
func checkDecode(t *testing.T, data []byte) {
	t.Helper()
	want, ok := reference(data)
	got, err := Decode(data)
	if ok != (err == nil) {
		t.Fatalf("Decode(%q): error %v; encoding/json accepts it: %v", data, err, ok)
	}
	if !ok {
		var se *SyntaxError
		if !errors.As(err, &se) || se.Offset < 0 || se.Offset > int64(len(data)) || se.Line < 1 || se.Msg == "" {
			t.Fatalf("Decode(%q): error %#v, want a *SyntaxError inside the input", data, err)
		}
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Decode(%q) = %#v, want %#v", data, got, want)
	}
}

var decodeCases = []string{
	`null`, `true`, `false`, `0`, `-0`, `12`, `12.0`, `-1.5e+10`, `1E5`, `0.25e-3`,
	`""`, `"abc"`, `"a\"b\\c\/d\b\f\n\r\t"`, `"\u00e9\u65e5"`, `"\ud83d\ude00"`,
	`"\ud83d"`, `"\ude00"`, `"\ud83dx"`, `"\ud83d\u0041"`, `"\ud83d\ud83d\ude00"`,
	"\"caf\xc3\xa9\"", "\"bad \xff utf8\"", "\"\xed\xa0\x80\"", "\"\xf0\x9f\x98\"",
	`[]`, `{}`, `[1,"a",null,true,{"k":[]}]`, `{"a":1,"a":2}`, ` {"a" : [ 1 , 2 ] } `,
	`{"type":"bundle","objects":[{"id":"x","hashes":{"SHA-256":"00"}}]}`,
	// rejected
	``, ` `, `[`, `]`, `{`, `[1,]`, `[,1]`, `{"a":1,}`, `{"a"}`, `{"a":}`, `{a:1}`, `{"a" 1}`,
	`01`, `-`, `1.`, `.5`, `1e`, `1e+`, `+1`, `0x10`, `NaN`, `tru`, `nul`, `truex`, `[1 2]`,
	`"abc`, `"\x"`, `"\u12"`, `"\u12G4"`, "\"a\tb\"", "\"a\nb\"", `"\'"`, `[1] x`, `[1]]`, `{} {}`,
	"\"\\", `[1,2`, `{"a":1`, `{"a":[1,{"b":tru}]}`,
}

func TestDecodeMatchesEncodingJSON(t *testing.T) {
	for _, c := range decodeCases {
		checkDecode(t, []byte(c))
	}
	deep := strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth)
	checkDecode(t, []byte(deep))
	checkDecode(t, []byte("["+deep+"]"))
}

func TestDecodeErrorPlace(t *testing.T) {
	cases := []struct {
		in     string
		offset int64
		line   int
		path   string
		msg    string
	}{
		{`{"a":[1,{"b":tru}]}`, 16, 1, `.a[1].b`, `'}' in literal true`},
		{"[\n{\"x\":1},\n{\"hashes\":{\"SHA-256\":\"ab\ncd\"}}]", 35, 3, `[1].hashes."SHA-256"`, `'\n' in string literal`},
		{`[1,2`, 4, 1, ``, `unexpected end of JSON input`},
		{`{"a":1} x`, 8, 1, ``, `'x' after the JSON value`},
	}
	for _, c := range cases {
		_, err := Decode([]byte(c.in))
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Decode(%q): %v, want a *SyntaxError", c.in, err)
			continue
		}
		if se.Offset != c.offset || se.Line != c.line || se.Path != c.path || se.Msg != c.msg {
			t.Errorf("Decode(%q): offset %d, line %d, path %q, %q; want %d, %d, %q, %q",
				c.in, se.Offset, se.Line, se.Path, se.Msg, c.offset, c.line, c.path, c.msg)
		}
		if !strings.Contains(err.Error(), c.msg) {
			t.Errorf("Decode(%q): message %q", c.in, err)
		}
	}
}

// checkElements fails when Elements, with each element decoded, disagrees
// with encoding/json decoding data as a list.
func checkElements(t *testing.T, data []byte) {
	t.Helper()
	want, ok := reference(data)
	list, isList := want.([]any)
	for _, rd := range []io.Reader{bytes.NewReader(data), iotest.OneByteReader(bytes.NewReader(data))} {
		var got []any
		err := Elements(rd, func(e *Element) error {
			if !bytes.Equal(e.Text, data[e.Offset:e.Offset+int64(len(e.Text))]) {
				t.Fatalf("Elements(%q): element %d at offset %d is %q", data, e.Index, e.Offset, e.Text)
			}
			if wantLine := 1 + bytes.Count(data[:e.Offset], []byte{'\n'}); e.Line != wantLine {
				t.Fatalf("Elements(%q): element %d on line %d, want %d", data, e.Index, e.Line, wantLine)
			}
			v, err := Decode(e.Text)
			if err != nil {
				return e.Locate(err)
			}
			got = append(got, v)
			return nil
		})
		if (err == nil) != (ok && isList) {
			t.Fatalf("Elements(%q): error %v; encoding/json reads a list: %v", data, err, ok && isList)
		}
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || se.Offset < 0 || se.Offset > int64(len(data)) || se.Line < 1 {
				t.Fatalf("Elements(%q): error %#v, want a *SyntaxError inside the input", data, err)
			}
			continue
		}
		if got == nil {
			got = []any{}
		}
		if !reflect.DeepEqual(got, list) {
			t.Fatalf("Elements(%q) = %#v, want %#v", data, got, list)
		}
	}
}

func TestElements(t *testing.T) {
	cases := append([]string{
		`[]`, ` [ ] `, "[\n1,\n\"a\\\"]\",\n{\"b\":[\"]\"]},\n[[],{}],\nnull]\n",
		`[1 , 2]`, `[1,]`, `[,]`, `[1 2]`, `[1]x`, `[1`, `[{"a":1}`, `["a]`, `{}`, `1`, ``,
		`[{"a":1}}]`, `[{"a":[1}]]`, `[tru]`, `[truefalse]`, `[1-2]`,
	}, decodeCases...)
	for _, c := range cases {
		checkElements(t, []byte(c))
	}
}

func TestElementsLocatesErrors(t *testing.T) {
	in := "[\n{\"objects\":[]},\n{\"objects\":[{\"id\":tru}]}\n]"
	err := Elements(strings.NewReader(in), func(e *Element) error {
		_, err := Decode(e.Text)
		return e.Locate(err)
	})
	var se *SyntaxError
	if !errors.As(err, &se) || se.Offset != 39 || se.Line != 3 || se.Path != "[1].objects[0].id" {
		t.Fatalf("error %#v, want offset 39, line 3, path [1].objects[0].id", err)
	}
}

func TestElementsStopsOnCallbackError(t *testing.T) {
	stop := errors.New("stop")
	n := 0
	err := Elements(strings.NewReader(`[1,2,3]`), func(*Element) error { n++; return stop })
	if err != stop || n != 1 {
		t.Fatalf("error %v after %d calls, want stop after 1", err, n)
	}
}
