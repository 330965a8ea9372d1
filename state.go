package kizuna

import "context"

// StateStore keeps the node's own documents (its identity, keys, peers,
// federation cursors and deletion queue, classification configuration),
// each a named document replaced whole. A data directory keeps them as
// files; the PostgreSQL store keeps them in the database, so that every
// instance serving it is the same node.
type StateStore interface {
	// ReadState returns the named document; ENOTFOUND when there is none.
	ReadState(ctx context.Context, name string) ([]byte, error)
	// WriteState replaces the named document atomically.
	WriteState(ctx context.Context, name string, data []byte) error
	// UpdateState replaces the named document with what fn makes of its
	// current content (nil when there is none), atomically: concurrent
	// updates, by this process or by another instance sharing the store,
	// apply one after the other. An error from fn leaves the document as
	// it was and is returned.
	UpdateState(ctx context.Context, name string, fn func(old []byte) ([]byte, error)) error
}
