package sqlite

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
)

// TestAppendAuditConcurrent appends from many goroutines at once, so that
// calls are grouped into shared transactions, and checks that every call
// got its own events back filled in and that the stored log is one
// unbroken chain holding every event once, each call's events in order.
func TestAppendAuditConcurrent(t *testing.T) {
	db := MustOpen(t)
	defer db.Close()
	const workers, calls = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers*calls)
	for w := range workers {
		wg.Go(func() {
			for c := range calls {
				evs := []*kizuna.AuditEvent{
					{Action: "read", Principal: fmt.Sprint("p", w), Object: fmt.Sprint(c, "a"), Decision: "allow"},
					{Action: "read", Principal: fmt.Sprint("p", w), Object: fmt.Sprint(c, "b"), Decision: "allow"},
				}
				if err := db.AppendAudit(context.Background(), evs...); err != nil {
					errs <- err
					return
				}
				if evs[0].Seq == 0 || evs[1].Seq != evs[0].Seq+1 || evs[1].PrevHash != evs[0].Hash || evs[1].Hash != evs[1].ComputeHash() {
					errs <- fmt.Errorf("events not filled in as one run: %+v %+v", evs[0], evs[1])
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
	var all []*kizuna.AuditEvent
	for after := int64(0); ; {
		page, err := db.FindAudit(context.Background(), after, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		all = append(all, page...)
		after = page[len(page)-1].Seq
	}
	if len(all) != workers*calls*2 {
		t.Fatalf("%d events stored, want %d", len(all), workers*calls*2)
	}
	prev := ""
	next := map[string]int{} // per principal, the next call expected
	for i, e := range all {
		if e.PrevHash != prev || e.Hash != e.ComputeHash() || (i > 0 && e.Seq != all[i-1].Seq+1) {
			t.Fatalf("event %d breaks the chain: %+v", i, e)
		}
		prev = e.Hash
		if e.Object[len(e.Object)-1] == 'a' {
			if want := fmt.Sprint(next[e.Principal], "a"); e.Object != want {
				t.Fatalf("%s: event %s, want %s", e.Principal, e.Object, want)
			}
			if i+1 >= len(all) || all[i+1].Principal != e.Principal || all[i+1].Object != fmt.Sprint(next[e.Principal], "b") {
				t.Fatalf("a call's events were split: %+v", e)
			}
			next[e.Principal]++
		}
	}
}

// TestAppendAuditCancelled: a call whose context is already done writes
// nothing and says so.
func TestAppendAuditCancelled(t *testing.T) {
	db := MustOpen(t)
	defer db.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := db.AppendAudit(ctx, &kizuna.AuditEvent{Action: "read", Object: "x"}); err == nil {
		t.Fatal("AppendAudit with a cancelled context succeeded")
	}
	if evs, err := db.FindAudit(context.Background(), 0, 0); err != nil || len(evs) != 0 {
		t.Fatalf("FindAudit = %v, %v", evs, err)
	}
}

// TestAuditWALStartsOver checks that the audit database's WAL is folded
// back and starts over as the object database's does. Its writer leaves
// checkpoints to the background checkpointer: without one, the audit
// database file would stay empty until the store is closed and the WAL
// would hold every record ever appended.
func TestAuditWALStartsOver(t *testing.T) {
	db := MustOpen(t)
	defer db.Close()
	db.auditCkpt.walLimit.Store(64)
	ctx := context.Background()
	// No commit checkpoints: a page of classified reads waits for its
	// audit commit.
	var auto int
	if err := db.auditW.QueryRowContext(ctx, "PRAGMA wal_autocheckpoint").Scan(&auto); err != nil || auto != 0 {
		t.Fatalf("the audit writer's wal_autocheckpoint is %d (%v), want 0", auto, err)
	}
	path := AuditPath(db.path)
	round := func(r int) {
		for c := range 200 {
			evs := make([]*kizuna.AuditEvent, 50)
			for i := range evs {
				evs[i] = &kizuna.AuditEvent{Action: "read", Principal: "p", Object: fmt.Sprintf("indicator--%d-%d-%d", r, c, i), Decision: "allow",
					Reason: "a reason long enough for the records to fill some pages of the log"}
			}
			if err := db.AppendAudit(ctx, evs...); err != nil {
				t.Fatal(err)
			}
		}
		// Only the checkpointer copies the log into the file.
		for deadline := time.Now().Add(10 * time.Second); fileSize(t, path) < int64(r)<<20; {
			if time.Now().After(deadline) {
				t.Fatalf("round %d: the audit database file holds %d bytes: nothing checkpointed it", r, fileSize(t, path))
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	round(1)
	first := fileSize(t, path+"-wal")
	round(2)
	// The second round's frames reuse the WAL from its start; without the
	// restart they would follow the first round's, doubling it.
	if wal := fileSize(t, path+"-wal"); wal > first*3/2 {
		t.Errorf("audit WAL %d bytes after the second round, %d after the first: it did not start over", wal, first)
	}
}
