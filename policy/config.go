package policy

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// defaultConfig is the shipped classification configuration. A node copies
// it into its data directory at init so that an operator can correct it.
//
//go:embed defaults/classification.json
var defaultConfig []byte

// DefaultConfigJSON returns the shipped configuration file, for a node to
// write into a fresh data directory.
func DefaultConfigJSON() []byte { return bytes.Clone(defaultConfig) }

// Config holds the classification schemes a node knows and the equivalences
// its agreements declare between them. It is configuration, not code: the
// defaults are analysis pending the agreements' text.
type Config struct {
	// About and Status are free text kept with the file (what it is, and
	// the legal standing of its content).
	About  string `json:"about,omitempty"`
	Status string `json:"status,omitempty"`
	// Schemes are the national (or NATO) classification schemes.
	Schemes []Scheme `json:"schemes"`
	// NationGroups expand tetragraphs such as FVEY in releasability lists.
	NationGroups map[string][]string `json:"nation_groups,omitempty"`
	// Equivalences are the level equivalences of the node's agreements.
	Equivalences []Equivalence `json:"equivalences,omitempty"`
	// MarkingAuthorities let principals of other nations define
	// classification marking-definitions in a scheme. Without an entry, a
	// scheme's levels may be defined only by principals of the scheme's own
	// nation, and those of a scheme without a nation (NATO) by nobody but
	// the host operator's imports.
	MarkingAuthorities []MarkingAuthority `json:"marking_authorities,omitempty"`
}

// MarkingAuthority is one agreement's permission for the principals of
// the listed nations (codes or nation groups) to define classification
// marking-definitions in a scheme that is not their nation's.
type MarkingAuthority struct {
	Agreement string   `json:"agreement,omitempty"`
	Scheme    string   `json:"scheme"`
	Nations   []string `json:"nations"`
}

// Scheme is one classification scheme with its levels, lowest first.
type Scheme struct {
	ID   string `json:"id"` // "USA", "JPN", "NATO"
	Name string `json:"name,omitempty"`
	// Nation is the ISO 3166-1 alpha-3 code of the nation that owns the
	// scheme; NOFORN in this scheme releases to that nation only. Empty for
	// schemes of an organisation (NATO), which cannot carry NOFORN.
	Nation string  `json:"nation,omitempty"`
	Levels []Level `json:"levels"`
}

// Level is one level of a scheme.
type Level struct {
	// ID is the stable identifier stored in labels ("SECRET", "gokuhi").
	ID string `json:"id"`
	// Name is the level's own text where it differs from ID ("極秘").
	Name string `json:"name,omitempty"`
	// Aliases are further accepted spellings (portion marks: "S", "TS").
	Aliases []string `json:"aliases,omitempty"`
	// Tier orders the levels of this scheme: a clearance at a tier grants
	// every level of the same scheme at that tier or below. Tiers are never
	// compared across schemes.
	Tier int `json:"tier"`
	// NoClearance marks a level that any reader may see (UNCLASSIFIED).
	NoClearance bool `json:"no_clearance,omitempty"`
	// NoForeignByDefault makes content at this level releasable only to
	// the scheme's own nation unless a releasability marking says
	// otherwise (US classified information without REL TO is not
	// releasable to foreign nationals). It needs the scheme's nation.
	NoForeignByDefault bool `json:"noforn_by_default,omitempty"`
}

// Equivalence declares levels of different schemes equivalent under one
// agreement. Equivalences are not transitive across entries: USA≡JPN and
// JPN≡KOR do not make USA≡KOR, since each agreement binds only its parties.
type Equivalence struct {
	Agreement string                `json:"agreement,omitempty"`
	Status    string                `json:"status,omitempty"`
	Levels    []ClassificationEntry `json:"levels"`
}

// ClassificationEntry names one level of one scheme in the configuration.
type ClassificationEntry struct {
	Scheme string `json:"scheme"`
	Level  string `json:"level"`
}

// DefaultConfig returns the shipped configuration.
func DefaultConfig() Config {
	cfg, err := ParseConfig("defaults/classification.json", defaultConfig)
	if err != nil {
		// The embedded file is tested; reaching this is a build defect.
		panic("policy: embedded default configuration is invalid: " + err.Error())
	}
	return cfg
}

// LoadConfig reads and validates a configuration file.
func LoadConfig(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("policy configuration: %w", err)
	}
	return ParseConfig(filepath.Base(path), data)
}

// ParseConfig decodes and validates a configuration; name names the file in
// error messages. Unknown properties are errors, so that a misspelt key
// cannot silently drop a rule.
func ParseConfig(name string, data []byte) (Config, error) {
	var cfg Config
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return Config{}, fmt.Errorf("%s: %s", name, describeJSONError(err))
	}
	if dec.More() {
		return Config{}, fmt.Errorf("%s: $: trailing data after the configuration object", name)
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, fmt.Errorf("%s: %w", name, err)
	}
	return cfg, nil
}

