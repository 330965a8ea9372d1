package misp

import (
	"fmt"
	"io"
	"strings"
)

// MaxProblems bounds the problems a Report lists; the counts are complete.
const MaxProblems = 10_000

// Report says what a conversion mapped and what it did not, and why.
type Report struct {
	Events     int
	Attributes int // attributes read, at the event level and in objects
	// Mapped and NotMapped count attributes by MISP type.
	Mapped    map[string]int
	NotMapped map[string]int
	// Grouped counts MISP objects converted as one pattern or one
	// observation, by template; OneByOne those converted attribute by
	// attribute.
	Grouped  map[string]int
	OneByOne map[string]int
	// GalaxyMapped and GalaxyNotMapped count galaxy clusters by galaxy type.
	GalaxyMapped    map[string]int
	GalaxyNotMapped map[string]int
	// Refused counts attributes not imported because their distribution,
	// sharing group or a restricting tag has no marking; Restricted those
	// imported under the fallback markings instead.
	Refused    int
	Restricted int
	// Output counts the STIX objects written, by type.
	Output map[string]int
	// Problems lists what was not mapped, with where and why.
	Problems     []Problem
	ProblemCount int
}

// Problem is one thing a conversion did not map.
type Problem struct {
	Where  string // file, event and JSON path: "x.json: Event 5a0a...: Attribute[3]"
	Reason string
}

func (p Problem) String() string { return p.Where + ": " + p.Reason }

// NewReport returns an empty report.
func NewReport() *Report {
	return &Report{Mapped: map[string]int{}, NotMapped: map[string]int{}, Grouped: map[string]int{},
		OneByOne: map[string]int{}, GalaxyMapped: map[string]int{}, GalaxyNotMapped: map[string]int{},
		Output: map[string]int{}}
}

func (r *Report) problem(where, format string, args ...any) {
	r.ProblemCount++
	if len(r.Problems) < MaxProblems {
		r.Problems = append(r.Problems, Problem{Where: where, Reason: fmt.Sprintf(format, args...)})
	}
}

func (r *Report) notMapped(where string, a *Attribute, reason string) {
	r.NotMapped[a.Type]++
	r.problem(where, "%s %q: %s", a.Type, clip(a.Value), reason)
}

// MappedCount and NotMappedCount total the attribute counts.
func (r *Report) MappedCount() int    { return total(r.Mapped) }
func (r *Report) NotMappedCount() int { return total(r.NotMapped) }

// keysOf returns the keys of two counts, sorted.
func keysOf(a, b map[string]int) []string {
	all := map[string]int{}
	for k := range a {
		all[k] = 1
	}
	for k := range b {
		all[k] = 1
	}
	return sortedKeys(all)
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// WriteTo writes the report as text: totals, then counts by type, then the
// problems.
func (r *Report) WriteTo(w io.Writer) (int64, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "events %d, attributes %d: mapped %d, not mapped %d (refused for their marking %d, imported under the fallback marking %d)\n",
		r.Events, r.Attributes, r.MappedCount(), r.NotMappedCount(), r.Refused, r.Restricted)
	for _, t := range keysOf(r.Mapped, r.NotMapped) {
		fmt.Fprintf(&b, "  attribute %-24s mapped %5d  not mapped %5d\n", t, r.Mapped[t], r.NotMapped[t])
	}
	for _, t := range sortedKeys(r.Grouped) {
		fmt.Fprintf(&b, "  object %-27s grouped %d\n", t, r.Grouped[t])
	}
	for _, t := range sortedKeys(r.OneByOne) {
		fmt.Fprintf(&b, "  object %-27s attribute by attribute %d\n", t, r.OneByOne[t])
	}
	for _, t := range keysOf(r.GalaxyMapped, r.GalaxyNotMapped) {
		fmt.Fprintf(&b, "  galaxy %-27s mapped %d  not mapped %d\n", t, r.GalaxyMapped[t], r.GalaxyNotMapped[t])
	}
	out := sortedKeys(r.Output)
	parts := make([]string, len(out))
	for i, t := range out {
		parts[i] = fmt.Sprintf("%s %d", t, r.Output[t])
	}
	fmt.Fprintf(&b, "STIX objects: %s\n", strings.Join(parts, ", "))
	for _, p := range r.Problems {
		fmt.Fprintf(&b, "not mapped: %s\n", p)
	}
	if r.ProblemCount > len(r.Problems) {
		fmt.Fprintf(&b, "... and %d more\n", r.ProblemCount-len(r.Problems))
	}
	n, err := io.WriteString(w, b.String())
	return int64(n), err
}
