package routeapi

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"sync"

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