func describeJSONError(err error) string {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		return fmt.Sprintf("$.%s: cannot use a JSON %s here (byte offset %d)", te.Field, te.Value, te.Offset)
	case errors.As(err, &se):
		return fmt.Sprintf("$: invalid JSON at byte offset %d: %v", se.Offset, se)
	}
	return "$: " + err.Error()
}

// Validate checks the configuration and returns every problem found, each
// naming its JSON path.
func (c Config) Validate() error {
	var errs []string
	add := func(path, format string, args ...any) {
		errs = append(errs, path+": "+fmt.Sprintf(format, args...))
	}
	if len(c.Schemes) == 0 {
		add("$.schemes", "at least one scheme is required")
	}
	schemes := map[string]map[string]int{} // scheme key -> level key -> tier
	for i, s := range c.Schemes {
		sp := fmt.Sprintf("$.schemes[%d]", i)
		key := normKey(s.ID)
		switch {
		case key == "":
			add(sp+".id", "must not be empty")
		case strings.ContainsAny(s.ID, ":,"):
			add(sp+".id", "%q must not contain ':' or ','", s.ID)
		case schemes[key] != nil:
			add(sp+".id", "scheme %q is defined twice", s.ID)
		}
		if s.Nation != "" && !isNationCode(s.Nation) {
			add(sp+".nation", "%q is not an ISO 3166-1 alpha-3 code", s.Nation)
		}
		if len(s.Levels) == 0 {
			add(sp+".levels", "at least one level is required")
		}
		levels := map[string]int{}
		for j, l := range s.Levels {
			own := map[string]bool{}
			lp := fmt.Sprintf("%s.levels[%d]", sp, j)
			if normKey(l.ID) == "" {
				add(lp+".id", "must not be empty")
			}
			if l.Tier < 0 {
				add(lp+".tier", "must be 0 or more, not %d", l.Tier)
			}
			if l.NoForeignByDefault && s.Nation == "" {
				add(lp+".noforn_by_default", "needs the scheme's nation")
			}
			if l.NoForeignByDefault && l.NoClearance {
				add(lp+".noforn_by_default", "a level that needs no clearance cannot be foreign-restricted by default")
			}
			for k, n := range append([]string{l.ID, l.Name}, l.Aliases...) {
				nk := normKey(n)
				if nk == "" {
					if k >= 2 {
						add(fmt.Sprintf("%s.aliases[%d]", lp, k-2), "must not be empty")
					}
					continue
				}
				if own[nk] {
					continue
				}
				own[nk] = true
				if _, dup := levels[nk]; dup {
					add(lp, "%q names two levels of scheme %s", n, s.ID)
				}
				levels[nk] = l.Tier
			}
		}
		if key != "" && schemes[key] == nil {
			schemes[key] = levels
		}
	}
	for g, members := range c.NationGroups {
		gp := fmt.Sprintf("$.nation_groups[%q]", g)
		if isNationCode(g) || g == "" || strings.ToUpper(g) != g {
			add(gp, "a group name must be upper case and not a nation code")
		}
		if len(members) == 0 {
			add(gp, "a group needs at least one nation")
		}
		for k, m := range members {
			if !isNationCode(m) {
				add(fmt.Sprintf("%s[%d]", gp, k), "%q is not an ISO 3166-1 alpha-3 code", m)
			}
		}
	}
	for i, e := range c.Equivalences {
		ep := fmt.Sprintf("$.equivalences[%d]", i)
		if len(e.Levels) < 2 {
			add(ep+".levels", "an equivalence needs levels of at least two schemes")
		}
		seen := map[string]bool{}
		for j, cl := range e.Levels {
			lp := fmt.Sprintf("%s.levels[%d]", ep, j)
			levels := schemes[normKey(cl.Scheme)]
			if levels == nil {
				add(lp+".scheme", "unknown scheme %q", cl.Scheme)
				continue
			}
			if _, ok := levels[normKey(cl.Level)]; !ok {
				add(lp+".level", "scheme %s has no level %q", cl.Scheme, cl.Level)
			}
			if seen[normKey(cl.Scheme)] {
				add(lp+".scheme", "scheme %s appears twice in one equivalence", cl.Scheme)
			}
			seen[normKey(cl.Scheme)] = true
		}
	}
	for i, a := range c.MarkingAuthorities {
		ap := fmt.Sprintf("$.marking_authorities[%d]", i)
		if schemes[normKey(a.Scheme)] == nil {
			add(ap+".scheme", "unknown scheme %q", a.Scheme)
		}
		if len(a.Nations) == 0 {
			add(ap+".nations", "at least one nation (or nation group) is required")
		}
		for k, n := range a.Nations {
			if _, group := c.NationGroups[n]; !isNationCode(n) && !group {
				add(fmt.Sprintf("%s.nations[%d]", ap, k), "%q is neither an ISO 3166-1 alpha-3 code nor a nation group of this file", n)
			}
		}
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "; "))
	}
	return nil
}

// normKey folds the spelling of scheme and level names: case and outer
// white space do not matter; the levels of a scheme are validated to stay
// distinct under this folding.
func normKey(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

func isNationCode(s string) bool {
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
