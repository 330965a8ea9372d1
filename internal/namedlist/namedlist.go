// Package namedlist reads and writes the small configuration documents
// of a node's state that hold one list of named entries, such as
// {"feeds": [...]}: strictly (unknown keys refused), each entry validated,
// names unique, errors naming the file and the entry.
package namedlist

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/kizuna-dev/kizuna"
)

// Entry is what a list holds: a value with a name and a validation.
type Entry[T any] interface {
	*T
	EntryName() string
	Validate() error
}

// Parse reads and validates a file's content; name is the file, for errors.
func Parse[T any, P Entry[T]](name, key string, data []byte) ([]T, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	for k := range top {
		if k != key {
			return nil, fmt.Errorf("%s: unknown key %q (want %q)", name, k, key)
		}
	}
	var list []T
	if raw, ok := top[key]; ok {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&list); err != nil {
			return nil, fmt.Errorf("%s: %s: %v", name, key, err)
		}
	}
	seen := map[string]bool{}
	for i := range list {
		e := P(&list[i])
		if err := e.Validate(); err != nil {
			return nil, fmt.Errorf("%s: %s[%d]: %s", name, key, i, kizuna.ErrorMessage(err))
		}
		if seen[e.EntryName()] {
			return nil, fmt.Errorf("%s: %s[%d]: a second entry named %q", name, key, i, e.EntryName())
		}
		seen[e.EntryName()] = true
	}
	return list, nil
}

// Marshal returns a file's content: the list under key, sorted by name.
func Marshal[T any, P Entry[T]](key string, list []T) ([]byte, error) {
	list = slices.Clone(list)
	slices.SortFunc(list, func(a, b T) int { return strings.Compare(P(&a).EntryName(), P(&b).EntryName()) })
	b, err := json.MarshalIndent(map[string][]T{key: list}, "", "  ")
	return append(b, '\n'), err
}

// IsName reports whether s may name an entry (and be a URL segment or a
// file name): 1 to 64 letters, digits, '-', '_' or '.', not starting with
// '.'.
func IsName(s string) bool {
	if s == "" || len(s) > 64 || s[0] == '.' {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}
