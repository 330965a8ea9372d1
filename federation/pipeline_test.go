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

// TestPushKeepsSeveralPosted holds each request's status until the next
// request is posted: the pusher must post the next batch meanwhile, never
// keep more than pushDepth unanswered, and the peer must get every version
// once, in order.
func TestPushKeepsSeveralPosted(t *testing.T) {
	dir := t.TempDir()
	store := &memObjects{}
	var want []string
	for i := 0; i < 20; i++ {
		id := fmt.Sprintf("indicator--q%02d", i)
		store.add(version(id, "green", nil, "", nil))
		want = append(want, id)
	}
	peers := map[string]*fakePeer{"a": {overlap: true}, "b": {overlap: true}}
	f := newFixture(t, store, dir, peers)
	last := store.objects[len(store.objects)-1].DateAdded
	for _, name := range []string{"a", "b"} {
		waitFor(t, "the cursor of "+name, func() bool { return f.cursors.Get("push", name, "default").Equal(last) })
	}
	f.svc.Stop()
	for name, p := range peers {
		if got := p.ids(); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s received %v,\nwant %v", name, got, want)
		}
		p.mu.Lock()
		most := p.mostUnsettled
		p.mu.Unlock()
		if most < 2 || most > pushDepth {
			t.Errorf("%s: at most %d requests unanswered at once, want 2 to %d", name, most, pushDepth)
		}
	}
}

// TestPushQueuesAllButTheLast: the batches of a round that others follow
// are pushed to be queued (answered at once, PushQueued), the last one
// with Push, whose answer a kizuna peer gives once it is ingested.
func TestPushQueuesAllButTheLast(t *testing.T) {
	store := &memObjects{}
	for i := 0; i < 7; i++ {
		store.add(version(fmt.Sprintf("indicator--r%02d", i), "green", nil, "", nil))
	}
	peers := map[string]*fakePeer{"a": {}, "b": {}}
	f := newFixture(t, store, t.TempDir(), peers)
	last := store.objects[len(store.objects)-1].DateAdded
	waitFor(t, "the cursor of b", func() bool { return f.cursors.Get("push", "b", "default").Equal(last) })
	f.svc.Stop()
	b := peers["b"]
	// Pages of three versions: three batches in one round.
	if want := []bool{true, true, false}; fmt.Sprint(b.queued) != fmt.Sprint(want) {
		t.Errorf("pushes queued %v, want %v", b.queued, want)
	}
}
