package federation

import (
	"fmt"
	"testing"
)

// TestPipelinedPushKeepsOrder fails a batch in the middle of a catch-up,
// while the next one may already be prepared: the cursor must never pass
// the failed batch, so that everything arrives.
func TestPipelinedPushKeepsOrder(t *testing.T) {
	dir := t.TempDir()
	store := &memObjects{}
	for i := 0; i < 20; i++ {
		store.add(version(fmt.Sprintf("indicator--p%02d", i), "green", nil, "", nil))
	}
	peers := map[string]*fakePeer{"a": {failAt: 3}, "b": {failAt: 5}}
	f := newFixture(t, store, dir, peers)
	for _, name := range []string{"a", "b"} {
		p := peers[name]
		waitFor(t, "all versions at "+name, func() bool {
			seen := map[string]bool{}
			for _, id := range p.ids() {
				seen[id] = true
			}
			return len(seen) == 20
		})
	}
	f.svc.Stop()
	store.mu.Lock()
	last := store.objects[len(store.objects)-1].DateAdded
	store.mu.Unlock()
	for _, name := range []string{"a", "b"} {
		if got := f.cursors.Get("push", name, "default"); !got.Equal(last) {
			t.Errorf("cursor of %s = %v, want %v", name, got, last)
		}
	}
}
