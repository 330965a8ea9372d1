package rowcodec

import (
	"sync"

	"github.com/kizuna-dev/kizuna"
)

// LabelCache caches committed access labels: by id for reads, and their ids
// by encoding for writes. Labels are immutable and never deleted, so a
// cached entry never goes stale. The zero value is empty and ready; it is
// safe for concurrent use.
type LabelCache struct {
	mu    sync.RWMutex
	byID  map[int64]*kizuna.AccessLabel
	byEnc map[string]int64
}

// Lookup puts the cached labels of ids into out and returns the ids it does
// not hold.
func (c *LabelCache) Lookup(ids map[int64]bool, out map[int64]*kizuna.AccessLabel) []int64 {
	var missing []int64
	c.mu.RLock()
	defer c.mu.RUnlock()
	for id := range ids {
		if l, ok := c.byID[id]; ok {
			out[id] = l
		} else {
			missing = append(missing, id)
		}
	}
	return missing
}

// AddLoaded caches the labels of loaded with the ids, read from the
// database after a Lookup missed them. It fails with EINTERNAL when one of
// them was not found, which only a corrupt database allows: an object row
// always refers to a stored label. dialect names the store in the error.
func (c *LabelCache) AddLoaded(dialect string, loaded map[int64]*kizuna.AccessLabel, ids []int64) error {
	c.mu.Lock()
	if c.byID == nil {
		c.byID = make(map[int64]*kizuna.AccessLabel)
	}
	for _, id := range ids {
		if l, ok := loaded[id]; ok {
			c.byID[id] = l
		}
	}
	c.mu.Unlock()
	for _, id := range ids {
		if loaded[id] == nil {
			return kizuna.Errorf(kizuna.EINTERNAL, "%s: access label %d is missing", dialect, id)
		}
	}
	return nil
}

// ID returns the id of the committed label with the encoding.
func (c *LabelCache) ID(enc string) (int64, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	id, ok := c.byEnc[enc]
	return id, ok
}

// AddIDs caches the ids of labels by encoding, once their transaction has
// committed.
func (c *LabelCache) AddIDs(ids map[string]int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byEnc == nil {
		c.byEnc = make(map[string]int64, len(ids))
	}
	for enc, id := range ids {
		c.byEnc[enc] = id
	}
}
