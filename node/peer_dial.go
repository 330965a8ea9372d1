package node

import (
	"context"
	"encoding/json"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/federation"
	"github.com/kizuna-dev/kizuna/taxii"
)

// statusPoll is how often a push polls the peer's status resource: short,
// since a push waits for it before the cursor advances.
const statusPoll = 20 * time.Millisecond

// taxiiPeer adapts a TAXII client to the federation's Peer interface.
type taxiiPeer struct {
	c, queuing *taxii.Client // queuing prefers respond-async
}

var _ federation.QueuingPeer = taxiiPeer{}

// dialPeer returns the TAXII client of a configured peer, over a pinned
// HTTPS connection (or loopback HTTP).
func dialPeer(pc *federation.PeerConfig) (federation.Peer, error) {
	hc, err := federation.ClientFor(pc, 2*time.Minute)
	if err != nil {
		return nil, err
	}
	c := &taxii.Client{APIRoot: pc.URL, HTTPClient: hc, Username: pc.Username, Token: pc.Token}
	queuing := *c
	queuing.RespondAsync = true
	return taxiiPeer{c: c, queuing: &queuing}, nil
}

// Push posts the objects; the peer queues them in the order it accepts
// them. A kizuna peer answers a small envelope once it is ingested. wait
// polls the status until it completes.
func (p taxiiPeer) Push(ctx context.Context, collection string, objects []json.RawMessage) (func(context.Context) (*kizuna.Status, error), error) {
	return push(ctx, p.c, collection, objects)
}

// PushQueued is Push answered at once (the client prefers respond-async),
// so that the pusher's next batch joins the peer's queue while it
// processes this one.
func (p taxiiPeer) PushQueued(ctx context.Context, collection string, objects []json.RawMessage) (func(context.Context) (*kizuna.Status, error), error) {
	return push(ctx, p.queuing, collection, objects)
}

// push posts the objects with the client c, and returns the function that
// polls their status until it completes.
func push(ctx context.Context, c *taxii.Client, collection string, objects []json.RawMessage) (func(context.Context) (*kizuna.Status, error), error) {
	st, err := c.AddObjects(ctx, collection, objects)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) (*kizuna.Status, error) {
		if st.Status != kizuna.StatusComplete {
			if st, err = c.WaitStatus(ctx, st.ID, statusPoll); err != nil {
				return nil, err
			}
		}
		out := &kizuna.Status{ID: st.ID, Status: st.Status, Total: st.TotalCount}
		for _, d := range st.Successes {
			out.Successes = append(out.Successes, kizuna.StatusDetail{ID: d.ID, Message: d.Message})
		}
		for _, d := range st.Failures {
			out.Failures = append(out.Failures, kizuna.StatusDetail{ID: d.ID, Message: d.Message})
		}
		return out, nil
	}, nil
}

// Pull returns one page of every version added after addedAfter.
func (p taxiiPeer) Pull(ctx context.Context, collection string, addedAfter time.Time, limit int) (*federation.PullPage, error) {
	page, err := p.c.GetObjects(ctx, collection, taxii.ObjectQuery{AddedAfter: addedAfter, Limit: limit, Versions: []string{"all"}})
	if err != nil {
		return nil, err
	}
	return &federation.PullPage{Objects: page.Objects, More: page.More, Last: page.DateAddedLast}, nil
}

// Delete removes an object from the peer's collection; one the peer does
// not hold is already gone.
func (p taxiiPeer) Delete(ctx context.Context, collection, id string) error {
	if err := p.c.DeleteObject(ctx, collection, id); err != nil && kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
		return err
	}
	return nil
}

// Get returns the latest version of each id the peer's collection holds.
func (p taxiiPeer) Get(ctx context.Context, collection string, ids []string) ([]json.RawMessage, error) {
	var out []json.RawMessage
	err := p.c.AllObjects(ctx, collection, taxii.ObjectQuery{IDs: ids, Versions: []string{"last"}}, func(page *taxii.ObjectsPage) error {
		out = append(out, page.Objects...)
		return nil
	})
	return out, err
}
