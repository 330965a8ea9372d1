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
}
