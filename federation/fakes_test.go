package federation

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kizuna-dev/kizuna"
)

// memObjects is an ObjectStore holding versions in date_added order. It
// stands in for the guard: it returns what it holds, with labels, and
// records which principal read.
type memObjects struct {
	mu      sync.Mutex
	objects []*kizuna.Object
	readers []string
}

func (m *memObjects) add(o *kizuna.Object) {
	m.mu.Lock()
	defer m.mu.Unlock()
	o.Collection = "coll-1"
	o.DateAdded = time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC).Add(time.Duration(len(m.objects)+1) * time.Millisecond)
	m.objects = append(m.objects, o)
}

func (m *memObjects) PutObjects(ctx context.Context, c string, objs []*kizuna.Object) ([]kizuna.PutResult, error) {
	return nil, kizuna.Errorf(kizuna.EINTERNAL, "read-only")
}

func (m *memObjects) FindObjects(ctx context.Context, f kizuna.ObjectFilter) (*kizuna.ObjectPage, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if p := kizuna.PrincipalFromContext(ctx); p != nil {
		m.readers = append(m.readers, p.Name)
	}
	page := &kizuna.ObjectPage{}
	for _, o := range m.objects {
		if f.AddedAfter != nil && !o.DateAdded.After(*f.AddedAfter) {
			continue
		}
		if len(f.IDs) > 0 && !slices.Contains(f.IDs, o.ID) {
			continue
		}
		if len(page.Objects) == f.Limit {
			page.More = true
			break
		}
		page.Objects = append(page.Objects, o)
	}
	return page, nil
}

func (m *memObjects) DeleteObject(ctx context.Context, c, id string, v kizuna.VersionMatch, a kizuna.AccessScope) (int, error) {
	return 0, nil
}

type memCollections struct{}

func (memCollections) CreateCollection(ctx context.Context, c *kizuna.Collection) error { return nil }
func (memCollections) FindCollectionByID(ctx context.Context, id string) (*kizuna.Collection, error) {
	return &kizuna.Collection{ID: "coll-1", Alias: "default"}, nil
}
func (memCollections) FindCollections(ctx context.Context) ([]*kizuna.Collection, error) {
	return nil, nil
}

type memPrincipals map[string]*kizuna.Principal

func (m memPrincipals) FindPrincipalByName(ctx context.Context, name string) (*kizuna.Principal, error) {
	if p, ok := m[name]; ok {
		return p, nil
	}
	return nil, kizuna.Errorf(kizuna.ENOTFOUND, "no principal %q", name)
}

// fakePeer records what it receives. It fails the first failN pushes and,
// when block is set, holds every push until its context ends.
type fakePeer struct {
	mu       sync.Mutex
	received []json.RawMessage
	pushes   int
	failN    int
	block    bool
	refuse   string // object ids containing this are refused
	deleted  []string
	// deleteFails is how many deletions fail before they succeed.
	deleteFails int
	// failAt fails the push with this number (1-based), once.
	failAt int
	// labels makes the peer refuse, as a kizuna node does, a version
	// marked with a marking-definition it does not hold: one received in
	// an earlier request, or, for an object that is not itself a
	// marking-definition, one of the same request.
	labels bool
	// lose is a marking-definition the peer refuses to keep (as if it
	// had lost it): it answers success and forgets it.
	lose string
	// taken are marking-definitions the peer holds under another
	// signature: it refuses them, and, as a kizuna node does, the objects
	// of the same request marked with them.
	taken   map[string]bool
	markers map[string]bool
	// requests holds the ids of each request, in order.
	requests [][]string
	// serve is what the peer's collection holds for Pull, one second of
	// date_added apart; extra are further objects only Get finds.
	serve, extra []json.RawMessage
	gets         []string // the ids asked for with Get
	// overlap makes the status of a request wait until the next request
	// is posted (or half a second passes, for the last one); unsettled
	// and mostUnsettled count the requests posted and not yet waited for.
	overlap                  bool
	posted                   chan struct{}
	unsettled, mostUnsettled int
	// queued records, for each push, whether it came by PushQueued.
	queued []bool
}

// PushQueued is Push, recorded as queued: the fake's answer does not
// depend on it.
func (p *fakePeer) PushQueued(ctx context.Context, collection string, objects []json.RawMessage) (func(context.Context) (*kizuna.Status, error), error) {
	p.mu.Lock()
	p.queued = append(p.queued, true)
	p.mu.Unlock()
	return p.push(ctx, collection, objects)
}

// Push processes the objects at once, in the order the requests arrive,
// as a kizuna node's queue does; the status is ready when it returns.
func (p *fakePeer) Push(ctx context.Context, collection string, objects []json.RawMessage) (func(context.Context) (*kizuna.Status, error), error) {
	p.mu.Lock()
	p.queued = append(p.queued, false)
	p.mu.Unlock()
	return p.push(ctx, collection, objects)
}

