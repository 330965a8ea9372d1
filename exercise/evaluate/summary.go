package evaluate

import (
	"slices"
	"sort"
	"time"

	"github.com/kizuna-dev/kizuna"
)

// Actions lists the expected actions in the order reports show them.
var Actions = []string{kizuna.ExpectRead, kizuna.ExpectShare, kizuna.ExpectAcknowledge, kizuna.ExpectAssess,
	kizuna.ExpectConsultOpen, kizuna.ExpectConsultClose}

// Metric sums up one expected action of one participant or nation.
type Metric struct {
	Action                                           string
	Expected, Met, Late, Missed, Pending, Unreleased int
	// Median and Max are the times taken, over the expectations done.
	Median, Max time.Duration
	Done        int
}

// Summary is the metrics of one participant (or, with Participant "",
// one nation).
type Summary struct {
	Nation      string
	Participant string
	Metrics     []Metric
}

// ByParticipant sums up the outcomes of each participant.
func (r *Result) ByParticipant() []Summary {
	groups := map[[2]string][]Outcome{}
	for _, o := range r.Outcomes {
		k := [2]string{o.Nation, o.Participant}
		groups[k] = append(groups[k], o)
	}
	return summarise(groups)
}

// ByNation sums up each nation's outcomes, counting for each inject and
// action the nation's first participant to act: a nation shared an
// indicator when any of its expected organisations did.
func (r *Result) ByNation() []Summary {
	best := map[[3]string]Outcome{}
	for _, o := range r.Outcomes {
		k := [3]string{o.Nation, o.Inject, o.Action}
		if b, ok := best[k]; !ok || better(o, b) {
			best[k] = o
		}
	}
	groups := map[[2]string][]Outcome{}
	for k, o := range best {
		o.Participant = ""
		groups[[2]string{k[0], ""}] = append(groups[[2]string{k[0], ""}], o)
	}
	return summarise(groups)
}

var statusRank = map[string]int{StatusMet: 0, StatusLate: 1, StatusPending: 2, StatusMissed: 3, StatusNotReleased: 4}

func better(a, b Outcome) bool {
	if statusRank[a.Status] != statusRank[b.Status] {
		return statusRank[a.Status] < statusRank[b.Status]
	}
	return !a.Done.IsZero() && (b.Done.IsZero() || a.Elapsed < b.Elapsed)
}

func summarise(groups map[[2]string][]Outcome) []Summary {
	var out []Summary
	for k, os := range groups {
		s := Summary{Nation: k[0], Participant: k[1]}
		for _, action := range Actions {
			m := Metric{Action: action}
			var times []time.Duration
			for _, o := range os {
				if o.Action != action {
					continue
				}
				m.Expected++
				switch o.Status {
				case StatusMet:
					m.Met++
				case StatusLate:
					m.Late++
				case StatusMissed:
					m.Missed++
				case StatusPending:
					m.Pending++
				case StatusNotReleased:
					m.Unreleased++
				}
				if !o.Done.IsZero() {
					times = append(times, o.Elapsed)
				}
			}
			if m.Expected == 0 {
				continue
			}
			if len(times) > 0 {
				slices.Sort(times)
				m.Done, m.Median, m.Max = len(times), median(times), times[len(times)-1]
			}
			s.Metrics = append(s.Metrics, m)
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Nation != out[j].Nation {
			return out[i].Nation < out[j].Nation
		}
		return out[i].Participant < out[j].Participant
	})
	return out
}

// median of sorted durations; the lower middle for an even count, so that
// it is always a time someone actually took.
func median(sorted []time.Duration) time.Duration { return sorted[(len(sorted)-1)/2] }
