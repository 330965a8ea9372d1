package sqlite

import "sync"

// groupCommit gathers concurrent writes of one kind into one transaction.
// A call joins the pending batch and then waits for the writer lock; the
// first call to take it writes every pending call, its own and those that
// arrived meanwhile, and the others find theirs done. Under load, callers
// then share a commit instead of queueing for the one writer connection,
// whose waiting requests are served in random order.
type groupCommit[T any] struct {
	mu      sync.Mutex
	pending []*groupCall[T] // waiting to be written, in arrival order
	writer  sync.Mutex      // held by the call writing a batch
}

type groupCall[T any] struct {
	item T
	done chan error // buffered; receives the call's outcome
}

// do adds item to the next batch and returns its outcome once a batch that
// holds it has been written. write writes a batch in one transaction and
// returns each item's error (nil: committed), or a single error that fails
// the whole batch. Each call returns only once its own item is committed,
// or with the error that kept it from being so.
func (g *groupCommit[T]) do(item T, write func(items []T) (each []error, all error)) error {
	call := &groupCall[T]{item: item, done: make(chan error, 1)}
	g.mu.Lock()
	g.pending = append(g.pending, call)
	g.mu.Unlock()

	g.writer.Lock()
	defer g.writer.Unlock()
	select {
	case err := <-call.done: // written with an earlier call's batch
		return err
	default:
	}
	g.mu.Lock()
	batch := g.pending
	g.pending = nil
	g.mu.Unlock()
	items := make([]T, len(batch))
	for i, c := range batch {
		items[i] = c.item
	}
	each, all := write(items)
	for i, c := range batch {
		switch {
		case all != nil:
			c.done <- all
		case i < len(each):
			c.done <- each[i]
		default:
			c.done <- nil
		}
	}
	return <-call.done
}
