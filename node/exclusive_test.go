package node_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna/node"
	"github.com/kizuna-dev/kizuna/node/nodetest"
)

// TestExclusive: while one instance of a node on PostgreSQL runs a
// function under Exclusive, another instance runs none under that name
// until it returns.
func TestExclusive(t *testing.T) {
	dsn := nodetest.Postgres(t)
	root := t.TempDir()
	var a, b *node.Node
	for i, n := range []**node.Node{&a, &b} {
		*n = nodetest.New(t, nodetest.Options{Dir: filepath.Join(root, string(rune('a'+i))), Store: dsn, KeyFile: filepath.Join(root, "node.key")})
	}
	ctx := context.Background()
	held, release, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() { done <- a.Exclusive(ctx, "test", func() error { close(held); <-release; return nil }) }()
	<-held
	short, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	ran := false
	if err := b.Exclusive(short, "test", func() error { ran = true; return nil }); err == nil || ran {
		t.Errorf("the second instance ran its function (%t, %v) while the first held the name", ran, err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := b.Exclusive(ctx, "test", func() error { ran = true; return nil }); err != nil || !ran {
		t.Errorf("the second instance, once the first returned: ran %t, %v", ran, err)
	}
}
