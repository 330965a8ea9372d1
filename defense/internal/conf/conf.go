// Package conf reads the JSON configuration files of collective defense
// (scoring models, threshold policies, consultation deadlines) strictly,
// and reports each problem with the file and the JSON path it concerns.
package conf

import (
	"bytes"
	"encoding/json"
	"errors"
	"regexp"
	"strconv"
	"strings"

	"github.com/kizuna-dev/kizuna/internal/strictjson"
)

// Error is a problem of a configuration file at a JSON path, and Errors
// collects the problems of one file: the project's one kind of file error.
type (
	Error  = strictjson.Error
	Errors = strictjson.Errors
)

// Decode decodes one JSON object into v, refusing unknown fields and
// trailing data, and names the file and path of a failure.
func Decode(data []byte, file string, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return &Error{File: file, Path: jsonPath(err), Msg: describe(err)}
	}
	if dec.More() {
		return &Error{File: file, Path: "$", Msg: "one JSON object expected; trailing data follows it"}
	}
	return nil
}

var unknownField = regexp.MustCompile(`^json: unknown field "(.*)"$`)

// jsonPath names where a decoding error happened, as far as encoding/json
// tells.
func jsonPath(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return "$." + te.Field
	}
	return "$"
}

func describe(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return "malformed JSON at byte offset " + strconv.FormatInt(se.Offset, 10) + ": " + se.Error()
	case errors.As(err, &te):
		return "expected " + te.Type.String() + ", found a JSON " + te.Value
	}
	if m := unknownField.FindStringSubmatch(err.Error()); m != nil {
		return "unknown property " + strconv.Quote(m[1])
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// Index returns the JSON path of element i of the array at path.
var Index = strictjson.Index

// Nation reports whether s looks like an ISO 3166-1 alpha-3 code.
func Nation(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}
