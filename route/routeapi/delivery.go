package routeapi

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"sync"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/route"
)

// Node documents of the inbox, the tearline offers and the webhook
// endpoints.
const (
	InboxDocument    = "sector-inbox.json"
	OfferDocument    = "sector-offers.json"
	EndpointDocument = "sector-webhooks.json"
)

// inboxLimit is how many notices a principal's inbox keeps (the newest).
const inboxLimit = 1000

// perPrincipal keeps, in a node document, each principal's items newest
// last, each key once, the newest inboxLimit: the inbox (notices) and the
// tearline offers.
type perPrincipal[T any] struct {
	st   kizuna.StateStore
	doc  string
	key  func(T) string
	whom func(T) []string
}

func (b perPrincipal[T]) add(ctx context.Context, items []T) error {
	if len(items) == 0 {
		return nil
	}
	return b.st.UpdateState(ctx, b.doc, func(old []byte) ([]byte, error) {
		lists := map[string][]T{}
		if old != nil {
			if err := json.Unmarshal(old, &lists); err != nil {
				return nil, kizuna.WrapError(kizuna.EINTERNAL, err, "%s is not a list per principal", b.doc)
			}
		}
		for _, it := range items {
			for _, p := range b.whom(it) {
				l := lists[p]
				if slices.ContainsFunc(l, func(x T) bool { return b.key(x) == b.key(it) }) {
					continue
				}
				l = append(l, it)
				if len(l) > inboxLimit {
					l = l[len(l)-inboxLimit:]
				}
				lists[p] = l
			}
		}
		return json.Marshal(lists)
	})
}

// list returns a principal's items, oldest first.
func (b perPrincipal[T]) list(ctx context.Context, principal string) ([]T, error) {
	data, err := b.st.ReadState(ctx, b.doc)
	if kizuna.ErrorCode(err) == kizuna.ENOTFOUND {
		return []T{}, nil
	}
	if err != nil {
		return nil, err
	}
	lists := map[string][]T{}
	if err := json.Unmarshal(data, &lists); err != nil {
		return nil, kizuna.WrapError(kizuna.EINTERNAL, err, "%s is not a list per principal", b.doc)
	}
	if l := lists[principal]; l != nil {
		return l, nil
	}
	return []T{}, nil
}

// stateInbox keeps each principal's notices, each notice id once.
type stateInbox struct{ perPrincipal[route.Notice] }

func newInbox(st kizuna.StateStore) stateInbox {
	return stateInbox{perPrincipal[route.Notice]{st: st, doc: InboxDocument,
		key: func(n route.Notice) string { return n.ID }, whom: func(n route.Notice) []string { return []string{n.Principal} }}}
}

var _ route.Deliverer = stateInbox{}

// Deliver adds the notices to their principals' inboxes.
func (b stateInbox) Deliver(ctx context.Context, notices []route.Notice) error {
	return b.add(ctx, notices)
}

// newOffers keeps the tearline offers for each offeree, each object
// version once.
func newOffers(st kizuna.StateStore) perPrincipal[route.Offer] {
	return perPrincipal[route.Offer]{st: st, doc: OfferDocument,
		key:  func(o route.Offer) string { return o.Object + "\x00" + o.Version.UTC().Format(time.RFC3339Nano) },
		whom: func(o route.Offer) []string { return o.Offerees }}
}

// endpoints are the webhook endpoints, kept in a node document without
// their secrets: an endpoint's secret is derived from the node's signing
// key and the endpoint id (HMAC-SHA256), so that no secret is stored.
type endpoints struct {
	st   kizuna.StateStore
	seed []byte

	mu   sync.Mutex
	list route.EndpointList
}

var _ route.Endpoints = (*endpoints)(nil)

// secret is the endpoint's secret as its receiver holds it: 64 hex
// digits, whose bytes are the HMAC key.
func (e *endpoints) secret(id string) []byte {
	m := hmac.New(sha256.New, e.seed)
	m.Write([]byte("kizuna webhook secret\x00" + id))
	return []byte(hex.EncodeToString(m.Sum(nil)))
}

