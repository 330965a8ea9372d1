package feed

import (
	"iter"
	"slices"
	"time"

	"github.com/kizuna-dev/kizuna"
)

// Objects is the stream an exporter reads: the object versions a reader may
// read, in the store's order, as the guarded store returns them page by
// page. The latest version of each object is expected; a later version of
// an id already read is left out as a duplicate. An error ends the export.
type Objects = iter.Seq2[*kizuna.Object, error]

// DefaultMaxListed is how many left-out objects a Report lists by default.
const DefaultMaxListed = 10_000

// Options are the settings every exporter shares.
type Options struct {
	// Now, when not zero, leaves out indicators whose valid_until is at or
	// before it, and ones whose valid_from is after it.
	Now time.Time
	// MaxListed bounds Report.Skipped and Report.Partial (0: the default);
	// the counts are always complete.
	MaxListed int
	// OnSkip, when set, receives every object left out or exported in part,
	// so that a caller can list them all.
	OnSkip func(Skipped)
}

// Skipped is an object left out of an export, or exported in part, and why.
type Skipped struct {
	ID      string
	Version time.Time
	Reason  string
	// Partial is true when the object was exported, but without the
	// conditions Reason names.
	Partial bool
}

// Report says what an export wrote and what it left out.
type Report struct {
	Read     int // objects read from the stream
	Exported int // objects that gave at least one entry
	Entries  int // rules, lines, rows or attributes written
	// Ignored counts, by STIX type, the objects the format does not carry
	// (a blocklist carries indicators only).
	Ignored map[string]int
	// Skipped lists objects left out, and Partial objects exported in part,
	// each with the reason; at most Options.MaxListed of each. The counts
	// are complete.
	Skipped      []Skipped
	SkippedCount int
	Partial      []Skipped
	PartialCount int
	// Markings lists, sorted, the distinct markings of what was exported,
	// as banners ("TLP:AMBER // USA SECRET // REL TO JPN, USA").
	Markings []string
	// Collisions counts rule ids that were taken already and were derived
	// again (rules only).
	Collisions int

	max      int
	onSkip   func(Skipped)
	markings map[string]bool
}

func newReport(o Options) *Report {
	r := &Report{Ignored: map[string]int{}, max: o.MaxListed, onSkip: o.OnSkip, markings: map[string]bool{}}
	if r.max <= 0 {
		r.max = DefaultMaxListed
	}
	return r
}

func (r *Report) skip(o *kizuna.Object, reason string) {
	s := Skipped{ID: o.ID, Version: o.Version, Reason: reason}
	r.SkippedCount++
	if len(r.Skipped) < r.max {
		r.Skipped = append(r.Skipped, s)
	}
	if r.onSkip != nil {
		r.onSkip(s)
	}
}

func (r *Report) partial(o *kizuna.Object, reason string) {
	s := Skipped{ID: o.ID, Version: o.Version, Reason: reason, Partial: true}
	r.PartialCount++
	if len(r.Partial) < r.max {
		r.Partial = append(r.Partial, s)
	}
	if r.onSkip != nil {
		r.onSkip(s)
	}
}

func (r *Report) exported(m marking) {
	r.Exported++
	if !r.markings[m.banner] {
		r.markings[m.banner] = true
		r.Markings = append(r.Markings, m.banner)
	}
}

func (r *Report) finish() {
	slices.Sort(r.Markings)
}
