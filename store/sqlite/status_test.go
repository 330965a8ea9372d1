package sqlite

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
)

// TestStatusWritesShareATransaction holds the status writer while status
// writes arrive, so that they are written as one batch, and checks that a
// write refused in the batch (a duplicate id, an update of a missing
// status) fails alone while the others commit.
func TestStatusWritesShareATransaction(t *testing.T) {
	db := MustOpen(t)
	defer db.Close()
	ctx := context.Background()
	status := func(id string) *kizuna.Status {
		return &kizuna.Status{ID: id, Collection: "c", Principal: "p", Status: kizuna.StatusPending,
			RequestTime: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Total: 1}
	}
	if err := db.CreateStatus(ctx, status("existing")); err != nil {
		t.Fatal(err)
	}

	db.statuses.writer.Lock() // the writes below queue up behind this
	writes := []struct {
		create bool
		id     string
		want   string
	}{
		{true, "s0", ""}, {true, "existing", kizuna.ECONFLICT}, {false, "missing", kizuna.ENOTFOUND},
		{true, "s1", ""}, {false, "existing", ""}, {true, "s2", ""},
	}
	errs := make([]error, len(writes))
	var wg sync.WaitGroup
	for i, w := range writes {
		wg.Go(func() {
			st := status(w.id)
			if w.create {
				errs[i] = db.CreateStatus(ctx, st)
			} else {
				st.Status = kizuna.StatusComplete
				errs[i] = db.UpdateStatus(ctx, st)
			}
		})
	}
	for {
		db.statuses.mu.Lock()
		n := len(db.statuses.pending)
		db.statuses.mu.Unlock()
		if n == len(writes) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	db.statuses.writer.Unlock()
	wg.Wait()

	for i, w := range writes {
		if got := kizuna.ErrorCode(errs[i]); got != w.want {
			t.Errorf("write %d (%s): error %v, want code %q", i, w.id, errs[i], w.want)
		}
	}
	for _, id := range []string{"s0", "s1", "s2"} {
		if _, err := db.FindStatusByID(ctx, id); err != nil {
			t.Errorf("status %s: %v", id, err)
		}
	}
	if st, err := db.FindStatusByID(ctx, "existing"); err != nil || st.Status != kizuna.StatusComplete {
		t.Errorf("updated status = %+v, %v", st, err)
	}
	if _, err := db.FindStatusByID(ctx, "missing"); kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
		t.Errorf("missing status: %v", err)
	}
}

// TestStatusWritesConcurrent creates and completes statuses from many
// goroutines at once and checks each ends as its writer left it.
func TestStatusWritesConcurrent(t *testing.T) {
	db := MustOpen(t)
	defer db.Close()
	ctx := context.Background()
	const workers, each = 8, 20
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				st := &kizuna.Status{ID: fmt.Sprintf("s-%d-%d", w, i), Collection: "c", Principal: "p",
					Status: kizuna.StatusPending, RequestTime: time.Now().UTC().Truncate(time.Microsecond), Total: i}
				if err := db.CreateStatus(ctx, st); err != nil {
					errs <- err
					return
				}
				st.Status = kizuna.StatusComplete
				if err := db.UpdateStatus(ctx, st); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for w := range workers {
		for i := range each {
			st, err := db.FindStatusByID(ctx, fmt.Sprintf("s-%d-%d", w, i))
			if err != nil || st.Status != kizuna.StatusComplete || st.Total != i {
				t.Fatalf("status s-%d-%d = %+v, %v", w, i, st, err)
			}
		}
	}
}

// TestStatusWriteCancelled: a call whose context is already done writes
// nothing.
func TestStatusWriteCancelled(t *testing.T) {
	db := MustOpen(t)
	defer db.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	st := &kizuna.Status{ID: "s", Collection: "c", Principal: "p", Status: kizuna.StatusPending}
	if err := db.CreateStatus(ctx, st); err == nil {
		t.Fatal("CreateStatus with a cancelled context succeeded")
	}
	if _, err := db.FindStatusByID(context.Background(), "s"); kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
		t.Fatalf("FindStatusByID = %v", err)
	}
}
