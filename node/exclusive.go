package node

import "context"

// exclusiveStore is a store whose instances can run work one at a time
// (store/postgres: a transaction-level advisory lock).
type exclusiveStore interface {
	Exclusive(ctx context.Context, name string, fn func() error) error
}

// Exclusive runs fn while no other instance sharing the node's store runs
// a function under the same name: the calls with one name, by every
// instance, run one after the other. On a store of one instance it runs
// fn; serialising the calls within the instance is the caller's.
func (n *Node) Exclusive(ctx context.Context, name string, fn func() error) error {
	if x, ok := n.Store.(exclusiveStore); ok && n.shared() {
		return x.Exclusive(ctx, name, fn)
	}
	return fn()
}
