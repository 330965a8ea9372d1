package defense

import (
	"fmt"
	"strings"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/defense/internal/subsets"
	"github.com/kizuna-dev/kizuna/defense/threshold"
)

// Divergence sets the nations' assessments of one incident side by side
// and explains each pair of nations whose levels differ.
type Divergence struct {
	IncidentID string    `json:"incident_ref"`
	Outcomes   []Outcome `json:"outcomes"`
	Pairs      []Pair    `json:"pairs"`
}

// Pair explains why nations A and B reach different levels. Each policy is
// run again on the other nation's inputs (its factor answers and its
// severity): a policy that then reaches the other's level shows the
// difference lies in the inputs, one that does not shows it lies in the
// rules. Smallest lists the smallest sets of inputs whose swap alone
// brings a policy to the other nation's level.
type Pair struct {
	A      string       `json:"a"`
	B      string       `json:"b"`
	LevelA kizuna.Level `json:"level_a"`
	LevelB kizuna.Level `json:"level_b"`
	// Differing are the inputs on which the two nations differ.
	Differing []InputDiff `json:"differing_inputs"`
	// AOnB is A's policy on B's inputs; BOnA B's policy on A's inputs.
	AOnB Cross `json:"a_on_b_inputs"`
	BOnA Cross `json:"b_on_a_inputs"`
	// Cause is "inputs", "rules" or "inputs-and-rules".
	Cause string `json:"cause"`
	// SmallestA are the smallest sets of B's inputs that bring A's policy
	// to B's level from A's inputs; SmallestB the converse. Empty when no
	// set does: then the rules alone keep the levels apart.
	SmallestA [][]string `json:"smallest_a"`
	SmallestB [][]string `json:"smallest_b"`
	Summary   []string   `json:"summary"`
}

// scoredSeverity names the severity under a nation's scoring model among
// the inputs (the factor "severity" is an analyst's answer).
const scoredSeverity = "scored_severity"

// InputDiff is an input on which two nations differ: a factor id, or
// "scored_severity".
type InputDiff struct {
	Input string `json:"input"`
	A     string `json:"a"`
	B     string `json:"b"`
}

// Cross is a policy's conclusion on another nation's inputs.
type Cross struct {
	Level         *kizuna.Level `json:"level,omitempty"`
	DecidingRules []string      `json:"deciding_rules,omitempty"`
	Error         string        `json:"error,omitempty"`
}

// maxSmallest bounds the minimal sets listed per direction.
const maxSmallest = 8

type inputs struct {
	sev     kizuna.Severity
	answers *kizuna.FactorAnswers
}

// Divergence assesses the incident under every nation and explains the
// pairs whose levels differ.
func (e *Engine) Divergence(f *kizuna.IncidentFacts, answers map[string]*kizuna.FactorAnswers) *Divergence {
	d := &Divergence{IncidentID: f.IncidentID, Outcomes: e.AssessAll(f, answers), Pairs: []Pair{}}
	for i := range d.Outcomes {
		for j := i + 1; j < len(d.Outcomes); j++ {
			a, b := d.Outcomes[i], d.Outcomes[j]
			if a.Result == nil || b.Result == nil || a.Result.Level.Rank == b.Result.Level.Rank {
				continue
			}
			d.Pairs = append(d.Pairs, e.explain(f, a.Result, b.Result, answers[a.Nation], answers[b.Nation]))
		}
	}
	return d
}

func (e *Engine) explain(f *kizuna.IncidentFacts, ra, rb *kizuna.AssessmentResult, aa, ab *kizuna.FactorAnswers) Pair {
	p := Pair{A: ra.Nation, B: rb.Nation, LevelA: ra.Level, LevelB: rb.Level, SmallestA: [][]string{}, SmallestB: [][]string{}}
	ia, ib := inputs{ra.Severity, aa}, inputs{rb.Severity, ab}
	names := differing(ia, ib)
	for _, n := range names {
		p.Differing = append(p.Differing, describeDiff(n, ia, ib))
	}
	pa, pb := e.nations[p.A].Policy, e.nations[p.B].Policy
	p.AOnB, p.BOnA = cross(pa, f, ib), cross(pb, f, ia)
	inputsMatter := rankOf(p.AOnB) == p.LevelB.Rank || rankOf(p.BOnA) == p.LevelA.Rank
	rulesMatter := rankOf(p.AOnB) != p.LevelB.Rank || rankOf(p.BOnA) != p.LevelA.Rank
	switch {
	case inputsMatter && rulesMatter:
		p.Cause = "inputs-and-rules"
	case inputsMatter:
		p.Cause = "inputs"
	default:
		p.Cause = "rules"
	}
	p.SmallestA = smallest(pa, f, ia, ib, names, p.LevelB.Rank)
	p.SmallestB = smallest(pb, f, ib, ia, names, p.LevelA.Rank)
	p.Summary = summarize(&p)
	return p
}

