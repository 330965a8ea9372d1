package threshold

import (
	"slices"
	"strconv"
	"strings"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/defense/internal/celx"
	"github.com/kizuna-dev/kizuna/defense/internal/subsets"
)

// Result is what a policy concludes on one input, and why.
type Result struct {
	Level      kizuna.Level
	RulesFired []string
	// DecidingRules are the fired rules without which the decision would
	// be another level (or would fail); DecidingFactors the factors they
	// and the decision read.
	DecidingRules   []string
	DecidingFactors []string
}

// Evaluate runs the policy on an input. Any failure, and a decision that
// is not one of the policy's levels, is an error (EINVALID wrapping an
// *Error with the path and position): no level is made up.
func (p *Policy) Evaluate(in *Input) (*Result, error) {
	base := activation{in}
	fired, err := p.fired(base)
	if err != nil {
		return nil, err
	}
	lvl, err := p.decide(base, fired)
	if err != nil {
		return nil, err
	}
	res := &Result{Level: kizuna.Level{ID: lvl.ID, Name: lvl.Name, Rank: lvl.Rank}}
	factors := map[string]bool{}
	for _, f := range factorRefs(p.decision) {
		factors[f] = true
	}
	var on []int
	for i, r := range p.Rules {
		if fired[i] {
			res.RulesFired = append(res.RulesFired, r.ID)
			on = append(on, i)
		}
	}
	for _, i := range p.deciding(base, fired, on, lvl.ID) {
		res.DecidingRules = append(res.DecidingRules, p.Rules[i].ID)
		for _, f := range factorRefs(p.Rules[i].expr) {
			factors[f] = true
		}
	}
	for _, f := range kizuna.Factors {
		if factors[f] {
			res.DecidingFactors = append(res.DecidingFactors, f)
		}
	}
	return res, nil
}

// maxDeciding bounds the size of the rule sets tried when no single rule
// decides the level (two rules that each suffice, for instance).
const maxDeciding = 3

// deciding returns the fired rules (indexes into Rules, among on) that
// decide the level: those whose removal alone changes it, or, when none
// does, the rules of the smallest sets whose joint removal does.
func (p *Policy) deciding(base activation, fired []bool, on []int, level string) []int {
	flipped := slices.Clone(fired)
	var out []int
	for k := 1; k <= min(maxDeciding, len(on)) && len(out) == 0; k++ {
		subsets.Each(len(on), k, func(idx []int) bool {
			for _, x := range idx {
				flipped[on[x]] = false
			}
			other, err := p.decide(base, flipped)
			for _, x := range idx {
				flipped[on[x]] = true
			}
			if err != nil || other.ID != level {
				for _, x := range idx {
					if !slices.Contains(out, on[x]) {
						out = append(out, on[x])
					}
				}
			}
			return true
		})
	}
	slices.Sort(out)
	return out
}

// FiredRules evaluates every rule on an input and reports which fired, in the
// order of Rules.
func (p *Policy) FiredRules(in *Input) ([]bool, error) { return p.fired(activation{in}) }

func (p *Policy) fired(act activation) ([]bool, error) {
	fired := make([]bool, len(p.Rules))
	for i := range p.Rules {
		ok, is := p.Rules[i].expr.Bool(act)
		if is != nil {
			return nil, p.fail(ruleWhen(i), *is)
		}
		fired[i] = ok
	}
	return fired, nil
}

// Decide runs only the decision, on an input and given rule outcomes (in
// the order of Rules): divergence uses it to ask what the decision would
// be had some rules come out otherwise.
func (p *Policy) Decide(in *Input, fired []bool) (kizuna.Level, error) {
	l, err := p.decide(activation{in}, fired)
	if err != nil {
		return kizuna.Level{}, err
	}
	return kizuna.Level{ID: l.ID, Name: l.Name, Rank: l.Rank}, nil
}

func (p *Policy) decide(base activation, fired []bool) (*LevelDef, error) {
	vals := make([]any, len(fired))
	for i, f := range fired {
		vals[i] = f
	}
	act := &celx.Vars{Index: p.ruleVarIdx, Values: vals, Up: base}
	id, is := p.decision.String(act)
	if is != nil {
		return nil, p.fail("$.decision", *is)
	}
	l := p.Level(id)
	if l == nil {
		ids := make([]string, len(p.Levels))
		for i, x := range p.Levels {
			ids[i] = x.ID
		}
		return nil, p.fail("$.decision", celx.Issue{Line: 1, Column: 1,
			Message: "yielded " + quote(id) + ", which is not one of the policy's levels " + strings.Join(ids, ", ")})
	}
	return l, nil
}

func (p *Policy) fail(path string, is celx.Issue) error {
	e := &Error{Nation: p.Nation, Version: p.Version, File: p.file, Path: path, Issue: is}
	return kizuna.WrapError(kizuna.EINVALID, e, "%v", e)
}

func ruleWhen(i int) string { return "$.rules[" + strconv.Itoa(i) + "].when" }

func quote(s string) string {
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return `"` + s + `"`
}

// factorRefs lists the factors an expression reads.
func factorRefs(x *celx.Expr) []string {
	var out []string
	for _, name := range x.References() {
		if rest, ok := strings.CutPrefix(name, "factors."); ok {
			f, _, _ := strings.Cut(rest, ".")
			if !slices.Contains(out, f) {
				out = append(out, f)
			}
		}
	}
	return out
}

// RuleFactors returns the factors the rule with the id reads.
func (p *Policy) RuleFactors(id string) []string {
	if i, ok := p.ruleIdx[id]; ok {
		return factorRefs(p.Rules[i].expr)
	}
	return nil
}
