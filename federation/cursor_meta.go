package federation

import (
	"slices"
	"time"

	"github.com/kizuna-dev/kizuna"
)

// maxRetries bounds the versions waiting to be sent once more to one peer
// and collection.
const maxRetries = 100_000

// Retry is a version to send to a peer once more: the peer refused it for
// want of a meta object, which goes with it this time.
type Retry struct {
	ID      string    `json:"id"`
	Version time.Time `json:"version"`
	// Tries counts the refusals so far.
	Tries int `json:"tries"`
}

// MetaHeld reports, for direction "push", whether the peer has answered
// for this version of a meta object from this node (accepted it, or
// refused it for good); for "pull", whether this node has fetched that
// version of a meta object from the peer.
func (c *Cursors) MetaHeld(direction, peer, collection, id string, version time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.st.Meta[metaKey(direction, peer, collection)][id]
	return ok && v == version.UTC().Format(time.RFC3339Nano)
}

func metaKey(direction, peer, collection string) string {
	return cursorKey("meta", peer, direction+":"+collection)
}

// SetMetaHeld records meta object versions held, and forgets those in
// forget (a refusal showed the peer lacks them), in one write.
func (c *Cursors) SetMetaHeld(direction, peer, collection string, held map[string]time.Time, forget []string) error {
	if len(held) == 0 && len(forget) == 0 {
		return nil
	}
	return c.mutate(func(st *cursorState) error {
		k := metaKey(direction, peer, collection)
		if st.Meta == nil {
			st.Meta = map[string]map[string]string{}
		}
		m := st.Meta[k]
		if m == nil {
			m = map[string]string{}
			st.Meta[k] = m
		}
		for id, v := range held {
			m[id] = v.UTC().Format(time.RFC3339Nano)
		}
		for _, id := range forget {
			delete(m, id)
		}
		return nil
	})
}

// QueueRetries records versions to send once more to a peer's collection.
func (c *Cursors) QueueRetries(peer, collection string, rs []Retry) error {
	if len(rs) == 0 {
		return nil
	}
	return c.mutate(func(st *cursorState) error {
		k := cursorKey("retry", peer, collection)
		if st.Retries == nil {
			st.Retries = map[string][]Retry{}
		}
		for _, r := range rs {
			if i := slices.IndexFunc(st.Retries[k], func(q Retry) bool { return q.ID == r.ID && q.Version.Equal(r.Version) }); i >= 0 {
				st.Retries[k][i].Tries = max(st.Retries[k][i].Tries, r.Tries)
				continue
			}
			if len(st.Retries[k]) >= maxRetries {
				return kizuna.Errorf(kizuna.EUNAVAILABLE, "peer %q: %d versions already wait to be sent again; %s is not", peer, maxRetries, r.ID)
			}
			st.Retries[k] = append(st.Retries[k], r)
		}
		return nil
	})
}

// PendingRetries returns the versions waiting to be sent once more.
func (c *Cursors) PendingRetries(peer, collection string) []Retry {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.st.Retries[cursorKey("retry", peer, collection)])
}

// DoneRetries removes versions sent once more, whatever the outcome; one
// queued again meanwhile (a refusal counted one more try) stays.
func (c *Cursors) DoneRetries(peer, collection string, rs []Retry) error {
	return c.mutate(func(st *cursorState) error {
		k := cursorKey("retry", peer, collection)
		st.Retries[k] = slices.DeleteFunc(st.Retries[k], func(q Retry) bool {
			return slices.ContainsFunc(rs, func(r Retry) bool { return q.ID == r.ID && q.Version.Equal(r.Version) && q.Tries == r.Tries })
		})
		if len(st.Retries[k]) == 0 {
			delete(st.Retries, k)
		}
		return nil
	})
}
