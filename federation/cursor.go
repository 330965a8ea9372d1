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
	c := &Cursors{state: st, st: cursorState{Cursors: map[string]time.Time{}}}
	b, err := st.ReadState(ctx, CursorsFile)
	if kizuna.ErrorCode(err) == kizuna.ENOTFOUND {
		return c, nil
	} else if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, &c.st); err != nil {
		return nil, fmt.Errorf("%s: %v", Where(st, CursorsFile), err)
	}
	if c.st.Cursors == nil {
		c.st.Cursors = map[string]time.Time{}
	}
	return c, nil
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

// Set saves a cursor and writes the file.
func (c *Cursors) Set(direction, peer, collection string, t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.st.Cursors[cursorKey(direction, peer, collection)] = t.UTC()
	return c.save()
}

// QueueDelete records a deletion to propagate to a peer's collection.
func (c *Cursors) QueueDelete(peer, collection, id string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := cursorKey("delete", peer, collection)
	if slices.Contains(c.st.Deletes[k], id) {
		return nil
	}
	if len(c.st.Deletes[k]) >= maxPendingDeletes {
		return kizuna.Errorf(kizuna.EUNAVAILABLE, "peer %q: %d deletions already wait; %s is not propagated", peer, maxPendingDeletes, id)
	}
	if c.st.Deletes == nil {
		c.st.Deletes = map[string][]string{}
	}
	c.st.Deletes[k] = append(c.st.Deletes[k], id)
	return c.save()
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
	c.mu.Lock()
	defer c.mu.Unlock()
	k := cursorKey("delete", peer, collection)
	c.st.Deletes[k] = slices.DeleteFunc(c.st.Deletes[k], func(s string) bool { return s == id })
	if len(c.st.Deletes[k]) == 0 {
		delete(c.st.Deletes, k)
	}
	return c.save()
}

// Forget drops everything kept for a peer (when it is removed).
func (c *Cursors) Forget(peer string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, d := range []string{"push", "pull"} {
		for k := range c.st.Cursors {
			if strings.HasPrefix(k, cursorKey(d, peer, "")) {
				delete(c.st.Cursors, k)
			}
		}
	}
	for k := range c.st.Deletes {
		if strings.HasPrefix(k, cursorKey("delete", peer, "")) {
			delete(c.st.Deletes, k)
		}
	}
	for k := range c.st.Meta {
		if strings.HasPrefix(k, cursorKey("meta", peer, "")) {
			delete(c.st.Meta, k)
		}
	}
	for k := range c.st.Retries {
		if strings.HasPrefix(k, cursorKey("retry", peer, "")) {
			delete(c.st.Retries, k)
		}
	}
	return c.save()
}

// save writes the document; c.mu is held. The write is not bound to the
// work's context: progress made is recorded even as the work stops.
func (c *Cursors) save() error {
	b, err := json.MarshalIndent(c.st, "", "  ")
	if err != nil {
		return err
	}
	return c.state.WriteState(context.Background(), CursorsFile, append(b, '\n'))
}
