package taxii_test

import (
	"context"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/taxii"
)

// TestSettleStale: only the statuses requested before the limit are
// completed (those of an instance that died); a newer one, which a living
// instance is working on, stays pending.
func TestSettleStale(t *testing.T) {
	n := MustNode(t, taxii.Config{})
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Microsecond)
	pending := func(age time.Duration) *kizuna.Status {
		st := &kizuna.Status{ID: kizuna.NewUUID(), Collection: n.shared.ID, Principal: "principal--x", Status: kizuna.StatusPending,
			RequestTime: now.Add(-age), Total: 1, Pendings: []kizuna.StatusDetail{{ID: "indicator--" + kizuna.NewUUID(), Version: now}}}
		if err := n.db.CreateStatus(ctx, st); err != nil {
			t.Fatal(err)
		}
		return st
	}
	old, fresh := pending(time.Hour), pending(time.Second)
	settled, err := taxii.SettleStale(ctx, n.db, n.db, now.Add(-30*time.Minute))
	if err != nil || settled != 1 {
		t.Fatalf("settled %d (%v), want 1", settled, err)
	}
	got, err := n.db.FindStatusByID(ctx, old.ID)
	if err != nil || got.Status != kizuna.StatusComplete || len(got.Failures) != 1 || got.Failures[0].Message != taxii.InterruptedMessage {
		t.Errorf("the stale status: %+v %v", got, err)
	}
	if got, err := n.db.FindStatusByID(ctx, fresh.ID); err != nil || got.Status != kizuna.StatusPending {
		t.Errorf("the fresh status was settled: %+v %v", got, err)
	}
}
