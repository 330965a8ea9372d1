package node_test

import (
	"context"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna/node"
	"github.com/kizuna-dev/kizuna/node/nodetest"
)

// TestExclusive: two instances of one node on PostgreSQL run the functions
// given to Exclusive under one name one at a time.
func TestExclusive(t *testing.T) {
	dsn := nodetest.Postgres(t)
	root := t.TempDir()
	var instances [2]*node.Node
	for i := range instances {
		instances[i] = nodetest.New(t, nodetest.Options{Dir: filepath.Join(root, string(rune('a'+i))), Store: dsn, KeyFile: filepath.Join(root, "node.key")})
	}
	var inside, most atomic.Int32
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Go(func() {
			for range 5 {
				err := instances[i%2].Exclusive(context.Background(), "test", func() error {
					n := inside.Add(1)
					for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
					}
					time.Sleep(2 * time.Millisecond)
					inside.Add(-1)
					return nil
				})
				if err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if most.Load() != 1 {
		t.Errorf("%d functions ran at once, want 1", most.Load())
	}
}
