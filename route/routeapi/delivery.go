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

// Node documents of the inbox and of the webhook endpoints.
const (
	InboxDocument    = "sector-inbox.json"
	EndpointDocument = "sector-webhooks.json"
)

// inboxLimit is how many notices a principal's inbox keeps (the newest).
const inboxLimit = 1000

// stateInbox keeps each principal's notices in a node document, newest
// last, each notice id once.
type stateInbox struct{ st kizuna.StateStore }

var _ route.Deliverer = stateInbox{}

func (b stateInbox) Deliver(ctx context.Context, notices []route.Notice) error {
	if len(notices) == 0 {
		return nil
	}
	return b.st.UpdateState(ctx, InboxDocument, func(old []byte) ([]byte, error) {
		lists := map[string][]route.Notice{}
		if old != nil {
			if err := json.Unmarshal(old, &lists); err != nil {
				return nil, kizuna.WrapError(kizuna.EINTERNAL, err, "%s is not an inbox", InboxDocument)
			}
		}
		for _, n := range notices {
			l := lists[n.Principal]
			if slices.ContainsFunc(l, func(x route.Notice) bool { return x.ID == n.ID }) {
				continue
			}
			l = append(l, n)
			if len(l) > inboxLimit {
				l = l[len(l)-inboxLimit:]
			}
			lists[n.Principal] = l
		}
		return json.Marshal(lists)
	})
}

// List returns a principal's notices, oldest first.
func (b stateInbox) List(ctx context.Context, principal string) ([]route.Notice, error) {
	data, err := b.st.ReadState(ctx, InboxDocument)
	if kizuna.ErrorCode(err) == kizuna.ENOTFOUND {
		return []route.Notice{}, nil
	}
	if err != nil {
		return nil, err
	}
	lists := map[string][]route.Notice{}
	if err := json.Unmarshal(data, &lists); err != nil {
		return nil, kizuna.WrapError(kizuna.EINTERNAL, err, "%s is not an inbox", InboxDocument)
	}
	if l := lists[principal]; l != nil {
		return l, nil
	}
	return []route.Notice{}, nil
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
func (s *Service) readable(ctx context.Context, pr *kizuna.Principal, ns []route.Notice) ([]route.Notice, error) {
	if len(ns) == 0 {
		return ns, nil
	}
	ids := make([]string, 0, len(ns))
	for _, n := range ns {
		if !slices.Contains(ids, n.Object) {
			ids = append(ids, n.Object)
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
	out := make([]route.Notice, 0, len(ns))
	for _, n := range ns {
		if ok[n.Object+"\x00"+n.Version.UTC().Format(time.RFC3339Nano)] {
			out = append(out, n)
		}
	}
	return out, nil
}
