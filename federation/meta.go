package federation

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/kizuna-dev/kizuna"
)

// Meta objects (marking-definitions, extension-definitions, the identities
// created_by_ref names) go to a peer before the first object that needs
// them, if the peer may receive them: the same access decision with the
// peer as the reader, capped by the agreement, as any object. A
// marking-definition and an extension-definition never travel on their
// own: a peer gets one when an object it receives needs it. An object whose
// marking-definitions may not go to the peer is withheld: the peer could
// not label it.

// peerFinder is the kizuna.MetaFinder of one round of a pusher: it finds
// meta objects as the peer may read them, wherever this node stores them,
// and returns each in the form the peer gets (signed, or as relayed). It
// keeps apart those the peer has already: received from it, or
// originated by it.
type peerFinder struct {
	p      *pusher
	pr     *kizuna.Principal
	lookup *kizuna.MetaLookup
	// peerHas holds the ids of meta objects the peer has already.
	peerHas map[string]bool
}

// newPeerFinder searches the pushed collection first, then the others.
func (p *pusher) newPeerFinder(ctx context.Context, pr *kizuna.Principal) (*peerFinder, error) {
	all, err := p.s.cfg.Collections.FindCollections(ctx)
	if err != nil {
		return nil, err
	}
	order := []*kizuna.Collection{{ID: p.local}}
	for _, c := range all {
		if c.ID != p.local {
			order = append(order, c)
		}
	}
	return &peerFinder{p: p, pr: pr, peerHas: map[string]bool{},
		lookup: &kizuna.MetaLookup{Objects: p.s.cfg.Objects, Collections: order}}, nil
}

// FindMeta looks ids up through the guard with the peer as the reader
// (ctx carries its principal) and applies the egress rules.
func (f *peerFinder) FindMeta(ctx context.Context, ids []string) (map[string]*kizuna.Object, error) {
	found, err := f.lookup.FindMeta(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := map[string]*kizuna.Object{}
	for id, o := range found {
		raw, v := f.p.egressOf(o, f.pr)
		switch v {
		case egressSend:
			c := *o
			c.Raw = raw
			out[id] = &c
		case egressPeerHas:
			f.peerHas[id] = true
			out[id] = o
		}
	}
	return out, nil
}

// item is one version in a batch.
type item struct {
	id      string
	version time.Time
	meta    bool     // sent ahead of an object that needs it
	track   bool     // a meta object: the peer's answer is recorded
	refs    []string // the meta objects the version references
	tries   int      // earlier refusals for want of a meta object
}

// request is the versions of one TAXII request.
type request struct {
	raws  []json.RawMessage
	items []item
}

func (q *request) add(o *kizuna.Object, meta bool) error {
	refs, err := kizuna.MetaRefsOf(o)
	if err != nil {
		return err
	}
	q.raws = append(q.raws, o.Raw)
	q.items = append(q.items, item{id: o.ID, version: o.Version, meta: meta, track: metaLike(o), refs: refs.All()})
	return nil
}

// group is an object and the meta objects it needs that the peer does not
// have. The meta objects go in requests of their own ahead of the object
// (pre), so that one the peer refuses (it holds that definition already,
// under another signature) takes no object with it: the receiver refuses
// the objects of a request marked with a marking-definition it refused in
// that request. A marking-definition marked with another one goes in a
// later request than that one; identities and extension-definitions go
// after all of them. The object goes in the batch being filled (self),
// and meta objects marked with it, when it is a marking-definition, after
// it (post).
type group struct {
	pre, post []*request
	self      request
}

// prepare returns the group of o, and false when o stays here: its
// egress rules keep it, or a marking-definition it needs may not go to the
// peer (counted, and logged once per round and marking).
func (r *round) prepare(ctx context.Context, o *kizuna.Object) (*group, bool, error) {
	var raw json.RawMessage
	var v int
	if e, ok := r.egress[o]; ok {
		raw, v = e.raw, e.verdict
	} else {
		raw, v = r.p.egressOf(o, r.pr)
	}
	if v == egressWithheld {
		r.p.s.stats.Withheld.Add(1)
	}
	if v != egressSend {
		return nil, false, nil
	}
	if r.held(o) {
		return nil, false, nil // sent ahead of another object already
	}
	before, after, missing, err := r.meta.Need(ctx, o)
	if err != nil {
		return nil, false, err
	}
	if len(missing) > 0 {
		r.p.s.stats.MetaWithheld.Add(1)
		for _, id := range missing {
			r.missing[id]++
		}
		return nil, false, nil
	}
	c := *o
	c.Raw = raw
	g := &group{}
	if err := g.self.add(&c, false); err != nil {
		return nil, false, err
	}
	if g.pre, err = metaRequests(before, func(m *kizuna.Object) bool { return r.finder.peerHas[m.ID] || r.held(m) }); err != nil {
		return nil, false, err
	}
	for _, m := range after {
		if r.finder.peerHas[m.ID] || r.held(m) {
			continue
		}
		q := &request{}
		if err := q.add(m, true); err != nil {
			return nil, false, err
		}
		g.post = append(g.post, q)
	}
	return g, true, nil
}

// metaRequests puts meta objects (but those skip reports) in the requests
// they must travel in: marking-definitions first, one marked with another
// of them in a later request than that one, then the others in one more.
func metaRequests(objs []*kizuna.Object, skip func(*kizuna.Object) bool) ([]*request, error) {
	var marks, others []*kizuna.Object
	for _, m := range objs {
		switch {
		case skip(m):
		case strings.HasPrefix(m.ID, "marking-definition--"):
			marks = append(marks, m)
		default:
			others = append(others, m)
		}
	}
	var out []*request
	for i, d := range kizuna.MarkingDepth(marks) {
		for len(out) <= d {
			out = append(out, &request{})
		}
		if err := out[d].add(marks[i], true); err != nil {
			return nil, err
		}
	}
	if len(others) > 0 {
		q := &request{}
		for _, m := range others {
			if err := q.add(m, true); err != nil {
				return nil, err
			}
		}
		out = append(out, q)
	}
	return out, nil
}

// metaLike reports whether o may be a meta object: the peer's answer to
// it is recorded, so that it is not sent again.
func metaLike(o *kizuna.Object) bool {
	return kizuna.IsMetaType(o.Type) || o.Type == "identity"
}

// held reports whether the peer holds this version of a meta object from
// this node already.
func (r *round) held(o *kizuna.Object) bool {
	if !metaLike(o) {
		return false
	}
	if r.posting[versionOf(o.ID, o.Version)] > 0 {
		return true // in a batch in flight
	}
	return r.p.s.cfg.Cursors.MetaHeld("push", r.p.pc.Name, r.p.m.Local, o.ID, o.Version)
}

// logMissing reports the objects a round withheld for want of
// marking-definitions the peer may not receive.
func (r *round) logMissing(ctx context.Context) {
	for id, n := range r.missing {
		r.p.s.cfg.Logger.WarnContext(ctx, "federation: objects withheld: a marking-definition they need may not go to the peer, which could not label them",
			"peer", r.p.pc.Name, "collection", r.p.m.Local, "marking", id, "objects", n)
	}
}

// missingMeta returns the meta references of a refused version that the
// peer's refusal names: it lacked them.
func missingMeta(it item, message string) []string {
	var out []string
	for _, id := range it.refs {
		if strings.Contains(message, id) {
			out = append(out, id)
		}
	}
	return out
}
