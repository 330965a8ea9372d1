// Package score computes an incident's severity under a scoring model
// that is configuration: versioned, one per nation or agency, made of
// weighted categories whose options the incident's facts select, and an
// equation over the weighted sum, in the shape of CMU SEI's CITE. The
// score falls into bands, by default the NCISS levels 0 Baseline …
// 5 Emergency.
package score

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"slices"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/ext"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/defense/internal/celx"
	"github.com/kizuna-dev/kizuna/defense/internal/conf"
)

// Model is a scoring model as configured.
type Model struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Nation  string `json:"nation"`
	Agency  string `json:"agency,omitempty"`
	Version string `json:"version"`
	// Notional marks a model whose weights and values are not an
	// agency's operational ones (the shipped NCISS default is notional).
	Notional    bool   `json:"notional"`
	Description string `json:"description,omitempty"`
	// Equation is a CEL expression of type double over sum, min_possible
	// and max_possible (CITE's {sum}, {minPossible}, {maxPossible}).
	Equation   string     `json:"equation"`
	Categories []Category `json:"categories"`
	Bands      []Band     `json:"bands"`

	file         string
	digest       string
	eq           *celx.Expr
	minPossible  float64
	maxPossible  float64
	categoryBnds []bounds
}

// Category is one scored category.
type Category struct {
	ID     string  `json:"id"`
	Name   string  `json:"name"`
	Weight float64 `json:"weight"`
	// Fact is the incident fact whose values select options
	// (kizuna.FactNames).
	Fact string `json:"fact"`
	// Aggregate combines the values of the selected options: max (CITE's
	// {max}, the default), min, sum or mean.
	Aggregate string   `json:"aggregate,omitempty"`
	Options   []Option `json:"options"`
}

// Option is one answer of a category.
type Option struct {
	ID    string  `json:"id"`
	Label string  `json:"label"`
	Value float64 `json:"value"`
	// Matches are fact values, besides ID, that select the option (for
	// example the sector ids of other nations' lists).
	Matches []string `json:"matches,omitempty"`
}

// Band maps scores from Min up (to the next band) to a level.
type Band struct {
	Level int     `json:"level"`
	Name  string  `json:"name"`
	Min   float64 `json:"min"`
}

type bounds struct{ lo, hi float64 }

var aggregates = []string{"max", "min", "sum", "mean"}

var equationEnv = func() *cel.Env {
	env, err := cel.NewEnv(
		cel.Variable("sum", cel.DoubleType),
		cel.Variable("min_possible", cel.DoubleType),
		cel.Variable("max_possible", cel.DoubleType),
		ext.Math(),
	)
	if err != nil {
		panic(err)
	}
	return env
}()

var equationIndex = map[string]int{"sum": 0, "min_possible": 1, "max_possible": 2}

// Load reads and validates a model; file names it in errors. Every
// problem found is reported, each with the file and the JSON path.
func Load(data []byte, file string) (*Model, error) {
	m := &Model{}
	if err := conf.Decode(data, file, m); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	m.file, m.digest = file, hex.EncodeToString(sum[:])
	errs := &conf.Errors{File: file}
	m.validate(errs)
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return m, nil
}

func (m *Model) validate(errs *conf.Errors) {
	if m.ID == "" {
		errs.Addf("$.id", "is required")
	}
	if m.Version == "" {
		errs.Addf("$.version", "is required")
	}
	if !conf.Nation(m.Nation) {
		errs.Addf("$.nation", "%q is not an ISO 3166-1 alpha-3 code", m.Nation)
	}
	if len(m.Categories) == 0 {
		errs.Addf("$.categories", "at least one category is required")
	}
	ids := map[string]bool{}
	m.categoryBnds = make([]bounds, len(m.Categories))
	for i := range m.Categories {
		c := &m.Categories[i]
		p := conf.Index("$.categories", i)
		if c.ID == "" || ids[c.ID] {
			errs.Addf(p+".id", "must be present and unique, not %q", c.ID)
		}
		ids[c.ID] = true
		if !(c.Weight > 0) || math.IsInf(c.Weight, 0) {
			errs.Addf(p+".weight", "must be a positive number, not %v", c.Weight)
		}
		if !slices.Contains(kizuna.FactNames, c.Fact) {
			errs.Addf(p+".fact", "%q is not an incident fact; use one of %v", c.Fact, kizuna.FactNames)
		}
		if c.Aggregate == "" {
			c.Aggregate = "max"
		} else if !slices.Contains(aggregates, c.Aggregate) {
			errs.Addf(p+".aggregate", "%q is not one of %v", c.Aggregate, aggregates)
		}
		if len(c.Options) == 0 {
			errs.Addf(p+".options", "at least one option is required")
			continue
		}
		seen := map[string]bool{}
		b := bounds{lo: math.Inf(1), hi: math.Inf(-1)}
		all := 0.0
		for j, o := range c.Options {
			q := conf.Index(p+".options", j)
			for k, v := range append([]string{o.ID}, o.Matches...) {
				if v == "" || seen[v] {
					path := q + ".id"
					if k > 0 {
						path = conf.Index(q+".matches", k-1)
					}
					errs.Addf(path, "must be present and select one option only, not %q", v)
				}
				seen[v] = true
			}
			if math.IsNaN(o.Value) || math.IsInf(o.Value, 0) {
				errs.Addf(q+".value", "must be a finite number")
			}
			b.lo, b.hi = min(b.lo, o.Value), max(b.hi, o.Value)
			all += max(o.Value, 0)
		}
		if c.Aggregate == "sum" {
			b.hi = all
		}
		m.categoryBnds[i] = b
		m.minPossible += c.Weight * b.lo
		m.maxPossible += c.Weight * b.hi
	}
	m.validateBands(errs)
	if len(errs.List) > 0 {
		return
	}
	if !(m.maxPossible > m.minPossible) {
		errs.Addf("$.categories", "the options allow no range of scores (highest possible %v, lowest %v)", m.maxPossible, m.minPossible)
		return
	}
	eq, iss := celx.Compile(equationEnv, m.Equation, cel.DoubleType)
	if iss != nil {
		for _, is := range iss {
			errs.Addf("$.equation", "%s", is)
		}
		return
	}
	m.eq = eq
	// The equation must give a number at both ends of the range.
	for _, s := range []float64{m.minPossible, m.maxPossible} {
		if _, is := m.eval(s); is != nil {
			errs.Addf("$.equation", "at sum=%v: %s", s, is)
		}
	}
}

