// Package strictjson decodes JSON configuration strictly and names every
// problem with the file and the JSON path it concerns
// ("scenario.json: $.injects[2].objects[0].id: ..."). Unknown properties,
// duplicate keys, values of the wrong type and trailing data are errors,
// so that a misspelt key in a scenario or a rule file is reported rather
// than silently ignored.
package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// Error is one problem of a file at a JSON path.
type Error struct {
	File string // the file's name as given to the decoder
	Path string // "$.injects[2].at"
	Msg  string
}

// Error formats the problem as "file: path: message".
func (e *Error) Error() string {
	if e.File == "" {
		return e.Path + ": " + e.Msg
	}
	return e.File + ": " + e.Path + ": " + e.Msg
}

// Errors collects the problems of one file.
type Errors struct {
	File string
	List []*Error
}

// Addf records a problem at path.
func (e *Errors) Addf(path, format string, args ...any) {
	e.List = append(e.List, &Error{File: e.File, Path: path, Msg: fmt.Sprintf(format, args...)})
}

// Err returns nil without problems, else one error joining them all in
// the order they were found.
func (e *Errors) Err() error {
	if len(e.List) == 0 {
		return nil
	}
	errs := make([]error, len(e.List))
	for i, x := range e.List {
		errs[i] = x
	}
	return errors.Join(errs...)
}

var plainKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Member returns the path of property key below path; keys that are not
// plain names are bracketed and quoted: $.extensions['extension-definition--…'].
func Member(path, key string) string {
	if plainKey.MatchString(key) {
		return path + "." + key
	}
	return path + "[" + strconv.Quote(key) + "]"
}

// Index returns the path of element i of the list at path.
func Index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// maxDepth bounds nesting so that a hostile file cannot exhaust the stack.
const maxDepth = 64

// Decode decodes data, which must hold exactly one JSON value, into v (a
// pointer), strictly: every object key must be a property of the Go type
// it decodes into (by its json tag), appear once, and hold a value of the
// right type. Every problem found is reported, each with file and path.
// Values of types that implement json.Unmarshaler are checked by their own
// UnmarshalJSON, whose error is reported at their path.
func Decode(data []byte, file string, v any) error {
	tree, err := parse(data)
	if err != nil {
		return &Error{File: file, Path: err.path, Msg: err.msg}
	}
	errs := &Errors{File: file}
	check(errs, "$", tree, typeOf(v))
	if err := errs.Err(); err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		// The walk above accepts only what encoding/json decodes; reaching
		// here is a gap in it, reported rather than hidden.
		return &Error{File: file, Path: "$", Msg: strings.TrimPrefix(err.Error(), "json: ")}
	}
	return nil
}

type parseError struct{ path, msg string }

// parse reads one JSON value into a tree of map[string]any, []any,
// json.Number, string, bool and nil, refusing duplicate keys, nesting
// deeper than maxDepth and trailing data.
func parse(data []byte) (any, *parseError) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, perr := value(dec, "$", 0)
	if perr != nil {
		return nil, perr
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &parseError{"$", fmt.Sprintf("one JSON value expected; trailing data at byte offset %d", dec.InputOffset())}
	}
	return v, nil
}

func value(dec *json.Decoder, path string, depth int) (any, *parseError) {
	if depth > maxDepth {
		return nil, &parseError{path, fmt.Sprintf("nested more than %d levels deep", maxDepth)}
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, syntaxError(path, dec, err)
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			m := map[string]any{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, syntaxError(path, dec, err)
				}
				k, ok := kt.(string)
				if !ok {
					return nil, &parseError{path, "object key expected"}
				}
				p := Member(path, k)
				if _, dup := m[k]; dup {
					return nil, &parseError{p, "appears twice in the same object"}
				}
				v, perr := value(dec, p, depth+1)
				if perr != nil {
					return nil, perr
				}
				m[k] = v
			}
			if _, err := dec.Token(); err != nil {
				return nil, syntaxError(path, dec, err)
			}
			return m, nil
		case '[':
			l := []any{}
			for dec.More() {
				v, perr := value(dec, Index(path, len(l)), depth+1)
				if perr != nil {
					return nil, perr
				}
				l = append(l, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, syntaxError(path, dec, err)
			}
			return l, nil
		}
		return nil, &parseError{path, fmt.Sprintf("unexpected %q", t)}
	default:
		return t, nil
	}
}

func syntaxError(path string, dec *json.Decoder, err error) *parseError {
	if err == io.EOF {
		return &parseError{path, "unexpected end of the JSON input"}
	}
	return &parseError{path, fmt.Sprintf("malformed JSON near byte offset %d: %s", dec.InputOffset(), strings.TrimPrefix(err.Error(), "json: "))}
}
