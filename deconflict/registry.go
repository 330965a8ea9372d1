package deconflict

import (
	"slices"
	"time"

	"github.com/kizuna-dev/kizuna"
)

// Access is the access decision over registrations: may the principal
// read the action (its registration object, under its marking)? The node
// answers it with its policy; matching never reports an action the
// principal may not read.
type Access interface {
	MaySee(pr *kizuna.Principal, a *kizuna.DefensiveAction) bool
}

// Conflict is a pair of registered actions that overlap in target and
// time and for which at least one rule fired.
type Conflict struct {
	Action  *kizuna.DefensiveAction // the one matched
	Other   *kizuna.DefensiveAction
	Rules   []string
	Overlap []string  // keys of Action's targets that meet Other's
	From    time.Time // the common window
	To      time.Time
}

// Registry indexes the registered actions of a node by the keys of their
// targets, for local matching.
type Registry struct {
	rules   *Rules
	entries []entry
	byID    map[string]int
	exact   map[string][]int32 // exact key -> entries
	up      map[string][]int32 // any key -> entries
}

type entry struct {
	a    *kizuna.DefensiveAction
	keys Keys
	gone bool
}

// NewRegistry returns an empty registry judging conflicts by rules.
func NewRegistry(rules *Rules) *Registry {
	return &Registry{rules: rules, byID: map[string]int{}, exact: map[string][]int32{}, up: map[string][]int32{}}
}

// Put registers an action, or replaces the registered version of its id.
// Errors: EINVALID naming the problem's JSON path.
func (r *Registry) Put(a *kizuna.DefensiveAction) error {
	k, err := KeysOf(a)
	if err != nil {
		return err
	}
	r.Remove(a.ID)
	n := int32(len(r.entries))
	r.entries = append(r.entries, entry{a: a, keys: k})
	r.byID[a.ID] = int(n)
	for _, x := range k.Exact {
		r.exact[x] = append(r.exact[x], n)
	}
	for _, x := range k.Up {
		r.up[x] = append(r.up[x], n)
	}
	return nil
}

// Remove unregisters an action.
func (r *Registry) Remove(id string) {
	if i, ok := r.byID[id]; ok {
		r.entries[i].gone = true
		delete(r.byID, id)
	}
}

// Len returns the number of registered actions.
func (r *Registry) Len() int { return len(r.byID) }

// Match returns the conflicts between x and the registered actions the
// principal may see, in registration order. x itself need not be
// registered; a registered version of x is not matched with x.
func (r *Registry) Match(pr *kizuna.Principal, access Access, x *kizuna.DefensiveAction) ([]Conflict, error) {
	k, err := KeysOf(x)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(Matched, x.State) {
		return nil, nil
	}
	overlap := map[int32][]string{}
	// An exact piece of x inside or equal to a piece of another action...
	for _, key := range k.Exact {
		for _, i := range r.up[key] {
			overlap[i] = append(overlap[i], key)
		}
	}
	// ...or a piece of another action inside a piece of x.
	for _, key := range k.Up {
		for _, i := range r.exact[key] {
			overlap[i] = append(overlap[i], key)
		}
	}
	idx := make([]int32, 0, len(overlap))
	for i := range overlap {
		idx = append(idx, i)
	}
	slices.Sort(idx)
	var out []Conflict
	for _, i := range idx {
		e := r.entries[i]
		y := e.a
		if e.gone || y.ID == x.ID || !slices.Contains(Matched, y.State) {
			continue
		}
		from, to, ok := Overlap(x.Start, x.End, y.Start, y.End)
		if !ok {
			continue
		}
		fired := r.rules.Fired(ClassOf(x), ClassOf(y), x.Nation == y.Nation)
		if len(fired) == 0 || access == nil || !access.MaySee(pr, y) {
			continue
		}
		keys := overlap[i]
		slices.Sort(keys)
		out = append(out, Conflict{Action: x, Other: y, Rules: fired, Overlap: slices.Compact(keys), From: from, To: to})
	}
	return out, nil
}

// Overlap returns the common part of two windows [aStart, aEnd) and
// [bStart, bEnd), and false when they do not intersect.
func Overlap(aStart, aEnd, bStart, bEnd time.Time) (from, to time.Time, ok bool) {
	from, to = aStart, aEnd
	if bStart.After(from) {
		from = bStart
	}
	if bEnd.Before(to) {
		to = bEnd
	}
	return from, to, from.Before(to)
}
