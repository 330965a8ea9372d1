// Package consult runs government-to-government consultations on an
// incident: opened by a nation's point of contact and addressed to its
// allies' points of contact, through acknowledgement, each nation's
// assessment, a joint position or a recorded disagreement, to closure.
// Every transition returns the next version of the consultation, which the
// node stores and federates like any STIX object. Deadlines come from
// configuration by the level the opening nation reached; a missed deadline
// escalates to the nation's second contact, then to its node's operator,
// and the escalation is part of the next version, for everyone to see.
//
// Time comes from an injected Clock, so that tests advance it instead of
// sleeping.
package consult

import (
	"slices"
	"strings"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/defense/internal/conf"
)

// Clock tells the time.
type Clock interface{ Now() time.Time }

// SystemClock is the wall clock.
type SystemClock struct{}

// Now returns the current time.
func (SystemClock) Now() time.Time { return time.Now() }

// Config is the consultation configuration: deadlines by level rank, and
// each nation's contacts.
type Config struct {
	Version     string              `json:"version"`
	Description string              `json:"description,omitempty"`
	Deadlines   []Deadlines         `json:"deadlines"`
	Contacts    map[string]Contacts `json:"contacts"`
}

// Deadlines apply to consultations opened at Rank or above (up to the
// next configured rank). Acknowledge and Assess count from the opening,
// Review from the proposal of a joint position; Grace is the time given
// after each escalation.
type Deadlines struct {
	Rank int `json:"rank"`
	// Durations as Go writes them: "90m", "24h".
	AcknowledgeIn string `json:"acknowledge"`
	AssessIn      string `json:"assess"`
	ReviewIn      string `json:"review"`
	GraceIn       string `json:"grace"`

	Acknowledge, Assess, Review, Grace time.Duration `json:"-"`
}

// Contacts are the identities (organisations) that act for a nation.
type Contacts struct {
	POC      string `json:"poc"`
	Second   string `json:"second"`
	Operator string `json:"operator"`
}

// Load reads and validates a configuration; file names it in errors.
func Load(data []byte, file string) (*Config, error) {
	c := &Config{}
	if err := conf.Decode(data, file, c); err != nil {
		return nil, kizuna.WrapError(kizuna.EINVALID, err, "%v", err)
	}
	errs := &conf.Errors{File: file}
	if c.Version == "" {
		errs.Addf("$.version", "is required")
	}
	if len(c.Deadlines) == 0 {
		errs.Addf("$.deadlines", "at least one set of deadlines is required")
	}
	ranks := map[int]bool{}
	for i := range c.Deadlines {
		p := conf.Index("$.deadlines", i)
		d := &c.Deadlines[i]
		if ranks[d.Rank] || d.Rank < 0 {
			errs.Addf(p+".rank", "must be a unique rank, 0 or more, not %d", d.Rank)
		}
		ranks[d.Rank] = true
		for _, f := range []struct {
			name string
			in   string
			out  *time.Duration
		}{{"acknowledge", d.AcknowledgeIn, &d.Acknowledge}, {"assess", d.AssessIn, &d.Assess}, {"review", d.ReviewIn, &d.Review}, {"grace", d.GraceIn, &d.Grace}} {
			v, err := time.ParseDuration(f.in)
			if err != nil || v <= 0 {
				errs.Addf(p+"."+f.name, "must be a positive duration such as \"24h\", not %q", f.in)
			}
			*f.out = v
		}
		if d.Assess < d.Acknowledge {
			errs.Addf(p+".assess", "must not come before the acknowledgement deadline")
		}
	}
	slices.SortFunc(c.Deadlines, func(a, b Deadlines) int { return a.Rank - b.Rank })
	for nation, ct := range c.Contacts {
		p := "$.contacts." + nation
		if !conf.Nation(nation) {
			errs.Addf(p, "%q is not an ISO 3166-1 alpha-3 code", nation)
		}
		for name, v := range map[string]string{"poc": ct.POC, "second": ct.Second, "operator": ct.Operator} {
			if !strings.HasPrefix(v, "identity--") {
				errs.Addf(p+"."+name, "must be an identity id, not %q", v)
			}
		}
	}
	if err := errs.Err(); err != nil {
		return nil, kizuna.WrapError(kizuna.EINVALID, err, "%v", err)
	}
	return c, nil
}

// deadlines returns the deadlines for a rank: those of the highest
// configured rank at or below it.
func (c *Config) deadlines(rank int) (Deadlines, bool) {
	var out Deadlines
	ok := false
	for _, d := range c.Deadlines {
		if d.Rank <= rank {
			out, ok = d, true
		}
	}
	return out, ok
}
