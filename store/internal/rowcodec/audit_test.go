package rowcodec

import (
	"reflect"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
)

func TestChainAudit(t *testing.T) {
	now := time.Date(2026, 7, 1, 0, 0, 0, 999, time.UTC)
	given := time.Date(2026, 6, 30, 12, 0, 0, 1500, time.FixedZone("JST", 9*3600))
	events := []*kizuna.AuditEvent{{Action: "read", Object: "a"}, {Action: "deny", Time: given}, {Action: "read", Object: "b"}}
	filled := ChainAudit(events, 41, "prevhash", now)
	if events[0].Seq != 0 || events[0].Hash != "" {
		t.Fatalf("ChainAudit changed its input: %+v", events[0])
	}
	prev := "prevhash"
	for i, f := range filled {
		if f.Seq != int64(42+i) || f.PrevHash != prev {
			t.Errorf("event %d: seq %d prev %q, want %d and %q", i, f.Seq, f.PrevHash, 42+i, prev)
		}
		if f.Hash == "" || f.Hash != f.ComputeHash() {
			t.Errorf("event %d: hash %q does not match its content", i, f.Hash)
		}
		if f.Time.Location() != time.UTC || f.Time.Nanosecond()%1000 != 0 {
			t.Errorf("event %d: time %v is not UTC at microsecond precision", i, f.Time)
		}
		prev = f.Hash
	}
	if !filled[0].Time.Equal(now.Truncate(time.Microsecond)) || !filled[1].Time.Equal(given.Truncate(time.Microsecond)) {
		t.Errorf("times %v and %v: want now for a zero time, else the event's own", filled[0].Time, filled[1].Time)
	}
	// Changing an earlier event changes every later hash: the chain binds
	// them.
	events[0].Object = "tampered"
	again := ChainAudit(events, 41, "prevhash", now)
	for i := range again {
		if again[i].Hash == filled[i].Hash {
			t.Errorf("event %d keeps its hash after an earlier event changed", i)
		}
	}
}

func TestAuditRowRoundTrip(t *testing.T) {
	e := ChainAudit([]*kizuna.AuditEvent{{Principal: "principal--1", Action: "ingest", Object: "c1", Decision: "allow", Reason: "ok"}},
		0, "", time.Date(2026, 2, 3, 4, 5, 6, 7000, time.UTC))[0]
	got, err := ScanAudit(fakeRow{vals: AuditArgs(&e)})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, &e) {
		t.Errorf("ScanAudit(AuditArgs(e)) = %+v, want %+v", got, &e)
	}
	MustCode(t, CheckAudit([]*kizuna.AuditEvent{&e, nil}), kizuna.EINVALID, "audit event 1 is missing")
}
