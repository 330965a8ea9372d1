package federation

import (
	"context"
	"encoding/json"
	"time"

	"github.com/kizuna-dev/kizuna"
)

// pullFinder is the kizuna.MetaFinder of a puller: it fetches meta
// objects from the plain peer, so that what a pulled object needs is
// stored before it. Ids on the page being pulled are not fetched: they
// arrive with it.
type pullFinder struct {
	p      *puller
	onPage map[string]bool
}

// FindMeta gets the latest version of each id from the peer's collection.
func (f *pullFinder) FindMeta(ctx context.Context, ids []string) (map[string]*kizuna.Object, error) {
	var ask []string
	for _, id := range ids {
		if !f.onPage[id] {
			ask = append(ask, id)
		}
	}
	out := map[string]*kizuna.Object{}
	if len(ask) == 0 {
		return out, nil
	}
	rctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	raws, err := f.p.peer.Get(rctx, f.p.m.Remote, ask)
	if err != nil {
		return nil, err
	}
	for _, raw := range raws {
		if _, _, prov, err := Split(raw); err == nil && prov != nil && prov.Node == f.p.s.cfg.Node {
			continue // this node's own, come back: it holds the original
		}
		if o := rawObject(raw); o.ID != "" {
			out[o.ID] = o
		}
	}
	return out, nil
}

// rawObject reads the envelope of a raw object that meta objects are
// found by: id, type, version and references.
func rawObject(raw json.RawMessage) *kizuna.Object {
	var h struct {
		ID           string                   `json:"id"`
		Type         string                   `json:"type"`
		Created      string                   `json:"created"`
		Modified     string                   `json:"modified"`
		CreatedByRef string                   `json:"created_by_ref"`
		MarkingRefs  []string                 `json:"object_marking_refs"`
		Granular     []kizuna.GranularMarking `json:"granular_markings"`
	}
	_ = json.Unmarshal(raw, &h) // a malformed object reads as empty; ingest reports it
	v := h.Modified
	if v == "" {
		v = h.Created
	}
	version, _ := time.Parse(time.RFC3339Nano, v)
	return &kizuna.Object{ID: h.ID, Type: h.Type, Version: version, Raw: raw,
		CreatedByRef: h.CreatedByRef, MarkingRefs: h.MarkingRefs, GranularMarkings: h.Granular}
}

// withMeta returns the requests that ingest a pulled page: first the
// meta objects its objects need that this node has not fetched from the
// peer yet, in requests of their own as a push sends them (metaRequests),
// then the page, then the meta objects marked with a marking-definition of
// the page. It returns the meta objects fetched, to record once ingested.
func (p *puller) withMeta(ctx context.Context, meta *kizuna.MetaSet, finder *pullFinder, batch []json.RawMessage) ([][]json.RawMessage, map[string]time.Time, error) {
	finder.onPage = map[string]bool{}
	for _, raw := range batch {
		finder.onPage[head(raw).ID] = true
	}
	fetched := map[string]time.Time{}
	var pre []*kizuna.Object
	var post []json.RawMessage
	keep := func(objs []*kizuna.Object) []*kizuna.Object {
		var out []*kizuna.Object
		for _, o := range objs {
			if !p.s.cfg.Cursors.MetaHeld("pull", p.pc.Name, p.m.Remote, o.ID, o.Version) {
				fetched[o.ID] = o.Version
				out = append(out, o)
			}
		}
		return out
	}
	for _, raw := range batch {
		before, after, _, err := meta.Need(ctx, rawObject(raw))
		if err != nil {
			return nil, nil, err
		}
		pre = append(pre, keep(before)...)
		for _, o := range keep(after) {
			post = append(post, o.Raw)
		}
	}
	pres, err := metaRequests(pre, func(*kizuna.Object) bool { return false })
	if err != nil {
		return nil, nil, err
	}
	var requests [][]json.RawMessage
	for _, q := range pres {
		requests = append(requests, q.raws)
	}
	requests = append(requests, batch)
	if len(post) > 0 {
		requests = append(requests, post)
	}
	return requests, fetched, nil
}