// load reads the document.
func (e *endpoints) load(ctx context.Context) error {
	data, err := e.st.ReadState(ctx, EndpointDocument)
	var list route.EndpointList
	switch {
	case kizuna.ErrorCode(err) == kizuna.ENOTFOUND:
	case err != nil:
		return err
	default:
		if err := json.Unmarshal(data, &list); err != nil {
			return kizuna.WrapError(kizuna.EINVALID, err, "%s is not a list of webhook endpoints", EndpointDocument)
		}
	}
	for _, ep := range list {
		ep.Secret = e.secret(ep.ID)
	}
	e.mu.Lock()
	e.list = list
	e.mu.Unlock()
	return nil
}

// add stores a new endpoint and returns it with its secret.
func (e *endpoints) add(ctx context.Context, principal, url string) (*route.Endpoint, error) {
	ep := &route.Endpoint{ID: "webhook--" + kizuna.NewUUID(), Principal: principal, URL: url}
	err := e.st.UpdateState(ctx, EndpointDocument, func(old []byte) ([]byte, error) {
		var list route.EndpointList
		if old != nil {
			if err := json.Unmarshal(old, &list); err != nil {
				return nil, kizuna.WrapError(kizuna.EINVALID, err, "%s is not a list of webhook endpoints", EndpointDocument)
			}
		}
		return json.Marshal(append(list, ep))
	})
	if err != nil {
		return nil, err
	}
	if err := e.load(ctx); err != nil {
		return nil, err
	}
	ep.Secret = e.secret(ep.ID)
	return ep, nil
}

// remove deletes an endpoint. Errors: ENOTFOUND.
func (e *endpoints) remove(ctx context.Context, id string) error {
	err := e.st.UpdateState(ctx, EndpointDocument, func(old []byte) ([]byte, error) {
		var list route.EndpointList
		if old != nil {
			if err := json.Unmarshal(old, &list); err != nil {
				return nil, kizuna.WrapError(kizuna.EINVALID, err, "%s is not a list of webhook endpoints", EndpointDocument)
			}
		}
		i := slices.IndexFunc(list, func(ep *route.Endpoint) bool { return ep.ID == id })
		if i < 0 {
			return nil, kizuna.Errorf(kizuna.ENOTFOUND, "webhook %s not found", id)
		}
		return json.Marshal(slices.Delete(list, i, i+1))
	})
	if err != nil {
		return err
	}
	return e.load(ctx)
}

// all returns every endpoint, without secrets.
func (e *endpoints) all() []route.Endpoint {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]route.Endpoint, 0, len(e.list))
	for _, ep := range e.list {
		out = append(out, route.Endpoint{ID: ep.ID, Principal: ep.Principal, URL: ep.URL})
	}
	return out
}

// For returns the principal's endpoints.
func (e *endpoints) For(principal string) []*route.Endpoint {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.list.For(principal)
}

// Get returns the endpoint with the id.
func (e *endpoints) Get(id string) *route.Endpoint {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.list.Get(id)
}

// readable keeps the notices of object versions pr may still read, by the
// node's access decision at the time of the read: a notice of a version
// whose markings or collection pr no longer satisfies is not shown.
func readable[T any](ctx context.Context, s *Service, pr *kizuna.Principal, ns []T, of func(T) (string, time.Time)) ([]T, error) {
	if len(ns) == 0 {
		return ns, nil
	}
	ids := make([]string, 0, len(ns))
	for _, n := range ns {
		if id, _ := of(n); !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	cols, err := s.n.Store.FindCollections(ctx)
	if err != nil {
		return nil, err
	}
	access := route.NewGuardAccess(ctx, s.n.Guard)
	ok := map[string]bool{} // object id + version
	for _, c := range cols {
		f := kizuna.ObjectFilter{Collection: c.ID, IDs: ids, Versions: kizuna.VersionMatch{All: true}, Access: kizuna.AccessScope{Unrestricted: true}, IncludeRaw: true, RawOnly: true}
		for {
			page, err := s.n.Store.FindObjects(ctx, f)
			if err != nil {
				return nil, err
			}
			for _, o := range page.Objects {
				if access.Readable(pr, o) {
					ok[o.ID+"\x00"+o.Version.UTC().Format(time.RFC3339Nano)] = true
				}
			}
			if !page.More {
				break
			}
			f.Next = page.Next
		}
	}
	out := make([]T, 0, len(ns))
	for _, n := range ns {
		if id, v := of(n); ok[id+"\x00"+v.UTC().Format(time.RFC3339Nano)] {
			out = append(out, n)
		}
	}
	return out, nil
}
