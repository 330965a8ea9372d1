package stix

import (
	"encoding/json"
	"regexp"
	"slices"
)

// identifierRE is the shape of a STIX identifier found as a value.
var identifierRE = regexp.MustCompile(`^[a-z][a-z0-9-]*--[0-9a-fA-F-]{36}$`)

// References returns every STIX identifier found as a string value in an
// object, other than its own id, sorted and without repeats: what the
// object references, wherever the property. Nil when raw is not JSON.
func References(raw json.RawMessage) []string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return nil
	}
	var out []string
	var own string
	if m, ok := v.(map[string]any); ok {
		own, _ = m["id"].(string)
	}
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for _, w := range x {
				walk(w)
			}
		case []any:
			for _, w := range x {
				walk(w)
			}
		case string:
			if x != own && identifierRE.MatchString(x) {
				out = append(out, x)
			}
		}
	}
	walk(v)
	slices.Sort(out)
	return slices.Compact(out)
}
