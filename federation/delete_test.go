package federation

import "testing"

func TestDeletePropagates(t *testing.T) {
	store := &memObjects{}
	peers := map[string]*fakePeer{"a": {deleteFails: 2}, "b": {}}
	f := newFixture(t, store, t.TempDir(), peers)
	f.svc.Deleted("coll-1", "indicator--gone")
	f.svc.Deleted("other-collection", "indicator--stays")
	for _, name := range []string{"a", "b"} {
		p := peers[name]
		waitFor(t, "delete at "+name, func() bool { p.mu.Lock(); defer p.mu.Unlock(); return len(p.deleted) == 1 })
		if d := p.deletions(); d[0] != "indicator--gone" {
			t.Errorf("%s: deleted %v", name, d)
		}
	}
	waitFor(t, "the queue to empty", func() bool {
		return len(f.cursors.PendingDeletes("a", "default")) == 0 && len(f.cursors.PendingDeletes("b", "default")) == 0
	})
}

func TestDeleteQueueSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	store := &memObjects{}
	peers := map[string]*fakePeer{"a": {deleteFails: 1 << 30}, "b": {}}
	f := newFixture(t, store, dir, peers)
	f.svc.Deleted("coll-1", "indicator--gone")
	waitFor(t, "delete at b", func() bool { p := peers["b"]; p.mu.Lock(); defer p.mu.Unlock(); return len(p.deleted) == 1 })
	f.svc.Stop()
	if got := f.cursors.PendingDeletes("a", "default"); len(got) != 1 {
		t.Fatalf("pending for the absent peer: %v", got)
	}
	peers2 := map[string]*fakePeer{"a": {}, "b": {}}
	newFixture(t, store, dir, peers2)
	p := peers2["a"]
	waitFor(t, "delete at a after the restart", func() bool { p.mu.Lock(); defer p.mu.Unlock(); return len(p.deleted) == 1 })
	if len(peers2["b"].deletions()) != 0 {
		t.Errorf("b got the deletion twice")
	}
}
