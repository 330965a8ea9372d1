package stream

import (
	"sync"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/node"
)

// subscriber is one open stream as the node's notifications reach it.
// Nothing the node does waits for it: a notification marks collections and
// wakes the stream without blocking, and a deletion that finds the queue
// full marks the stream overflowed, which drops it.
type subscriber struct {
	principal string // the principal's id, for the per-principal cap
	// wake has room for one signal: notifications arriving while the
	// stream works are taken together at its next read.
	wake      chan struct{}
	deletions chan node.Deletion
	overflow  chan struct{} // closed when a deletion found the queue full

	mu      sync.Mutex
	dirty   map[string]bool // collections with new versions
	flooded bool            // overflow is closed
}

// mark records new versions in the collections and wakes the stream.
func (sub *subscriber) mark(collections []string) {
	sub.mu.Lock()
	for _, c := range collections {
		sub.dirty[c] = true
	}
	sub.mu.Unlock()
	select {
	case sub.wake <- struct{}{}:
	default:
	}
}

// take returns the collections marked since the last call.
func (sub *subscriber) take() map[string]bool {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	d := sub.dirty
	sub.dirty = map[string]bool{}
	return d
}

// push queues a deletion, or marks the stream overflowed.
func (sub *subscriber) push(d node.Deletion) {
	select {
	case sub.deletions <- d:
		return
	default:
	}
	sub.mu.Lock()
	defer sub.mu.Unlock()
	if !sub.flooded {
		sub.flooded = true
		close(sub.overflow)
	}
}

// Notify is told of new versions (node.Subscribe); it never blocks.
func (s *Server) Notify(objs []*kizuna.Object) {
	s.init()
	var colls []string
	for _, o := range objs {
		if len(colls) == 0 || colls[len(colls)-1] != o.Collection {
			colls = append(colls, o.Collection)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for sub := range s.subs {
		sub.mark(colls)
	}
}

// Deleted is told of deletions (node.SubscribeDeletions); it never blocks.
func (s *Server) Deleted(d node.Deletion) {
	s.init()
	s.mu.Lock()
	defer s.mu.Unlock()
	for sub := range s.subs {
		sub.push(d)
	}
}

// open registers a stream of the principal, or returns nil when the
// instance or the principal has as many open as allowed.
func (s *Server) open(principal string) *subscriber {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.subs) >= s.Options.MaxStreams || s.per[principal] >= s.Options.MaxPerPrincipal {
		return nil
	}
	sub := &subscriber{principal: principal, wake: make(chan struct{}, 1),
		deletions: make(chan node.Deletion, s.Options.Queue), overflow: make(chan struct{}), dirty: map[string]bool{}}
	s.subs[sub] = struct{}{}
	s.per[principal]++
	s.metrics.open.Inc()
	return sub
}

// close unregisters a stream.
func (s *Server) close(sub *subscriber) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.subs, sub)
	if s.per[sub.principal]--; s.per[sub.principal] <= 0 {
		delete(s.per, sub.principal)
	}
	s.metrics.open.Dec()
}
