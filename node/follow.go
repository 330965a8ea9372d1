package node

import (
	"context"
	"time"

	"github.com/kizuna-dev/kizuna"
)

// Following the store: when several instances serve one PostgreSQL
// database, each learns of the versions the others stored by reading them
// back, and hands them to what its own ingest feeds (the match index, the
// federation's pushers), so that a version stored through one instance is
// matched and pushed by every instance within followInterval.
const (
	followInterval = 500 * time.Millisecond
	// followSlack is how far before the start the first round reads:
	// date_added is the database's clock, and an instance's clock may be
	// that far behind it. Versions seen twice are applied twice, which the
	// index and the pushers take as once.
	followSlack = 5 * time.Second
	followPage  = 1000
)

// Subscribe has fn receive the versions stored through this instance (its
// ingest) and, on a shared store, through the others (follow). fn must not
// block. It is called before the node serves: by Serve's components and by
// a Mount.
func (n *Node) Subscribe(fn func([]*kizuna.Object)) {
	n.Ingest.Subscribe(fn)
	n.followers = append(n.followers, fn)
}

// shared reports whether other instances may write the node's store.
func (n *Node) shared() bool { return n.leaser() != nil }

// follow reads, every followInterval until ctx ends, the versions added to
// every collection since the last round, and hands them to the
// subscribers.
func (n *Node) follow(ctx context.Context, since time.Time) {
	since = since.Add(-followSlack)
	after := map[string]time.Time{}
	t := time.NewTicker(followInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		cols, err := n.Store.FindCollections(ctx)
		if err != nil {
			n.Logger.Warn("following the store: collections not read", "err", err)
			continue
		}
		for _, c := range cols {
			from, ok := after[c.ID]
			if !ok {
				from = since
			}
			last, err := n.followCollection(ctx, c.ID, from)
			if err != nil {
				if ctx.Err() == nil {
					n.Logger.Warn("following the store: versions not read", "collection", c.ID, "err", err)
				}
				continue
			}
			after[c.ID] = last
		}
	}
}

// followCollection hands the versions of one collection added after from
// to the subscribers, and returns the date_added of the last one (from
// when there are none).
func (n *Node) followCollection(ctx context.Context, collection string, from time.Time) (time.Time, error) {
	for {
		f := kizuna.ObjectFilter{
			Collection: collection, Versions: kizuna.VersionMatch{All: true}, AddedAfter: &from,
			Access: kizuna.AccessScope{Unrestricted: true}, IncludeRaw: true, Limit: followPage,
		}
		page, err := n.Store.FindObjects(ctx, f)
		if err != nil {
			return from, err
		}
		if len(page.Objects) == 0 {
			return from, nil
		}
		for _, fn := range n.followers {
			fn(page.Objects)
		}
		from = page.Objects[len(page.Objects)-1].DateAdded
		if !page.More {
			return from, nil
		}
	}
}
