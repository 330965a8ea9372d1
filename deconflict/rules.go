package deconflict

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"regexp"
	"slices"
	"strings"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/internal/strictjson"
)

// Defaults holds the shipped conflict rules (defaults/rules.json), an
// editable example.
//
//go:embed defaults
var Defaults embed.FS

// DefaultRules is the path of the shipped rules in Defaults.
const DefaultRules = "defaults/rules.json"

// Side is what one of the two actions of a conflict must be.
type Side struct {
	Kinds []string `json:"kinds"` // empty: any kind
	// MinCategory and MaxCategory bound the approved category (0: no
	// bound).
	MinCategory int `json:"min_category"`
	MaxCategory int `json:"max_category"`
}

// Admits reports whether an action of kind and category is on this side.
func (s Side) Admits(kind string, category int) bool {
	return (len(s.Kinds) == 0 || slices.Contains(s.Kinds, kind)) &&
		(s.MinCategory == 0 || category >= s.MinCategory) && (s.MaxCategory == 0 || category <= s.MaxCategory)
}

// Rule is a named conflict rule: two actions conflict when they overlap in
// target and time, one is on side A and the other on side B.
type Rule struct {
	Name        string      `json:"name"`
	Description kizuna.Text `json:"description"`
	Severity    string      `json:"severity"` // low, medium, high
	A           Side        `json:"a"`
	B           Side        `json:"b"`
	// AcrossNations limits the rule to actions of two different nations.
	AcrossNations bool `json:"across_nations"`
}

// Rules is a loaded rule configuration.
type Rules struct {
	Version string `json:"version"`
	Rules   []Rule `json:"rules"`
	// Digest is the SHA-256 of the file: two nodes match across their
	// agreement only under the same rules.
	Digest string `json:"-"`
}

var (
	ruleNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	severities = []string{"low", "medium", "high"}
)

// LoadRules reads and validates a rule file of fsys.
func LoadRules(fsys fs.FS, name string) (*Rules, error) {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, kizuna.WrapError(kizuna.EINVALID, err, "%v", err)
	}
	return ParseRules(data, name)
}

// ParseRules validates a rule file; every problem is named with the file
// and JSON path.
func ParseRules(data []byte, file string) (*Rules, error) {
	var r Rules
	if err := strictjson.Decode(data, file, &r); err != nil {
		return nil, kizuna.WrapError(kizuna.EINVALID, err, "%v", err)
	}
	errs := &strictjson.Errors{File: file}
	if r.Version == "" {
		errs.Addf("$.version", "is required")
	}
	if len(r.Rules) == 0 {
		errs.Addf("$.rules", "at least one rule is required")
	}
	seen := map[string]bool{}
	for i, rule := range r.Rules {
		p := strictjson.Index("$.rules", i)
		if !ruleNameRE.MatchString(rule.Name) || seen[rule.Name] {
			errs.Addf(p+".name", "%q must be a unique name of lower-case letters, digits and -", rule.Name)
		}
		seen[rule.Name] = true
		if !slices.Contains(severities, rule.Severity) {
			errs.Addf(p+".severity", "%q is not one of %s", rule.Severity, strings.Join(severities, ", "))
		}
		if len(rule.Description) == 0 {
			errs.Addf(p+".description", "is required")
		}
		checkSide(errs, p+".a", rule.A)
		checkSide(errs, p+".b", rule.B)
	}
	if err := errs.Err(); err != nil {
		return nil, kizuna.WrapError(kizuna.EINVALID, err, "%v", err)
	}
	sum := sha256.Sum256(data)
	r.Digest = hex.EncodeToString(sum[:])
	return &r, nil
}

func checkSide(errs *strictjson.Errors, p string, s Side) {
	kinds := kindIDs()
	for i, k := range s.Kinds {
		if !slices.Contains(kinds, k) {
			errs.Addf(strictjson.Index(p+".kinds", i), "%q is not one of %s", k, strings.Join(kinds, ", "))
		}
	}
	for _, c := range []struct {
		v    int
		name string
	}{{s.MinCategory, "min_category"}, {s.MaxCategory, "max_category"}} {
		if c.v < 0 || c.v > 6 {
			errs.Addf(p+"."+c.name, "must be a category from 1 (CAT1) to 6 (CAT6), or 0 for none")
		}
	}
	if s.MinCategory > 0 && s.MaxCategory > 0 && s.MinCategory > s.MaxCategory {
		errs.Addf(p, "min_category %d is above max_category %d", s.MinCategory, s.MaxCategory)
	}
}

// Class is an action's kind and category, all that rules read of it.
type Class struct {
	Kind     string
	Category int
}

// Fired returns the names of the rules that fire between two actions of
// classes x and y, of the same nation or not.
func (r *Rules) Fired(x, y Class, sameNation bool) []string {
	var out []string
	for _, rule := range r.Rules {
		if rule.AcrossNations && sameNation {
			continue
		}
		if rule.A.Admits(x.Kind, x.Category) && rule.B.Admits(y.Kind, y.Category) ||
			rule.B.Admits(x.Kind, x.Category) && rule.A.Admits(y.Kind, y.Category) {
			out = append(out, rule.Name)
		}
	}
	return out
}

// Rule returns the rule with the name.
func (r *Rules) Rule(name string) (Rule, bool) {
	for _, rule := range r.Rules {
		if rule.Name == name {
			return rule, true
		}
	}
	return Rule{}, false
}

// Classes returns every class of the vocabulary.
func Classes() []Class {
	var out []Class
	for _, k := range Kinds {
		for _, c := range Categories {
			out = append(out, Class{k.ID, c.N})
		}
	}
	return out
}

// Conflicting returns the classes that conflict with x under some rule.
func (r *Rules) Conflicting(x Class, sameNation bool) []Class {
	var out []Class
	for _, y := range Classes() {
		if len(r.Fired(x, y, sameNation)) > 0 {
			out = append(out, y)
		}
	}
	return out
}
