// Package pattern implements the STIX 2.1 patterning language: a hand-written
// lexer and parser for the full grammar (and the STIX 2.0 variant), the
// specification's semantic checks, an evaluator over observed-data, and an
// Index that finds the indicators matching an observation, or a set of
// observations, without evaluating every pattern.
//
// Matching follows the specification and the OASIS reference matcher
// (stix2-matcher): a bracketed comparison expression is satisfied by one
// observation whose objects satisfy it, with AND and OR inside brackets
// combining tests on the same root object; observation expressions bind
// distinct observations (an observed-data with number_observed N counts as N
// observations) and the qualifiers constrain the bound observations' times.
package pattern

import (
	"fmt"
	"slices"
)

// Pattern is a parsed STIX pattern. It is immutable and safe for concurrent use.
type Pattern struct {
	Version Version
	Root    ObservationExpr
	// Leaves lists the bracketed observation expressions in source order;
	// ObservationSimple.Leaf indexes it.
	Leaves  []*ObservationSimple
	text    string
	evalErr error
}

// String returns the pattern's source text.
func (p *Pattern) String() string { return p.text }

// EvalError reports a pattern that is valid but cannot be evaluated at all
// (for example WITHIN 0 SECONDS, or a set mixing types), or data the
// evaluation cannot interpret.
type EvalError struct{ Err error }

// Error prefixes the cause with "evaluation: ".
func (e *EvalError) Error() string { return "evaluation: " + e.Err.Error() }

// Unwrap returns the cause.
func (e *EvalError) Unwrap() error { return e.Err }

// Result is the outcome of matching a pattern against observations.
type Result struct {
	Matched bool
	// ObservedData lists, in input order, the ids of the observed-data of
	// one binding that satisfies the pattern.
	ObservedData []string
}

// Match evaluates the pattern against the observations taken together, so
// that observation expressions joined by AND or FOLLOWEDBY, or qualified with
// REPEATS, may bind different observations. The error is an *EvalError.
func (p *Pattern) Match(obs []*Observation) (Result, error) {
	if p.evalErr != nil {
		return Result{}, &EvalError{Err: p.evalErr}
	}
	leaves := make([][]int32, len(p.Leaves))
	v20 := p.Version == V20
	for li, leaf := range p.Leaves {
		for oi, o := range obs {
			ok, err := leafMatches(o, leaf, v20)
			if err != nil {
				return Result{}, &EvalError{Err: err}
			}
			if ok {
				leaves[li] = append(leaves[li], int32(oi))
			}
		}
	}
	return p.bind(obs, leaves)
}

// bind searches for a binding given, for every leaf, the observations that
// satisfy it.
func (p *Pattern) bind(obs []*Observation, leaves [][]int32) (Result, error) {
	s := &searcher{obs: obs, leaves: leaves}
	b, ok, err := s.first(p.Root)
	if err != nil {
		return Result{}, &EvalError{Err: err}
	}
	if !ok {
		return Result{}, nil
	}
	b = slices.Compact(b)
	r := Result{Matched: true}
	for _, o := range b {
		r.ObservedData = append(r.ObservedData, obs[o].ID)
	}
	return r, nil
}

// MustParse parses a STIX 2.1 pattern and panics on error; it is meant for
// patterns written in source code.
func MustParse(src string) *Pattern {
	p, err := Parse(src)
	if err != nil {
		panic(fmt.Sprintf("pattern.MustParse(%q): %v", src, err))
	}
	return p
}
