package pairwise

import (
	"cmp"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"slices"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/deconflict"
)

// Index holds the tokens of this node's actions that take part in the
// exchange with the agreement's other party, sorted for lookup: a main
// run built at once and a small run of the actions added since, merged
// into the main run when it grows past an eighth of it.
type Index struct {
	ag      *Agreement
	rules   *deconflict.Rules
	self    string // this side's nation
	tk      *tokenizer
	main    run
	recent  run
	actions []*kizuna.DefensiveAction
	byID    map[string]uint32
	gone    map[uint32]bool
}

// run is a sorted list of tokens with, for each, the action index << 1,
// | 1 when the token is of an exact key.
type run []entry

type entry struct {
	t uint64
	r uint32
}

// BuildIndex indexes the actions of this side (nation self) that take
// part in the exchange: matched states, released for deconfliction with
// the other party's nation. Each action is indexed under its own class,
// for every time bucket of its window and every key of its targets.
func BuildIndex(ag *Agreement, rules *deconflict.Rules, self string, actions []*kizuna.DefensiveAction) (*Index, error) {
	if err := ag.Check(); err != nil {
		return nil, err
	}
	if rules.Digest != ag.Rules {
		return nil, kizuna.Errorf(kizuna.EINVALID, "agreement %s: the rules loaded are not those agreed", ag.ID)
	}
	ix := &Index{ag: ag, rules: rules, self: self, tk: newTokenizer(ag), byID: map[string]uint32{}, gone: map[uint32]bool{}}
	// Prepared first, so that the run is allocated once at its size: the
	// index of a large registry is mostly this one slice.
	var prepared []prep
	n := 0
	for _, a := range actions {
		p, ok, err := ix.prepare(a)
		if err != nil {
			return nil, err
		}
		if ok {
			prepared = append(prepared, p)
			n += p.count()
		}
	}
	ix.main = make(run, 0, n)
	for _, p := range prepared {
		ix.add(&ix.main, p)
	}
	slices.SortFunc(ix.main, func(a, b entry) int { return cmp.Compare(a.t, b.t) })
	return ix, nil
}

// prep is an action ready to index: its keys and time buckets.
type prep struct {
	a       *kizuna.DefensiveAction
	exact   []string
	up      []string
	buckets []int64
}

func (p prep) count() int { return len(p.buckets) * (len(p.exact) + len(p.up)) }

// prepare computes what an action is indexed under; ok is false for an
// action that does not take part in the exchange.
func (ix *Index) prepare(a *kizuna.DefensiveAction) (prep, bool, error) {
	if !eligible(a, ix.ag.Other(ix.self)) {
		return prep{}, false, nil
	}
	keys, err := deconflict.KeysOf(a)
	if err != nil {
		return prep{}, false, err
	}
	buckets, err := ix.ag.buckets(a.Start, a.End)
	if err != nil {
		return prep{}, false, kizuna.Errorf(kizuna.EINVALID, "%s: $.window: %v", a.ID, err)
	}
	return prep{a: a, exact: keys.Exact, up: upOnly(keys), buckets: buckets}, true, nil
}

// add appends the tokens of a prepared action to r.
func (ix *Index) add(r *run, p prep) {
	if old, ok := ix.byID[p.a.ID]; ok {
		ix.gone[old] = true
	}
	n := uint32(len(ix.actions))
	ix.actions = append(ix.actions, p.a)
	ix.byID[p.a.ID] = n
	c := deconflict.ClassOf(p.a)
	for _, b := range p.buckets {
		for _, k := range p.exact {
			*r = append(*r, entry{ix.tk.token(c, b, k), n<<1 | 1})
		}
		for _, k := range p.up {
			*r = append(*r, entry{ix.tk.token(c, b, k), n << 1})
		}
	}
}

// Put indexes a new action, or a new version of one (the old one is no
// longer matched).
func (ix *Index) Put(a *kizuna.DefensiveAction) error {
	if old, ok := ix.byID[a.ID]; ok && !eligible(a, ix.ag.Other(ix.self)) {
		ix.gone[old] = true
		delete(ix.byID, a.ID)
		return nil
	}
	p, ok, err := ix.prepare(a)
	if err != nil || !ok {
		return err
	}
	ix.add(&ix.recent, p)
	slices.SortFunc(ix.recent, func(a, b entry) int { return cmp.Compare(a.t, b.t) })
	if len(ix.recent) > len(ix.main)/8 {
		ix.main = append(ix.main, ix.recent...)
		ix.recent = nil
		slices.SortFunc(ix.main, func(a, b entry) int { return cmp.Compare(a.t, b.t) })
	}
	return nil
}

// Remove stops matching an action.
func (ix *Index) Remove(id string) {
	if n, ok := ix.byID[id]; ok {
		ix.gone[n] = true
		delete(ix.byID, id)
	}
}

// Len returns the number of tokens indexed.
func (ix *Index) Len() int { return len(ix.main) + len(ix.recent) }

