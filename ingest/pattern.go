package ingest

import (
	"encoding/json"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/pattern"
)

// checkPattern rejects an indicator whose STIX pattern does not parse, naming
// the character offset: an indicator nobody can match is not intelligence.
// Patterns in other languages (pattern_type snort, yara, sigma, ...) are
// kept as they are.
func checkPattern(obj *kizuna.Object) error {
	if obj.Type != "indicator" {
		return nil
	}
	var f struct {
		Pattern     string `json:"pattern"`
		PatternType string `json:"pattern_type"`
	}
	if err := json.Unmarshal(obj.Raw, &f); err != nil || f.PatternType != "stix" {
		return nil // stix.Parse has validated the shape already
	}
	if _, err := pattern.Validate(f.Pattern, pattern.V21); err != nil {
		return kizuna.Errorf(kizuna.EINVALID, "%s: $.pattern: %v (pattern %q)", obj.ID, err, f.Pattern)
	}
	return nil
}
