package dcapi

import (
	"context"
	"sync"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/deconflict"
	"github.com/kizuna-dev/kizuna/deconflict/dcstix"
)

// catalog keeps in memory the latest version of every registration, read
// from the store as the node itself, and the registry (deconflict.Registry)
// of local matching built from them. Before each use it reads the versions
// added since its last read, so that it follows registrations made
// through any instance sharing the store, and new versions (a withdrawal
// leaves the matched states). It holds no access decision: local matching
// reports only the conflicts with registrations the reader may read,
// checked through the guard (Server.visible), and the exchange offers only
// what each owner released to the ally.
type catalog struct {
	store kizuna.ObjectStore
	coll  string
	rules *deconflict.Rules
	log   func(msg string, args ...any)

	mu     sync.Mutex // guards what follows, and the exchange's state
	latest map[string]*kizuna.DefensiveAction
	since  time.Time // date_added of the last version read
	reg    *deconflict.Registry
	// put is called with each new latest version (the exchange's indexes).
	put func(a *kizuna.DefensiveAction)
}

func newCatalog(store kizuna.ObjectStore, coll string, rules *deconflict.Rules, log func(string, ...any)) *catalog {
	return &catalog{store: store, coll: coll, rules: rules, log: log, latest: map[string]*kizuna.DefensiveAction{}, reg: deconflict.NewRegistry(rules)}
}

// refreshLocked reads the versions added since the last read.
func (c *catalog) refreshLocked(ctx context.Context) error {
	f := kizuna.ObjectFilter{Collection: c.coll, Types: []string{dcstix.TypeAction}, Versions: kizuna.VersionMatch{All: true},
		Access: kizuna.AccessScope{Unrestricted: true}, IncludeRaw: true, Limit: 1000}
	if !c.since.IsZero() {
		// A little overlap: versions added at the same instant by another
		// instance are read again, and skipped when known.
		after := c.since.Add(-time.Second)
		f.AddedAfter = &after
	}
	for {
		page, err := c.store.FindObjects(ctx, f)
		if err != nil {
			return err
		}
		for _, o := range page.Objects {
			if o.DateAdded.After(c.since) {
				c.since = o.DateAdded
			}
			if old, ok := c.latest[o.ID]; ok && !o.Version.After(old.Modified) {
				continue // read before
			}
			a, err := dcstix.DecodeAction(o.Raw)
			if err != nil {
				// Stored through ingest, so valid when stored; one that
				// no longer decodes is left out and logged, not fatal.
				c.log("deconfliction: a stored registration does not decode", "id", o.ID, "err", err)
				continue
			}
			if old, ok := c.latest[a.ID]; ok && !a.Modified.After(old.Modified) {
				continue
			}
			c.latest[a.ID] = a
			if err := c.reg.Put(a); err != nil {
				c.log("deconfliction: a stored registration has no keys", "id", o.ID, "err", err)
			}
			if c.put != nil {
				c.put(a)
			}
		}
		if !page.More {
			return nil
		}
		f.Next = page.Next
	}
}

// match returns the conflicts of a with every registration, before the
// access decision.
func (c *catalog) match(ctx context.Context, a *kizuna.DefensiveAction) ([]deconflict.Conflict, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.refreshLocked(ctx); err != nil {
		return nil, err
	}
	return c.reg.Match(nil, everyone{}, a)
}

// everyone admits every action: the access decision is taken on the
// conflicts found, through the guard.
type everyone struct{}

func (everyone) MaySee(*kizuna.Principal, *kizuna.DefensiveAction) bool { return true }
