package ingest

import (
	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/pattern"
)

// checkPattern rejects an indicator whose STIX pattern does not parse, naming
// the character offset: an indicator nobody can match is not intelligence.
// Patterns in other languages (pattern_type snort, yara, sigma, ...) are
// kept as they are. stix.Parse has validated the properties' shape; props
// are the values of patternProps that it returned.
func checkPattern(obj *kizuna.Object, props []string) error {
	expr, lang := props[0], props[1]
	if obj.Type != "indicator" || lang != "stix" {
		return nil
	}
	if _, err := pattern.Validate(expr, pattern.V21); err != nil {
		return kizuna.Errorf(kizuna.EINVALID, "%s: $.pattern: %v (pattern %q)", obj.ID, err, expr)
	}
	return nil
}

// patternProps are the properties checkPattern reads.
var patternProps = []string{"pattern", "pattern_type"}
