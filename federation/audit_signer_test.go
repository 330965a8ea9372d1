package federation

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/store/sqlite"
)

// appendN appends n audit events to db.
func appendN(t *testing.T, db *sqlite.DB, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		if err := db.AppendAudit(context.Background(), &kizuna.AuditEvent{Action: "read", Object: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestHeadSignerSignsByCountAndTime(t *testing.T) {
	a := mustWitnessNode(t, "a")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := NewHeadSigner(HeadSignerConfig{Node: a.id, Key: a.key, Log: a.db, Every: 10, Interval: time.Hour})
	a.db.OnAuditAppend(s.Appended)
	done := make(chan struct{})
	go func() { defer close(done); s.Run(ctx) }()
	appendN(t, a.db, 25)
	// Signing by count leaves at most Every-1 entries unsigned: however the
	// appends and the signer's rounds interleave, the head is at entry 16
	// or later.
	waitFor(t, "a head at entry 16 or later", func() bool { h := s.Last(); return h != nil && h.Seq >= 25-10+1 })
	h := s.Last()
	if !CheckAuditHead(h, a.pub()) || h.Node != a.id {
		t.Fatalf("head %+v is not a's signature", h)
	}
	hashes, _ := a.db.AuditHashes(ctx, []int64{h.Seq})
	if hashes[h.Seq] != h.Hash {
		t.Fatalf("head %d hash %s, the log's %s", h.Seq, h.Hash, hashes[h.Seq])
	}
	cancel()
	<-done

	// By time: one entry, a short interval.
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	s = NewHeadSigner(HeadSignerConfig{Node: a.id, Key: a.key, Log: a.db, Every: 1 << 40, Interval: 10 * time.Millisecond})
	go s.Run(ctx)
	appendN(t, a.db, 1)
	end, _, _ := a.db.AuditChainHead(ctx)
	waitFor(t, "the new entry signed", func() bool { h := s.Last(); return h != nil && h.Seq == end })
	// Nothing new: nothing signed again.
	n := s.Signed.Load()
	last := s.Last()
	if got, err := s.Sign(ctx); err != nil || got != last || s.Signed.Load() != n {
		t.Errorf("Sign with nothing new = %+v, %v; signed %d times, was %d", got, err, s.Signed.Load(), n)
	}
}

// dropTriggers removes the append-only triggers of the audit database, as
// an operator with the file can.
func dropTriggers(t *testing.T, path string) *sql.DB {
	t.Helper()
	raw, err := sql.Open("sqlite", sqlite.AuditPath(path))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	rows, err := raw.Query(`SELECT name FROM sqlite_schema WHERE type = 'trigger'`)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		names = append(names, n)
	}
	rows.Close()
	for _, n := range names {
		if _, err := raw.Exec(`DROP TRIGGER ` + n); err != nil {
			t.Fatal(err)
		}
	}
	return raw
}

func TestHeadSignerDetectsTruncation(t *testing.T) {
	a := mustWitnessNode(t, "a")
	ctx := context.Background()
	s := NewHeadSigner(HeadSignerConfig{Node: a.id, Key: a.key, Log: a.db})
	appendN(t, a.db, 100)
	first, err := s.Sign(ctx)
	if err != nil || first.Seq != 100 {
		t.Fatalf("Sign = %+v, %v", first, err)
	}
	raw := dropTriggers(t, a.path)
	if _, err := raw.Exec(`DELETE FROM audit WHERE seq > 50`); err != nil {
		t.Fatal(err)
	}
	// A new signer, as after a restart, finds the log behind its head.
	s = NewHeadSigner(HeadSignerConfig{Node: a.id, Key: a.key, Log: a.db})
	h, err := s.Sign(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s.Divergences.Load() != 1 || h.Seq != 51 {
		t.Fatalf("divergences %d, head %+v; want 1 and a head at the recorded divergence (51)", s.Divergences.Load(), h)
	}
	evs, _ := a.db.FindAudit(ctx, 50, 10)
	if len(evs) != 1 || evs[0].Action != "audit.divergence" || !strings.Contains(evs[0].Reason, "the log ends at entry 50, before entry 100") {
		t.Fatalf("log after the divergence: %+v", evs)
	}
}
