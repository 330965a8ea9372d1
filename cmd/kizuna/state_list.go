package main

import (
	"context"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/federation"
)

// stateList is a document of the node's state that holds one list of
// named entries (the feeds, the sources): how to parse and write it.
type stateList[T any] struct {
	name    string
	parse   func(where string, data []byte) ([]T, error)
	marshal func([]T) ([]byte, error)
}

// read returns the list; no document is an empty list.
func (l stateList[T]) read(ctx context.Context, st kizuna.StateStore) ([]T, error) {
	b, err := st.ReadState(ctx, l.name)
	if kizuna.ErrorCode(err) == kizuna.ENOTFOUND {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	return l.parse(federation.Where(st, l.name), b)
}

// update replaces the list with what fn makes of it, atomically: commands
// run on several instances at once lose none of each other's changes, and
// an error from fn leaves the document as it was.
func (l stateList[T]) update(ctx context.Context, st kizuna.StateStore, fn func([]T) ([]T, error)) error {
	return st.UpdateState(ctx, l.name, func(old []byte) ([]byte, error) {
		var list []T
		if old != nil {
			var err error
			if list, err = l.parse(federation.Where(st, l.name), old); err != nil {
				return nil, err
			}
		}
		list, err := fn(list)
		if err != nil {
			return nil, err
		}
		return l.marshal(list)
	})
}
