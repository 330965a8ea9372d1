package sector

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/kizuna-dev/kizuna"
)

// Problem is one fault of a configuration file, at a JSON path.
type Problem struct {
	File string // the file's name as given to the loader
	Path string // "$.crosswalk[3].relation"
	Msg  string
}

// Error formats the problem as "file: path: message".
func (p *Problem) Error() string { return p.File + ": " + p.Path + ": " + p.Msg }

// problems collects the faults of one file; a file is accepted only
// without any.
type problems struct {
	file string
	list []*Problem
}

func (ps *problems) add(path, format string, args ...any) {
	ps.list = append(ps.list, &Problem{File: ps.file, Path: path, Msg: fmt.Sprintf(format, args...)})
}

// err returns nil without problems, else an EINVALID kizuna error whose
// message lists every problem, one a line, and which wraps them all.
func (ps *problems) err() error {
	if len(ps.list) == 0 {
		return nil
	}
	errs := make([]error, len(ps.list))
	msgs := make([]string, len(ps.list))
	for i, p := range ps.list {
		errs[i], msgs[i] = p, p.Error()
	}
	return kizuna.WrapError(kizuna.EINVALID, errors.Join(errs...), "%s", strings.Join(msgs, "\n"))
}

// at returns path with a list index appended: at("$.nations", 2) is
// "$.nations[2]".
func at(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// decodeStrict decodes one JSON document into v, refusing unknown
// properties (each named with its JSON path) and trailing data; a failure
// is a Problem of file.
func decodeStrict(data []byte, file string, v any) error {
	ps := &problems{file: file}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		path, msg := describeDecodeError(err)
		ps.add(path, "%s", msg)
		return ps.err()
	}
	if _, err := dec.Token(); err != io.EOF {
		ps.add("$", "one JSON document expected; something follows it")
		return ps.err()
	}
	var doc any
	if err := json.Unmarshal(data, &doc); err == nil {
		unknownProperties(ps, "$", doc, reflect.TypeOf(v))
	}
	return ps.err()
}

// unknownProperties reports the object members of doc that the Go type t
// does not declare, walking into lists, maps and nested structs.
func unknownProperties(ps *problems, path string, doc any, t reflect.Type) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch d := doc.(type) {
	case map[string]any:
		switch t.Kind() {
		case reflect.Map:
			for _, k := range sortedKeys(d) {
				unknownProperties(ps, path+"."+k, d[k], t.Elem())
			}
		case reflect.Struct:
			fields := jsonFields(t)
			for _, k := range sortedKeys(d) {
				ft, ok := fields[k]
				if !ok {
					ps.add(path, "unknown property %q", k)
					continue
				}
				unknownProperties(ps, path+"."+k, d[k], ft)
			}
		}
	case []any:
		if t.Kind() == reflect.Slice {
			for i, e := range d {
				unknownProperties(ps, at(path, i), e, t.Elem())
			}
		}
	}
}

// jsonFields maps the JSON names of a struct's exported fields to their
// types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// describeDecodeError names where and why encoding/json failed, as far as
// it tells.
func describeDecodeError(err error) (path, msg string) {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return "$", "malformed JSON at byte offset " + strconv.FormatInt(se.Offset, 10) + ": " + se.Error()
	case errors.As(err, &te):
		p := "$"
		if te.Field != "" {
			p += "." + te.Field
		}
		return p, "expected " + te.Type.String() + ", found a JSON " + te.Value
	}
	return "$", strings.TrimPrefix(err.Error(), "json: ")
}

// decodeLoose decodes the parts of a document that v declares, ignoring
// the rest; a malformed document is a Problem of file.
func decodeLoose(data []byte, file string, v any) error {
	if err := json.Unmarshal(data, v); err != nil {
		ps := &problems{file: file}
		p, msg := describeDecodeError(err)
		ps.add(p, "%s", msg)
		return ps.err()
	}
	return nil
}

// joinPath resolves rel against the directory of the file name, as fs.FS
// paths (slash-separated) are.
func joinPath(name, rel string) string { return path.Join(path.Dir(name), rel) }
