package route

import (
	"context"
	"errors"
	"slices"
	"sync"
)

// Deliverer hands notices to their recipients. Deliver must be idempotent
// by notice id: routing an object version again delivers nothing twice.
type Deliverer interface {
	Deliver(ctx context.Context, notices []Notice) error
}

// Deliverers delivers to each of ds in turn and joins their errors, so
// that one failing channel does not stop the others.
type Deliverers []Deliverer

// Deliver hands the notices to every deliverer.
func (ds Deliverers) Deliver(ctx context.Context, notices []Notice) error {
	var errs []error
	for _, d := range ds {
		errs = append(errs, d.Deliver(ctx, notices))
	}
	return errors.Join(errs...)
}

// Inbox keeps each principal's notices in memory, newest last. It is what
// the web workspace reads; a node backs it with its store.
type Inbox struct {
	mu    sync.Mutex
	lists map[string][]Notice
	seen  map[string]bool
}

// NewInbox returns an empty inbox.
func NewInbox() *Inbox { return &Inbox{lists: map[string][]Notice{}, seen: map[string]bool{}} }

var _ Deliverer = (*Inbox)(nil)

// Deliver adds each notice not already in the inbox.
func (b *Inbox) Deliver(_ context.Context, notices []Notice) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, n := range notices {
		if b.seen[n.ID] {
			continue
		}
		b.seen[n.ID] = true
		b.lists[n.Principal] = append(b.lists[n.Principal], n)
	}
	return nil
}

// List returns a principal's notices, oldest first.
func (b *Inbox) List(principal string) []Notice {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.lists[principal])
}
