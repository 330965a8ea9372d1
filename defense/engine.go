package defense

import (
	"fmt"
	"slices"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/defense/score"
	"github.com/kizuna-dev/kizuna/defense/threshold"
	"github.com/kizuna-dev/kizuna/sector"
)

// Engine assesses incidents under every configured nation's scoring model
// and policy. It is safe for concurrent use: it holds only configuration.
type Engine struct {
	sectors *sector.Catalog
	// expand says how an incident's sector ids are extended: into the
	// vocabularies of the configured nations, whose models and policies
	// read them.
	expand  sector.ExpandOptions
	nations map[string]*Nation
	order   []string
}

// New returns an engine over nations (each with a model and a policy) and
// the sector vocabularies (nil: none; sector ids are then kept as given).
func New(sectors *sector.Catalog, nations ...*Nation) (*Engine, error) {
	e := &Engine{sectors: sectors, nations: map[string]*Nation{}}
	for _, n := range nations {
		if n == nil || n.Model == nil || n.Policy == nil {
			return nil, kizuna.Errorf(kizuna.EINVALID, "a nation needs a scoring model and a policy")
		}
		if _, dup := e.nations[n.Code]; dup {
			return nil, kizuna.Errorf(kizuna.EINVALID, "nation %s is configured twice", n.Code)
		}
		e.nations[n.Code] = n
		e.order = append(e.order, n.Code)
	}
	slices.Sort(e.order)
	e.expand.Nations = e.order
	return e, nil
}

// Nations lists the configured nations in code order.
func (e *Engine) Nations() []string { return slices.Clone(e.order) }

// Nation returns a nation's configuration, or nil.
func (e *Engine) Nation(code string) *Nation { return e.nations[code] }

// Sectors returns the sector vocabularies and crosswalk the engine uses.
func (e *Engine) Sectors() *sector.Catalog { return e.sectors }

// Outcome is one nation's result, or why there is none.
type Outcome struct {
	Nation string                   `json:"nation"`
	Result *kizuna.AssessmentResult `json:"result,omitempty"`
	Error  string                   `json:"error,omitempty"`
}

// Assess scores the incident under the nation's model and runs its policy
// on the facts, the severity and the nation's factor answers (nil: none
// answered). Errors: ENOTFOUND (nation not configured), EINVALID (the
// model or the policy failed; the message names it and the position).
func (e *Engine) Assess(nation string, f *kizuna.IncidentFacts, answers *kizuna.FactorAnswers) (*kizuna.AssessmentResult, error) {
	return e.assess(nation, f, answers, single(f))
}

func single(f *kizuna.IncidentFacts) threshold.Campaign {
	return threshold.Campaign{Incidents: 1, Nations: f.AffectedNations, SpanDays: f.DurationHours / 24}
}

func (e *Engine) assess(nation string, f *kizuna.IncidentFacts, answers *kizuna.FactorAnswers, c threshold.Campaign) (*kizuna.AssessmentResult, error) {
	n := e.nations[nation]
	if n == nil {
		return nil, kizuna.Errorf(kizuna.ENOTFOUND, "no scoring model and policy are configured for %s", nation)
	}
	return assessWith(n.Model, n.Policy, f, answers, c)
}

// AssessWith scores the incident under a model and runs a policy on it, as
// Assess does for a configured nation: it serves trying a policy being
// written (kizuna policy test) on a saved incident. Errors: EINVALID (the
// model or the policy failed; the message names it and the position).
func AssessWith(m *score.Model, p *threshold.Policy, f *kizuna.IncidentFacts, answers *kizuna.FactorAnswers) (*kizuna.AssessmentResult, error) {
	return assessWith(m, p, f, answers, single(f))
}

func assessWith(m *score.Model, p *threshold.Policy, f *kizuna.IncidentFacts, answers *kizuna.FactorAnswers, c threshold.Campaign) (*kizuna.AssessmentResult, error) {
	if answers != nil && answers.Nation != "" && answers.Nation != p.Nation {
		return nil, kizuna.Errorf(kizuna.EINVALID, "%s's factor answers cannot be assessed as %s's", answers.Nation, p.Nation)
	}
	sev, err := m.Score(f)
	if err != nil {
		return nil, err
	}
	res, err := p.Evaluate(&threshold.Input{Facts: f, Severity: sev, Answers: answers, Campaign: c})
	if err != nil {
		return nil, err
	}
	return &kizuna.AssessmentResult{
		Nation: p.Nation, Severity: sev, Policy: p.Ref(), Level: res.Level,
		RulesFired: nonNil(res.RulesFired), DecidingRules: nonNil(res.DecidingRules), DecidingFactors: nonNil(res.DecidingFactors),
	}, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// AssessAll assesses the incident under every configured nation, each with
// its own answers (answers[nation], nil when it has none). A nation whose
// model or policy fails has an Outcome with the error and no result.
func (e *Engine) AssessAll(f *kizuna.IncidentFacts, answers map[string]*kizuna.FactorAnswers) []Outcome {
	out := make([]Outcome, 0, len(e.order))
	for _, n := range e.order {
		r, err := e.Assess(n, f, answers[n])
		o := Outcome{Nation: n, Result: r}
		if err != nil {
			o.Error = kizuna.ErrorMessage(err)
		}
		out = append(out, o)
	}
	return out
}

// describe formats a factor answer for people: "high (75)".
func describe(a *kizuna.FactorAnswer) string {
	if a == nil {
		return "unanswered"
	}
	return fmt.Sprintf("%s (%d)", a.Degree, a.Confidence)
}
