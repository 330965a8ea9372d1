package postgres

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/kizuna-dev/kizuna"
)

// TestLeaseOneHolder: a lease has one holder at a time, across stores
// opened on the database as another instance would; when the holder's
// session ends (as when its process dies) another instance takes it, and
// the holder learns it lost it.
func TestLeaseOneHolder(t *testing.T) {
	dsn := MustSchema(t)
	ctx := context.Background()
	a, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	heldA, releaseA, err := a.Lease(ctx, "push jpn default")
	if err != nil {
		t.Fatal(err)
	}
	tctx, cancel := context.WithTimeout(ctx, 3*leaseRetry)
	if _, _, err := b.Lease(tctx, "push jpn default"); err == nil {
		t.Fatal("a second instance took a held lease")
	}
	cancel()
	heldOther, releaseOther, err := b.Lease(ctx, "push usa default")
	if err != nil {
		t.Fatalf("another lease: %v", err)
	}
	releaseOther()
	if heldOther.Err() == nil {
		t.Error("a released lease is still held")
	}

	// The holder's session ends: b takes the lease, a learns it lost it.
	got := make(chan error, 1)
	go func() {
		_, release, err := b.Lease(ctx, "push jpn default")
		if err == nil {
			defer release()
		}
		got <- err
	}()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objid = ($1::bigint & x'ffffffff'::bigint)`, LockKey("kizuna lease push jpn default")); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the lease was not taken over after its holder's session ended")
	}
	select {
	case <-heldA.Done():
	case <-time.After(5 * time.Second):
		t.Error("the former holder was not told it lost the lease")
	}
	releaseA()
}

// TestUpdateStateSerialises: concurrent updates of one document from two
// instances lose none of each other's changes.
func TestUpdateStateSerialises(t *testing.T) {
	ctx := context.Background()
	dbs := mustInstances(t, 2)
	const each = 25
	errs := make(chan error, 2*each)
	for _, db := range dbs {
		go func() {
			for range each {
				errs <- db.UpdateState(ctx, "counter", func(old []byte) ([]byte, error) {
					return append(old, 'x'), nil
				})
			}
		}()
	}
	for range 2 * each {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	got, err := dbs[0].ReadState(ctx, "counter")
	if err != nil || len(got) != 2*each {
		t.Errorf("%d updates applied, want %d (%v)", len(got), 2*each, err)
	}
	if _, err := dbs[1].ReadState(ctx, "absent"); kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
		t.Errorf("absent document: %v", err)
	}
}

// TestExclusive: the calls of Exclusive with one name, through two
// handles on one database, never overlap; a call with another name is not
// held up, and an error from fn is returned.
func TestExclusive(t *testing.T) {
	ctx := context.Background()
	dbs := mustInstances(t, 2)
	var inside, most atomic.Int32
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for range 5 {
				err := dbs[i%2].Exclusive(ctx, "consultations", func() error {
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
		t.Errorf("%d calls ran at once, want 1", most.Load())
	}

	// Another name is not held up by a held one.
	held, release := make(chan struct{}), make(chan struct{})
	go dbs[0].Exclusive(ctx, "consultations", func() error { close(held); <-release; return nil })
	<-held
	tctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := dbs[1].Exclusive(tctx, "other", func() error { return nil }); err != nil {
		t.Errorf("another name: %v", err)
	}
	short, cancelShort := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancelShort()
	if err := dbs[1].Exclusive(short, "consultations", func() error { return nil }); err == nil {
		t.Error("a call ran while another held the name")
	}
	close(release)
	want := errors.New("refused")
	if err := dbs[1].Exclusive(ctx, "consultations", func() error { return want }); !errors.Is(err, want) {
		t.Errorf("fn's error: got %v", err)
	}
}

// mustInstances opens n stores on one new schema, as n instances of a node
// would, closed when the test ends.
func mustInstances(t *testing.T, n int) []*DB {
	t.Helper()
	dsn := MustSchema(t)
	dbs := make([]*DB, n)
	for i := range dbs {
		db, err := Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		dbs[i] = db
	}
	return dbs
}
