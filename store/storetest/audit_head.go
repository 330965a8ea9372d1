package storetest

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
)

// testAuditHeads covers the signed heads and receipts kept beside the log.
func testAuditHeads(t *testing.T, s kizuna.Store) {
	ctx := context.Background()
	if seq, hash, err := s.AuditChainHead(ctx); err != nil || seq != 0 || hash != "" {
		t.Fatalf("AuditChainHead of an empty log = %d, %q, %v", seq, hash, err)
	}
	_, err := s.LastAuditHead(ctx)
	wantCode(t, err, kizuna.ENOTFOUND, "LastAuditHead of an empty log")
	var evs []*kizuna.AuditEvent
	for i := 0; i < 10; i++ {
		evs = append(evs, &kizuna.AuditEvent{Action: "read", Object: fmt.Sprint(i)})
	}
	if err := s.AppendAudit(ctx, evs...); err != nil {
		t.Fatal(err)
	}
	seq, hash, err := s.AuditChainHead(ctx)
	if err != nil || seq != evs[9].Seq || hash != evs[9].Hash {
		t.Fatalf("AuditChainHead = %d, %q, %v; want the last entry %d %q", seq, hash, err, evs[9].Seq, evs[9].Hash)
	}
	hashes, err := s.AuditHashes(ctx, []int64{evs[2].Seq, evs[7].Seq, evs[9].Seq + 5})
	if err != nil || len(hashes) != 2 || hashes[evs[2].Seq] != evs[2].Hash || hashes[evs[7].Seq] != evs[7].Hash {
		t.Fatalf("AuditHashes = %v, %v", hashes, err)
	}

	at := MustTime(t, "2026-05-01T10:00:00.123456Z")
	head := func(i int, hash string) *kizuna.AuditHead {
		return &kizuna.AuditHead{Node: "identity--n", Seq: evs[i].Seq, Hash: hash, Time: at.Add(time.Duration(i) * time.Second), Key: "k1", Sig: "sig" + fmt.Sprint(i)}
	}
	// Stored out of seq order: "last" is the last stored, not the highest.
	for _, h := range []*kizuna.AuditHead{head(3, evs[3].Hash), head(9, evs[9].Hash), head(5, evs[5].Hash), head(5, "fork")} {
		if err := s.AddAuditHead(ctx, h); err != nil {
			t.Fatalf("AddAuditHead: %v", err)
		}
	}
	if err := s.AddAuditHead(ctx, head(9, evs[9].Hash)); err != nil {
		t.Fatalf("AddAuditHead of a stored head: %v", err)
	}
	last, err := s.LastAuditHead(ctx)
	if err != nil || !reflect.DeepEqual(last, head(5, "fork")) {
		t.Fatalf("LastAuditHead = %+v, %v", last, err)
	}
	all, err := s.FindAuditHeads(ctx, 0, 0)
	if err != nil || len(all) != 4 || all[0].Seq != evs[3].Seq || all[3].Seq != evs[9].Seq {
		t.Fatalf("FindAuditHeads = %v, %v", all, err)
	}
	// A page ends with every head of its last seq: the fork is not split.
	page, err := s.FindAuditHeads(ctx, 0, 2)
	if err != nil || len(page) != 3 || page[1].Seq != evs[5].Seq || page[2].Seq != evs[5].Seq {
		t.Fatalf("FindAuditHeads(0, 2) = %v, %v; want 3 heads ending at seq %d", page, err, evs[5].Seq)
	}
	page, err = s.FindAuditHeads(ctx, page[2].Seq, 2)
	if err != nil || len(page) != 1 || !reflect.DeepEqual(page[0], head(9, evs[9].Hash)) {
		t.Fatalf("FindAuditHeads(after %d, 2) = %v, %v", evs[5].Seq, page, err)
	}

	receipt := func(witness string, i int) *kizuna.AuditReceipt {
		return &kizuna.AuditReceipt{Head: *head(i, evs[i].Hash), Witness: witness, Time: at.Add(time.Minute), Key: "wk", Sig: "wsig" + witness}
	}
	for _, r := range []*kizuna.AuditReceipt{receipt("identity--w1", 3), receipt("identity--w2", 3), receipt("identity--w1", 9), receipt("identity--w1", 9)} {
		if err := s.AddAuditReceipt(ctx, r); err != nil {
			t.Fatalf("AddAuditReceipt: %v", err)
		}
	}
	rs, err := s.FindAuditReceipts(ctx, 0, 1)
	if err != nil || len(rs) != 2 || rs[0].Head.Seq != evs[3].Seq || rs[1].Head.Seq != evs[3].Seq {
		t.Fatalf("FindAuditReceipts(0, 1) = %v, %v; want both receipts of seq %d", rs, err, evs[3].Seq)
	}
	rs, err = s.FindAuditReceipts(ctx, evs[3].Seq, 10)
	if err != nil || len(rs) != 1 || !reflect.DeepEqual(rs[0], receipt("identity--w1", 9)) {
		t.Fatalf("FindAuditReceipts(after %d) = %v, %v", evs[3].Seq, rs, err)
	}
	rs, err = s.LastAuditReceipts(ctx)
	if err != nil || len(rs) != 2 || !reflect.DeepEqual(rs[0], receipt("identity--w1", 9)) || !reflect.DeepEqual(rs[1], receipt("identity--w2", 3)) {
		t.Fatalf("LastAuditReceipts = %v, %v", rs, err)
	}
}