func (p *fakePeer) push(ctx context.Context, collection string, objects []json.RawMessage) (func(context.Context) (*kizuna.Status, error), error) {
	p.mu.Lock()
	p.pushes++
	fail, block := p.pushes <= p.failN || p.pushes == p.failAt, p.block
	p.mu.Unlock()
	if block {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	if fail {
		return nil, kizuna.Errorf(kizuna.EUNAVAILABLE, "peer down")
	}
	st := p.process(objects)
	if !p.overlap {
		return func(context.Context) (*kizuna.Status, error) { return st, nil }, nil
	}
	p.mu.Lock()
	if p.posted != nil {
		close(p.posted) // the request before this one may complete
	}
	next := make(chan struct{})
	p.posted = next
	p.unsettled++
	p.mostUnsettled = max(p.mostUnsettled, p.unsettled)
	p.mu.Unlock()
	return func(ctx context.Context) (*kizuna.Status, error) {
		t := time.NewTimer(500 * time.Millisecond)
		defer t.Stop()
		select {
		case <-next:
		case <-t.C:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		p.mu.Lock()
		p.unsettled--
		p.mu.Unlock()
		return st, nil
	}, nil
}

func (p *fakePeer) process(objects []json.RawMessage) *kizuna.Status {
	st := &kizuna.Status{ID: "s", Status: kizuna.StatusComplete}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.markers == nil {
		p.markers = map[string]bool{}
	}
	// As a kizuna node does: the marking-definitions of a request first,
	// then the other objects, which may use the ones just accepted.
	var ids []string
	inRequest, refusedHere := map[string]bool{}, map[string]bool{}
	for _, pass := range []bool{true, false} {
		for _, raw := range objects {
			id := head(raw).ID
			if strings.HasPrefix(id, "marking-definition--") != pass {
				continue
			}
			if p.refuse != "" && strings.Contains(id, p.refuse) {
				st.Failures = append(st.Failures, kizuna.StatusDetail{ID: id, Message: "refused"})
				continue
			}
			if p.taken[id] {
				refusedHere[id] = true
				st.Failures = append(st.Failures, kizuna.StatusDetail{ID: id, Message: id + ": the id is taken (rule write-immutable)"})
				continue
			}
			if refs, _ := kizuna.ParseMetaRefs(raw); slices.ContainsFunc(refs.Markings, func(m string) bool { return refusedHere[m] }) {
				st.Failures = append(st.Failures, kizuna.StatusDetail{ID: id, Message: id + ": a marking-definition of this request was refused, so the objects it marks are refused with it"})
				continue
			}
			if p.labels {
				if m := p.unknownMarking(raw, inRequest); m != "" {
					st.Failures = append(st.Failures, kizuna.StatusDetail{ID: id, Message: id + ": $.object_marking_refs[0]: " + m + " is unknown to this node"})
					continue
				}
			}
			if pass {
				inRequest[id] = true
				if id != p.lose {
					p.markers[id] = true
				}
			}
			p.received = append(p.received, raw)
			st.Successes = append(st.Successes, kizuna.StatusDetail{ID: id})
		}
	}
	for _, raw := range objects {
		ids = append(ids, head(raw).ID)
	}
	p.requests = append(p.requests, ids)
	return st
}

func (p *fakePeer) Pull(ctx context.Context, collection string, after time.Time, limit int) (*PullPage, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	page := &PullPage{}
	for i, raw := range p.serve {
		at := time.Date(2026, 1, 1, 0, 0, i+1, 0, time.UTC)
		if !at.After(after) {
			continue
		}
		if len(page.Objects) == limit {
			page.More = true
			break
		}
		page.Objects, page.Last = append(page.Objects, raw), at
	}
	return page, nil
}

func (p *fakePeer) Get(ctx context.Context, collection string, ids []string) ([]json.RawMessage, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.gets = append(p.gets, ids...)
	var out []json.RawMessage
	for _, raw := range p.serve {
		if slices.Contains(ids, head(raw).ID) {
			out = append(out, raw)
		}
	}
	for _, raw := range p.extra {
		if slices.Contains(ids, head(raw).ID) {
			out = append(out, raw)
		}
	}
	return out, nil
}

func (p *fakePeer) Delete(ctx context.Context, collection, id string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.deleteFails > 0 {
		p.deleteFails--
		return kizuna.Errorf(kizuna.EUNAVAILABLE, "peer down")
	}
	p.deleted = append(p.deleted, id)
	return nil
}

func (p *fakePeer) ids() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, raw := range p.received {
		out = append(out, head(raw).ID)
	}
	return out
}

func (m *memObjects) readerNames() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.readers...)
}

func (m *memObjects) first() *kizuna.Object {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.objects[0]
}

func (p *fakePeer) got() []json.RawMessage {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]json.RawMessage(nil), p.received...)
}

func (p *fakePeer) deletions() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.deleted...)
}

// unknownMarking returns a marking raw needs that the peer does not hold;
// p.mu is held.
func (p *fakePeer) unknownMarking(raw json.RawMessage, inRequest map[string]bool) string {
	refs, _ := kizuna.ParseMetaRefs(raw)
	marking := strings.HasPrefix(head(raw).ID, "marking-definition--")
	for _, m := range refs.Markings {
		if !p.markers[m] && (marking || !inRequest[m] || m == p.lose) {
			return m
		}
	}
	return ""
}

func (p *fakePeer) requestIDs() [][]string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([][]string(nil), p.requests...)
}