func rankOf(c Cross) int {
	if c.Level == nil {
		return -1
	}
	return c.Level.Rank
}

func cross(p *threshold.Policy, f *kizuna.IncidentFacts, in inputs) Cross {
	r, err := p.Evaluate(&threshold.Input{Facts: f, Severity: in.sev, Answers: in.answers, Campaign: single(f)})
	if err != nil {
		return Cross{Error: kizuna.ErrorMessage(err)}
	}
	return Cross{Level: &r.Level, DecidingRules: r.DecidingRules}
}

// differing lists the inputs on which the two nations differ.
func differing(a, b inputs) []string {
	var out []string
	for _, f := range kizuna.Factors {
		if describe(a.answers.Answer(f)) != describe(b.answers.Answer(f)) {
			out = append(out, f)
		}
	}
	if a.sev.Score != b.sev.Score || a.sev.Level != b.sev.Level {
		out = append(out, scoredSeverity)
	}
	return out
}

func describeDiff(name string, a, b inputs) InputDiff {
	if name == scoredSeverity {
		return InputDiff{Input: name, A: fmt.Sprintf("%v (%s)", a.sev.Score, a.sev.LevelName), B: fmt.Sprintf("%v (%s)", b.sev.Score, b.sev.LevelName)}
	}
	return InputDiff{Input: name, A: describe(a.answers.Answer(name)), B: describe(b.answers.Answer(name))}
}

// mix returns base with the named inputs taken from other.
func mix(base, other inputs, take []string) inputs {
	out := inputs{sev: base.sev, answers: &kizuna.FactorAnswers{}}
	if base.answers != nil {
		out.answers.Nation = base.answers.Nation
	}
	for _, f := range kizuna.Factors {
		src := base.answers
		for _, t := range take {
			if t == f {
				src = other.answers
			}
		}
		if a := src.Answer(f); a != nil {
			out.answers.Answers = append(out.answers.Answers, *a)
		}
	}
	for _, t := range take {
		if t == scoredSeverity {
			out.sev = other.sev
		}
	}
	return out
}

// smallest searches, by increasing size, the sets of differing inputs
// whose values from other bring p from base to the target rank.
func smallest(p *threshold.Policy, f *kizuna.IncidentFacts, base, other inputs, names []string, target int) [][]string {
	found := [][]string{}
	for k := 1; k <= len(names) && len(found) == 0; k++ {
		subsets.Each(len(names), k, func(idx []int) bool {
			take := make([]string, len(idx))
			for i, x := range idx {
				take[i] = names[x]
			}
			if rankOf(cross(p, f, mix(base, other, take))) == target {
				found = append(found, take)
			}
			return len(found) < maxSmallest
		})
	}
	return found
}

func summarize(p *Pair) []string {
	s := []string{fmt.Sprintf("%s's policy concludes %q (rank %d); %s's concludes %q (rank %d).",
		p.A, p.LevelA.Name, p.LevelA.Rank, p.B, p.LevelB.Name, p.LevelB.Rank)}
	one := func(x, y string, c Cross, target kizuna.Level, sm [][]string) string {
		switch {
		case c.Level == nil:
			return fmt.Sprintf("On %s's inputs %s's policy fails: %s", y, x, c.Error)
		case c.Level.Rank == target.Rank:
			return fmt.Sprintf("On %s's inputs %s's policy also concludes rank %d: for %s the inputs explain the difference; the smallest change is %s.",
				y, x, c.Level.Rank, x, sets(sm))
		case len(sm) == 0:
			return fmt.Sprintf("On %s's inputs %s's policy concludes rank %d, and no change of inputs brings it to rank %d: %s's rules differ (deciding on %s's inputs: %s).",
				y, x, c.Level.Rank, target.Rank, x, y, list(c.DecidingRules))
		}
		return fmt.Sprintf("On %s's inputs %s's policy concludes rank %d; rank %d follows from %s's inputs with only %s changed.",
			y, x, c.Level.Rank, target.Rank, x, sets(sm))
	}
	s = append(s, one(p.A, p.B, p.AOnB, p.LevelB, p.SmallestA), one(p.B, p.A, p.BOnA, p.LevelA, p.SmallestB))
	return s
}

func sets(sm [][]string) string {
	parts := make([]string, len(sm))
	for i, x := range sm {
		parts[i] = "{" + strings.Join(x, ", ") + "}"
	}
	return strings.Join(parts, " or ")
}

func list(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}