func (m *Model) validateBands(errs *conf.Errors) {
	if len(m.Bands) == 0 {
		errs.Addf("$.bands", "at least one band is required")
		return
	}
	levels, mins := map[int]bool{}, map[float64]bool{}
	lowest := math.Inf(1)
	for i, b := range m.Bands {
		p := conf.Index("$.bands", i)
		if levels[b.Level] {
			errs.Addf(p+".level", "level %d appears twice", b.Level)
		}
		if mins[b.Min] {
			errs.Addf(p+".min", "another band starts at %v", b.Min)
		}
		if b.Name == "" {
			errs.Addf(p+".name", "is required")
		}
		levels[b.Level], mins[b.Min] = true, true
		lowest = min(lowest, b.Min)
	}
	if lowest > 0 {
		errs.Addf("$.bands", "no band starts at 0 or below, so a low score would have no level")
	}
	sorted := slices.Clone(m.Bands)
	slices.SortFunc(sorted, func(a, b Band) int { return cmpFloat(a.Min, b.Min) })
	for i := 1; i < len(sorted); i++ {
		if sorted[i].Level <= sorted[i-1].Level {
			errs.Addf("$.bands", "band %q starts at a higher score than %q but has a level no higher", sorted[i].Name, sorted[i-1].Name)
		}
	}
	m.Bands = sorted
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Digest returns the hex SHA-256 of the file the model was loaded from.
func (m *Model) Digest() string { return m.digest }

// File returns the name the model was loaded under.
func (m *Model) File() string { return m.file }

func (m *Model) eval(sum float64) (float64, *celx.Issue) {
	act := &celx.Vars{Index: equationIndex, Values: []any{sum, m.minPossible, m.maxPossible}}
	return m.eq.Double(act)
}

// Score computes the severity of an incident from its facts. An equation
// that fails is an error naming the model, its file and the position in
// the equation: no severity is made up.
func (m *Model) Score(f *kizuna.IncidentFacts) (kizuna.Severity, error) {
	s := kizuna.Severity{Model: m.ID, ModelVersion: m.Version, Notional: m.Notional, Categories: make([]kizuna.CategoryScore, len(m.Categories))}
	sum := 0.0
	for i := range m.Categories {
		c := &m.Categories[i]
		cs := &s.Categories[i]
		cs.Category, cs.Weight = c.ID, c.Weight
		values, _ := f.Values(c.Fact)
		var picked []float64
		for _, o := range c.Options {
			if selects(o, values) {
				cs.Options = append(cs.Options, o.ID)
				picked = append(picked, o.Value)
			}
		}
		if len(picked) == 0 {
			cs.Unanswered = true
			cs.Value = m.categoryBnds[i].lo
		} else {
			cs.Value = aggregate(c.Aggregate, picked)
		}
		cs.Weighted = c.Weight * cs.Value
		sum += cs.Weighted
	}
	score, is := m.eval(sum)
	if is != nil {
		return kizuna.Severity{}, kizuna.Errorf(kizuna.EINVALID, "scoring model %s %s (%s): $.equation: %s", m.ID, m.Version, m.file, is)
	}
	s.Score = math.Round(score*100) / 100
	s.Level, s.LevelName = m.band(s.Score)
	return s, nil
}

func selects(o Option, values []string) bool {
	for _, v := range values {
		if v == o.ID || slices.Contains(o.Matches, v) {
			return true
		}
	}
	return false
}

func aggregate(how string, vs []float64) float64 {
	out := vs[0]
	switch how {
	case "max":
		for _, v := range vs {
			out = max(out, v)
		}
	case "min":
		for _, v := range vs {
			out = min(out, v)
		}
	case "sum", "mean":
		out = 0
		for _, v := range vs {
			out += v
		}
		if how == "mean" {
			out /= float64(len(vs))
		}
	}
	return out
}

// band returns the level of the highest band whose Min the score reaches.
func (m *Model) band(score float64) (int, string) {
	b := m.Bands[0]
	for _, x := range m.Bands {
		if score >= x.Min {
			b = x
		}
	}
	return b.Level, b.Name
}

// String names the model for messages.
func (m *Model) String() string { return fmt.Sprintf("%s %s (%s)", m.ID, m.Version, m.file) }
