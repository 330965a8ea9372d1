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
	c *taxii.Client
}

var _ federation.Peer = taxiiPeer{}

// dialPeer returns the TAXII client of a configured peer, over a pinned
// HTTPS connection (or loopback HTTP).
func dialPeer(pc *federation.PeerConfig) (federation.Peer, error) {
	hc, err := federation.ClientFor(pc, 2*time.Minute)
	if err != nil {
		return nil, err
	}
	return taxiiPeer{c: &taxii.Client{APIRoot: pc.URL, HTTPClient: hc, Username: pc.Username, Token: pc.Token, RespondAsync: true}}, nil
}

// Push posts the objects; the peer queues them in the order it accepts
// them and answers at once (the client prefers respond-async), so that
// the pusher's next batch joins the peer's queue while it processes this
// one. wait polls the status until it completes.
func (p taxiiPeer) Push(ctx context.Context, collection string, objects []json.RawMessage) (func(context.Context) (*kizuna.Status, error), error) {
	st, err := p.c.AddObjects(ctx, collection, objects)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) (*kizuna.Status, error) {
		if st.Status != kizuna.StatusComplete {
			if st, err = p.c.WaitStatus(ctx, st.ID, statusPoll); err != nil {
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