// Answered is the responder's state of an answered query until its
// confirm arrives.
type Answered struct {
	query   string
	handles map[string]int // handle -> action index
}

// Respond looks the query's tokens up: an exact token of the query meets
// any token of an indexed action (the query's piece lies in or equals the
// action's), an up token meets an exact token (the action's piece lies in
// the query's). It returns the sealed answer and the state to keep until
// the confirm.
func (ix *Index) Respond(q *Query, random io.Reader) (*Answer, *Answered, error) {
	if q.Agreement != ix.ag.ID || q.Epoch != ix.ag.Epoch || q.Rules != ix.ag.Rules {
		return nil, nil, kizuna.Errorf(kizuna.EINVALID, "agreement %s: the query is for another agreement, epoch or rule set", ix.ag.ID)
	}
	matched := map[int][]uint64{}
	look := func(t uint64, exactOnly bool) {
		for _, r := range []run{ix.main, ix.recent} {
			i, _ := slices.BinarySearchFunc(r, t, func(e entry, t uint64) int { return cmp.Compare(e.t, t) })
			for ; i < len(r) && r[i].t == t; i++ {
				n := int(r[i].r >> 1)
				if exactOnly && r[i].r&1 == 0 || ix.gone[uint32(n)] {
					continue
				}
				if !slices.Contains(matched[n], t) {
					matched[n] = append(matched[n], t)
				}
			}
		}
	}
	for _, t := range q.Exact {
		look(t, false)
	}
	for _, t := range q.Up {
		look(t, true)
	}
	st := &Answered{query: q.ID, handles: map[string]int{}}
	hits := []Hit{}
	idx := make([]int, 0, len(matched))
	for n := range matched {
		idx = append(idx, n)
	}
	slices.Sort(idx)
	for _, n := range idx {
		a := ix.actions[n]
		h := ix.handle(q.ID, a.ID)
		st.handles[h] = n
		ts := matched[n]
		slices.Sort(ts)
		hits = append(hits, Hit{Handle: h, Matched: ts, Nation: a.Nation, Organization: a.Organization, Start: a.Start.UTC(), End: a.End.UTC()})
	}
	nonce := make([]byte, 12)
	if _, err := io.ReadFull(random, nonce); err != nil {
		return nil, nil, err
	}
	sealed, err := seal(ix.ag, "answer", q.ID, hits, nonce)
	if err != nil {
		return nil, nil, err
	}
	return &Answer{V: Version, Agreement: ix.ag.ID, Query: q.ID, Sealed: sealed}, st, nil
}

// handle names an action for one query only, so that two queries cannot
// tell they met the same action.
func (ix *Index) handle(query, id string) string {
	m := hmac.New(sha256.New, ix.ag.subkey("handle"))
	m.Write([]byte(query + "\x00" + id))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// Confirmed reads the initiator's confirm and returns the notices for the
// owners of this side's actions it concerns. The responder does not take
// the initiator's word for the rules: it judges them again from the kind,
// category and window the initiator states, and drops an account whose
// rules do not fire, whose window does not overlap, or whose handle it did
// not give.
func (ix *Index) Confirmed(st *Answered, c *Confirm, now time.Time, newID func() string) ([]kizuna.DeconflictionNotice, error) {
	if c.Query != st.query {
		return nil, kizuna.Errorf(kizuna.EINVALID, "agreement %s: the confirm is for query %s, not %s", ix.ag.ID, c.Query, st.query)
	}
	var list []Confirmed
	if err := open(ix.ag, "confirm", st.query, c.Sealed, &list); err != nil {
		return nil, err
	}
	var out []kizuna.DeconflictionNotice
	for _, cf := range list {
		n, ok := st.handles[cf.Handle]
		if !ok {
			continue
		}
		a := ix.actions[n]
		fired := ix.rules.Fired(deconflict.ClassOf(a), deconflict.Class{Kind: cf.Kind, Category: cf.Category}, a.Nation == cf.Nation)
		from, to, overlap := deconflict.Overlap(a.Start, a.End, cf.Start, cf.End)
		if len(fired) == 0 || !overlap || cf.Nation != ix.ag.Other(ix.self) {
			continue
		}
		out = append(out, kizuna.DeconflictionNotice{ID: newID(), Created: now.UTC(), Rule: fired[0], Rules: fired,
			Severity: ix.rules.Severity(fired), ActionRef: a.ID, Recipient: a.Organization, OtherNation: cf.Nation, OtherOrg: cf.Organization,
			OtherKind: cf.Kind, OtherCategory: cf.Category, Overlap: targetValues(a), WindowStart: from, WindowEnd: to, Agreement: ix.ag.ID})
	}
	return out, nil
}

// targetValues lists an action's own targets: the responder knows which
// of its actions met, not which of its targets.
func targetValues(a *kizuna.DefensiveAction) []string {
	var out []string
	for _, t := range a.Targets {
		out = append(out, t.Kind+":"+t.Value)
	}
	return out
}
