package federation

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kizuna-dev/kizuna"
)

// CursorsFile holds the federation's progress in the data directory.
const CursorsFile = "federation-cursors.json"

// maxPendingDeletes bounds the deletions waiting for one peer and
// collection, so that a peer gone for good cannot grow the file without
// end.
const maxPendingDeletes = 100_000

// Cursors persists, per peer and collection, how far synchronisation got:
// for a push, the date_added of the last local version the peer confirmed;
// for a pull, the peer's date_added of the last version stored here. It
// also keeps the deletions not yet propagated, the meta objects each peer
// holds from this node, and the versions to send once more. Each update is written
// atomically before the work goes on, so a crash repeats at most one
// batch, which the receiver's idempotence absorbs.
type Cursors struct {
	state kizuna.StateStore
	mu    sync.Mutex
	st    cursorState
}

type cursorState struct {
	Cursors map[string]time.Time `json:"cursors"`
	Deletes map[string][]string  `json:"deletes,omitempty"`
	// Meta records, per peer and collection, the meta objects the peer has
	// answered for: id -> the version sent (RFC 3339).
	Meta map[string]map[string]string `json:"meta,omitempty"`
	// Retries are versions a peer refused for want of a meta object, to
	// send once more after it.
	Retries map[string][]Retry `json:"retries,omitempty"`
}

// OpenCursors loads the cursors document of the node's state (none yet is
// fine).
func OpenCursors(ctx context.Context, st kizuna.StateStore) (*Cursors, error) {
	c := &Cursors{state: st}
	if err := c.Refresh(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// Refresh reads the document again: the updates of other instances sharing
// the store (a deletion queued on one, the cursors of a peer whose pushes
// another instance made before this one took them over) become visible.
//
// The document is read with the lock held, as mutate writes it: the pushers
// of a node share the cursors, and a read made before another pusher's
// update, installed after it, would take that update back in memory.
func (c *Cursors) Refresh(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, err := c.state.ReadState(ctx, CursorsFile)
	if err != nil && kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
		return err
	}
	st, err := c.decode(b)
	if err != nil {
		return err
	}
	c.st = st
	return nil
}

// decode parses the document (nil: none yet).
func (c *Cursors) decode(b []byte) (cursorState, error) {
	var st cursorState
	if b != nil {
		if err := json.Unmarshal(b, &st); err != nil {
			return cursorState{}, fmt.Errorf("%s: %v", Where(c.state, CursorsFile), err)
		}
	}
	if st.Cursors == nil {
		st.Cursors = map[string]time.Time{}
	}
	return st, nil
}

func cursorKey(direction, peer, collection string) string {
	return direction + " " + peer + " " + collection
}

// Get returns a cursor; zero when none was saved.
func (c *Cursors) Get(direction, peer, collection string) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.st.Cursors[cursorKey(direction, peer, collection)]
}

// Set saves a cursor.
func (c *Cursors) Set(direction, peer, collection string, t time.Time) error {
	return c.mutate(func(st *cursorState) error {
		st.Cursors[cursorKey(direction, peer, collection)] = t.UTC()
		return nil
	})
}

// QueueDelete records a deletion to propagate to a peer's collection.
func (c *Cursors) QueueDelete(peer, collection, id string) error {
	return c.mutate(func(st *cursorState) error {
		k := cursorKey("delete", peer, collection)
		if slices.Contains(st.Deletes[k], id) {
			return nil
		}
		if len(st.Deletes[k]) >= maxPendingDeletes {
			return kizuna.Errorf(kizuna.EUNAVAILABLE, "peer %q: %d deletions already wait; %s is not propagated", peer, maxPendingDeletes, id)
		}
		if st.Deletes == nil {
			st.Deletes = map[string][]string{}
		}
		st.Deletes[k] = append(st.Deletes[k], id)
		return nil
	})
}

// PendingDeletes returns the deletions waiting for a peer's collection,
// oldest first.
func (c *Cursors) PendingDeletes(peer, collection string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.st.Deletes[cursorKey("delete", peer, collection)])
}

// DoneDelete removes a propagated deletion.
func (c *Cursors) DoneDelete(peer, collection, id string) error {
	return c.mutate(func(st *cursorState) error {
		k := cursorKey("delete", peer, collection)
		st.Deletes[k] = slices.DeleteFunc(st.Deletes[k], func(s string) bool { return s == id })
		if len(st.Deletes[k]) == 0 {
			delete(st.Deletes, k)
		}
		return nil
	})
}

// Forget drops everything kept for a peer (when it is removed).
func (c *Cursors) Forget(peer string) error {
	return c.mutate(func(st *cursorState) error {
		for _, d := range []string{"push", "pull"} {
			for k := range st.Cursors {
				if strings.HasPrefix(k, cursorKey(d, peer, "")) {
					delete(st.Cursors, k)
				}
			}
		}
		for k := range st.Deletes {
			if strings.HasPrefix(k, cursorKey("delete", peer, "")) {
				delete(st.Deletes, k)
			}
		}
		for k := range st.Meta {
			if strings.HasPrefix(k, cursorKey("meta", peer, "")) {
				delete(st.Meta, k)
			}
		}
		for k := range st.Retries {
			if strings.HasPrefix(k, cursorKey("retry", peer, "")) {
				delete(st.Retries, k)
			}
		}
		return nil
	})
}

// mutate applies fn to the stored document as it is now, and writes the
// result in one atomic update (so that instances sharing the store lose
// none of each other's updates); it then holds in memory what was written.
// The write is not bound to the work's context: progress made is recorded
// even as the work stops.
func (c *Cursors) mutate(fn func(st *cursorState) error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var next cursorState
	err := c.state.UpdateState(context.Background(), CursorsFile, func(old []byte) ([]byte, error) {
		st, err := c.decode(old)
		if err != nil {
			return nil, err
		}
		if err := fn(&st); err != nil {
			return nil, err
		}
		next = st
		b, err := json.MarshalIndent(st, "", "  ")
		return append(b, '\n'), err
	})
	if err != nil {
		return err
	}
	c.st = next
	return nil
}