// testWitness covers the heads of peers' logs a node witnessed and the
// alarms.
func testWitness(t *testing.T, s kizuna.Store) {
	ctx := context.Background()
	at := MustTime(t, "2026-05-01T10:00:00.5Z")
	w := func(node string, seq int64, hash string) *kizuna.WitnessedHead {
		return &kizuna.WitnessedHead{
			AuditHead: kizuna.AuditHead{Node: node, Seq: seq, Hash: hash, Time: at, Key: "k", Sig: "s" + hash},
			Peer:      "jpn", WitnessedAt: at.Add(time.Second),
		}
	}
	_, err := s.LastWitnessedHead(ctx, "identity--a")
	wantCode(t, err, kizuna.ENOTFOUND, "LastWitnessedHead with none")
	for _, h := range []*kizuna.WitnessedHead{w("identity--a", 10, "h10"), w("identity--a", 30, "h30"), w("identity--a", 20, "h20"), w("identity--b", 99, "b99")} {
		if err := s.AddWitnessedHead(ctx, h); err != nil {
			t.Fatalf("AddWitnessedHead: %v", err)
		}
	}
	if err := s.AddWitnessedHead(ctx, w("identity--a", 20, "h20")); err != nil {
		t.Fatalf("AddWitnessedHead of a stored head: %v", err)
	}
	wantCode(t, s.AddWitnessedHead(ctx, w("identity--a", 20, "other")), kizuna.ECONFLICT, "AddWitnessedHead with another hash at a witnessed seq")
	last, err := s.LastWitnessedHead(ctx, "identity--a")
	if err != nil || !reflect.DeepEqual(last, w("identity--a", 30, "h30")) {
		t.Fatalf("LastWitnessedHead = %+v, %v", last, err)
	}
	got, err := s.FindWitnessedHeads(ctx, "identity--a", 10, 1)
	if err != nil || len(got) != 1 || !reflect.DeepEqual(got[0], w("identity--a", 20, "h20")) {
		t.Fatalf("FindWitnessedHeads(a, after 10, 1) = %v, %v", got, err)
	}
	got, err = s.FindWitnessedHeads(ctx, "identity--a", 0, 100)
	if err != nil || len(got) != 3 || got[2].Seq != 30 {
		t.Fatalf("FindWitnessedHeads(a) = %v, %v", got, err)
	}

	alarm := func(node, kind string, seq int64, hash string) *kizuna.WitnessAlarm {
		return &kizuna.WitnessAlarm{Kind: kind, Peer: "jpn", Time: at.Add(time.Hour),
			Head: w(node, seq, hash).AuditHead, Earlier: w(node, 30, "h30").AuditHead}
	}
	for _, a := range []*kizuna.WitnessAlarm{
		alarm("identity--a", kizuna.WitnessFork, 30, "x"), alarm("identity--b", kizuna.WitnessRollback, 5, "y"),
		alarm("identity--a", kizuna.WitnessRollback, 25, "z"), alarm("identity--a", kizuna.WitnessFork, 30, "x"),
	} {
		if err := s.AddWitnessAlarm(ctx, a); err != nil {
			t.Fatalf("AddWitnessAlarm: %v", err)
		}
	}
	as, err := s.FindWitnessAlarms(ctx, "identity--a", 10)
	if err != nil || len(as) != 2 || !reflect.DeepEqual(as[0], alarm("identity--a", kizuna.WitnessRollback, 25, "z")) || !reflect.DeepEqual(as[1], alarm("identity--a", kizuna.WitnessFork, 30, "x")) {
		t.Fatalf("FindWitnessAlarms(a) = %v, %v", as, err)
	}
	if as, err := s.FindWitnessAlarms(ctx, "", 2); err != nil || len(as) != 2 || as[1].Head.Node != "identity--b" {
		t.Fatalf("FindWitnessAlarms(all, 2) = %v, %v", as, err)
	}
}

// AuditHeadTables are the tables beside the audit log, which both stores
// keep append-only.
var AuditHeadTables = []string{"audit_head", "audit_receipt", "audit_witnessed", "audit_witness_alarm"}

// MustAuditHeadRows stores one signed head, receipt, witnessed head and
// alarm, so that a store's own test can try to change them.
func MustAuditHeadRows(tb testing.TB, s kizuna.Store) {
	tb.Helper()
	ctx := context.Background()
	h := kizuna.AuditHead{Node: "identity--a", Seq: 1, Hash: "h", Time: time.Now(), Key: "k", Sig: "s"}
	for _, err := range []error{
		s.AddAuditHead(ctx, &h),
		s.AddAuditReceipt(ctx, &kizuna.AuditReceipt{Head: h, Witness: "identity--w", Time: time.Now()}),
		s.AddWitnessedHead(ctx, &kizuna.WitnessedHead{AuditHead: h, Peer: "p", WitnessedAt: time.Now()}),
		s.AddWitnessAlarm(ctx, &kizuna.WitnessAlarm{Kind: kizuna.WitnessFork, Peer: "p", Head: h, Earlier: h, Time: time.Now()}),
	} {
		if err != nil {
			tb.Fatal(err)
		}
	}
}
