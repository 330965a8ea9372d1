package policy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// checkKeys reads the property names of a JSON object and refuses what
// encoding/json would resolve ambiguously: a property given twice (the
// last one wins) and a property that matches a known name only when case
// is ignored (encoding/json matches case-insensitively, so "Releasable_To"
// would be read as releasable_to). With strict set, every property must be
// one of known.
func checkKeys(raw []byte, known map[string]bool, strict bool) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("not a JSON object: %v", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("not a JSON object")
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("not a JSON object: %v", err)
		}
		key, _ := tok.(string)
		if seen[key] {
			return fmt.Errorf("property %q appears twice", key)
		}
		seen[key] = true
		if !known[key] {
			if strict {
				return fmt.Errorf("unknown property %q", key)
			}
			for k := range known {
				if strings.EqualFold(k, key) {
					return fmt.Errorf("property %q differs from %q only by case", key, k)
				}
			}
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return fmt.Errorf("not a JSON object: %v", err)
		}
	}
	return nil
}

// jsonNames returns the JSON property names of a struct type's fields.
func jsonNames(v any) map[string]bool {
	names := map[string]bool{}
	t := reflect.TypeOf(v)
	for i := 0; i < t.NumField(); i++ {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); name != "" && name != "-" {
			names[name] = true
		}
	}
	return names
}
