package federation

import (
	"context"
	"testing"
	"time"
)

// pausedRead is a state directory whose reads of the cursors document,
// once armed, hold what they read until released.
type pausedRead struct {
	DirState
	armed   bool
	read    chan struct{}
	release chan struct{}
}

func (p *pausedRead) ReadState(ctx context.Context, name string) ([]byte, error) {
	b, err := p.DirState.ReadState(ctx, name)
	if p.armed && name == CursorsFile {
		close(p.read)
		<-p.release
	}
	return b, err
}

// A Refresh (each pusher's, at the start of its round) that read the
// document before another pusher's Set must not undo that Set in memory:
// the other pusher would start its next round from its old cursor and
// send a batch the peer has confirmed again.
func TestCursorsRefreshKeepsConcurrentSet(t *testing.T) {
	ctx := context.Background()
	st := &pausedRead{DirState: DirState(t.TempDir()), read: make(chan struct{}), release: make(chan struct{})}
	c, err := OpenCursors(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	t1, t2 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	if err := c.Set("push", "b", "default", t1); err != nil {
		t.Fatal(err)
	}
	st.armed = true
	refreshed := make(chan error, 1)
	go func() { refreshed <- c.Refresh(ctx) }()
	<-st.read // the refresh holds the document with t1
	set := make(chan error, 1)
	go func() { set <- c.Set("push", "b", "default", t2) }()
	select {
	case err := <-set: // the Set did not wait for the refresh
		set <- err
	case <-time.After(200 * time.Millisecond):
	}
	close(st.release)
	if err := <-refreshed; err != nil {
		t.Fatal(err)
	}
	if err := <-set; err != nil {
		t.Fatal(err)
	}
	if got := c.Get("push", "b", "default"); !got.Equal(t2) {
		t.Errorf("cursor %v after a Set during a Refresh, want %v", got, t2)
	}
}
