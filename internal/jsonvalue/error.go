package jsonvalue

import (
	"fmt"
	"strconv"
	"strings"
)

// SyntaxError is malformed JSON. Offset and Line place it in the input
// (Offset counts bytes from 0, Line from 1); Path is the JSON path of the
// value being read, from the top-level value: `[12].objects[3].hashes.MD5`,
// with keys that are not plain words quoted (`.hashes."SHA-256"`).
type SyntaxError struct {
	Offset int64
	Line   int
	Path   string
	Msg    string
	steps  []string // the path while the decoder unwinds, innermost first
}

// Error formats the error as "line L, byte offset N: path: message".
func (e *SyntaxError) Error() string {
	where := fmt.Sprintf("malformed JSON at line %d, byte offset %d", e.Line, e.Offset)
	if e.Path != "" {
		where += " (" + e.Path + ")"
	}
	return where + ": " + e.Msg
}

func newSyntaxError(s string, pos int, format string, args ...any) *SyntaxError {
	if pos > len(s) {
		pos = len(s)
	}
	return &SyntaxError{
		Offset: int64(pos),
		Line:   1 + strings.Count(s[:pos], "\n"),
		Msg:    fmt.Sprintf(format, args...),
	}
}

// wrap adds to the path of err the member key (index < 0) or the array
// index of the value that failed, one level up.
func wrap(err error, key string, index int) error {
	if se, ok := err.(*SyntaxError); ok {
		se.steps = append(se.steps, PathSegment(key, index))
	}
	return err
}

// finish sets the path from the steps wrap collected.
func (e *SyntaxError) finish() *SyntaxError {
	var b strings.Builder
	for i := len(e.steps) - 1; i >= 0; i-- {
		b.WriteString(e.steps[i])
	}
	e.Path, e.steps = b.String()+e.Path, nil
	return e
}

// PathSegment returns the path step to a member key (index < 0) or to an
// array element: ".key", `."odd key"` or "[index]".
func PathSegment(key string, index int) string {
	if index >= 0 {
		return "[" + strconv.Itoa(index) + "]"
	}
	if key != "" && isWord(key) {
		return "." + key
	}
	return "." + strconv.Quote(key)
}

func isWord(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' && i > 0) {
			return false
		}
	}
	return true
}
