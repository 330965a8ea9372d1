package pattern

import (
	"errors"
	"iter"
	"slices"
	"time"
)

// ErrTooComplex is returned when deciding a match would take more steps than
// the evaluation budget allows. The pattern is then treated as not matching
// by the index, and reported as an error by Match.
var ErrTooComplex = errors.New("pattern: evaluation exceeded its step budget")

// stepBudget bounds the work of one binding search (joins, combinations).
const stepBudget = 5_000_000

// A binding assigns observations to the leaves of a pattern. It is kept as a
// sorted multiset of observation indices: an observed-data with
// number_observed N stands for N observations, so it may be bound up to N
// times, and only the count per observation matters for the constraints.
type binding []int32

// searcher looks for one binding of a pattern over a set of observations.
type searcher struct {
	obs    []*Observation
	leaves [][]int32 // per leaf: indices of the observations satisfying it
	steps  int
	err    error
}

func (s *searcher) tick() bool {
	s.steps++
	if s.steps > stepBudget {
		s.err = ErrTooComplex
		return false
	}
	return true
}

// compatible reports whether two bindings can be combined: no observation is
// used more often than its number_observed.
func (s *searcher) compatible(a, b binding) bool {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			o := a[i]
			n := int64(0)
			for i < len(a) && a[i] == o {
				i++
				n++
			}
			for j < len(b) && b[j] == o {
				j++
				n++
			}
			if n > s.obs[o].Count {
				return false
			}
		}
	}
	return true
}

func merge(a, b binding) binding {
	out := make(binding, 0, len(a)+len(b))
	out = append(out, a...)
	out = append(out, b...)
	slices.Sort(out)
	return out
}

func (s *searcher) latestFirst(b binding) time.Time {
	t := s.obs[b[0]].First
	for _, o := range b[1:] {
		if f := s.obs[o].First; f.After(t) {
			t = f
		}
	}
	return t
}

func (s *searcher) earliestLast(b binding) time.Time {
	t := s.obs[b[0]].Last
	for _, o := range b[1:] {
		if l := s.obs[o].Last; l.Before(t) {
			t = l
		}
	}
	return t
}

// cached is a lazily filled, re-iterable view of a binding sequence.
type cached struct {
	next  func() (binding, bool)
	stop  func()
	items []binding
	done  bool
}

func newCached(seq iter.Seq[binding]) *cached {
	next, stop := iter.Pull(seq)
	return &cached{next: next, stop: stop}
}

// at returns item i, pulling more items as needed.
func (c *cached) at(i int) (binding, bool) {
	for i >= len(c.items) && !c.done {
		b, ok := c.next()
		if !ok {
			c.done = true
			c.stop()
			break
		}
		c.items = append(c.items, b)
	}
	if i < len(c.items) {
		return c.items[i], true
	}
	return nil, false
}

// seq yields every binding of the expression that satisfies its constraints.
func (s *searcher) seq(e ObservationExpr) iter.Seq[binding] {
	switch x := e.(type) {
	case *ObservationSimple:
		return func(yield func(binding) bool) {
			for _, o := range s.leaves[x.Leaf] {
				if !s.tick() || !yield(binding{o}) {
					return
				}
			}
		}
	case *ObservationBinary:
		if x.Op == OpObsOr {
			return func(yield func(binding) bool) {
				for b := range s.seq(x.Left) {
					if !yield(b) {
						return
					}
				}
				for b := range s.seq(x.Right) {
					if !yield(b) {
						return
					}
				}
			}
		}
		return s.join(x)
	case *Qualified:
		return s.qualified(x)
	}
	return func(func(binding) bool) {}
}

// join combines left and right bindings for AND and FOLLOWEDBY. For
// FOLLOWEDBY it must be possible to pick times within each observation's
// interval so that every left time precedes every right time: the latest
// first_observed on the left is not after the earliest last_observed on the
// right.
func (s *searcher) join(x *ObservationBinary) iter.Seq[binding] {
	return func(yield func(binding) bool) {
		right := newCached(s.seq(x.Right))
		defer right.stop()
		if _, ok := right.at(0); !ok {
			return
		}
		for l := range s.seq(x.Left) {
			var lf time.Time
			if x.Op == OpFollowedBy {
				lf = s.latestFirst(l)
			}
			for i := 0; ; i++ {
				r, ok := right.at(i)
				if !ok || !s.tick() {
					break
				}
				if !s.compatible(l, r) {
					continue
				}
				if x.Op == OpFollowedBy && lf.After(s.earliestLast(r)) {
					continue
				}
				if !yield(merge(l, r)) {
					return
				}
			}
			if s.err != nil {
				return
			}
		}
	}
}

func (s *searcher) qualified(q *Qualified) iter.Seq[binding] {
	inner := s.seq(q.Inner)
	switch q.Kind {
	case QualWithin:
		// A window of the given length can touch every observation's
		// interval exactly when the latest first_observed is no later than
		// the earliest last_observed plus the window.
		return func(yield func(binding) bool) {
			for b := range inner {
				if s.latestFirst(b).Sub(s.earliestLast(b)) <= q.Within && !yield(b) {
					return
				}
			}
		}
	case QualStartStop:
		// Each observation's interval must meet [start, stop): overlapping,
		// or touching at start, but not only touching at stop.
		return func(yield func(binding) bool) {
			if !q.Start.Before(q.Stop) {
				return
			}
			for b := range inner {
				ok := true
				for _, o := range b {
					f, l := s.obs[o].First, s.obs[o].Last
					if !f.Before(q.Stop) || l.Before(q.Start) {
						ok = false
						break
					}
				}
				if ok && !yield(b) {
					return
				}
			}
		}
	case QualRepeats:
		return s.repeats(inner, q.Repeats)
	}
	return inner
}

// maxRepeats bounds REPEATS counts the search will try to satisfy, since
// each repetition is one level of the search.
const maxRepeats = 10_000

// repeats yields combinations of n inner bindings that can coexist.
func (s *searcher) repeats(inner iter.Seq[binding], n int64) iter.Seq[binding] {
	return func(yield func(binding) bool) {
		if n > maxRepeats {
			s.err = ErrTooComplex
			return
		}
		var items []binding
		for b := range inner {
			items = append(items, b)
		}
		if s.err != nil || len(items) == 0 {
			return
		}
		// No combination exists when the observations involved cannot
		// supply n bindings of the smallest size.
		capacity, smallest := int64(0), len(items[0])
		seen := map[int32]bool{}
		for _, b := range items {
			smallest = min(smallest, len(b))
			for _, o := range b {
				if !seen[o] {
					seen[o] = true
					capacity = min(capacity+min(s.obs[o].Count, 1<<40), 1<<62)
				}
			}
		}
		if capacity < n*int64(smallest) {
			return
		}
		var rec func(from int, acc binding, left int64) bool
		rec = func(from int, acc binding, left int64) bool {
			if left == 0 {
				return yield(acc)
			}
			for i := from; i < len(items); i++ {
				if !s.tick() {
					return false
				}
				if !s.compatible(acc, items[i]) {
					continue
				}
				if !rec(i, merge(acc, items[i]), left-1) {
					return false
				}
			}
			return true
		}
		rec(0, nil, n)
	}
}

// first returns the first binding of the pattern, if any.
func (s *searcher) first(root ObservationExpr) (binding, bool, error) {
	for b := range s.seq(root) {
		return b, true, nil
	}
	return nil, false, s.err
}
