package federation

import (
	"context"
	"testing"

	"github.com/kizuna-dev/kizuna"
)

// directPeer reaches another node's witness in-process, as the peer's
// principal there.
type directPeer struct {
	from *witnessNode
	to   *witnessNode
	// forge, when set, alters the receipt before it is returned.
	forge func(r *kizuna.AuditReceipt)
}

func (p directPeer) WitnessAuditHead(ctx context.Context, h *kizuna.AuditHead) (*kizuna.AuditReceipt, error) {
	c := *h
	r, err := p.to.witness.WitnessAuditHead(asPeer(p.from), &c)
	if err == nil && p.forge != nil {
		p.forge(r)
	}
	return r, err
}

func (p directPeer) WitnessedAuditHeads(ctx context.Context, after int64, limit int) (*kizuna.WitnessedHeads, error) {
	return p.to.witness.WitnessedAuditHeads(asPeer(p.from), after, limit)
}

func TestExchangerStoresReceipts(t *testing.T) {
	a, b, c := mustWitnessNode(t, "a"), mustWitnessNode(t, "b"), mustWitnessNode(t, "c")
	b.witness.SetPeers(&Peers{Peers: []*PeerConfig{a.peerConfig()}})
	c.witness.SetPeers(&Peers{Peers: []*PeerConfig{a.peerConfig()}})
	ctx := context.Background()
	forged := func(r *kizuna.AuditReceipt) { r.Head.Seq-- }
	newExchanger := func(forge func(*kizuna.AuditReceipt)) *Exchanger {
		x, err := NewExchanger(ctx, ExchangeConfig{
			Peers: &Peers{Peers: []*PeerConfig{b.peerConfig(), c.peerConfig()}}, Log: a.db, Audit: a.db,
			Dial: func(pc *PeerConfig) (WitnessPeer, error) {
				if pc.Name == "c" {
					return directPeer{from: a, to: c, forge: forge}, nil
				}
				return directPeer{from: a, to: b}, nil
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	s := NewHeadSigner(HeadSignerConfig{Node: a.id, Key: a.key, Log: a.db})
	appendN(t, a.db, 30)
	h, _ := s.Sign(ctx)

	x := newExchanger(forged)
	x.Flush(ctx)
	if x.Receipts.Load() != 1 || x.Failures.Load() != 1 {
		t.Fatalf("receipts %d failures %d, want 1 (b) and 1 (c's forged receipt)", x.Receipts.Load(), x.Failures.Load())
	}
	rs, _ := a.db.LastAuditReceipts(ctx)
	if len(rs) != 1 || rs[0].Witness != b.id || !rs[0].Head.Same(h) {
		t.Fatalf("receipts stored: %+v", rs)
	}
	// A head already receipted is not offered again, even by a new
	// exchanger (after a restart).
	x = newExchanger(nil)
	x.Flush(ctx)
	if x.Receipts.Load() != 1 {
		t.Fatalf("after a restart: receipts %d, want 1 (c only)", x.Receipts.Load())
	}
	x.Flush(ctx)
	if x.Receipts.Load() != 1 || b.witness.Witnessed.Load() != 1 {
		t.Fatalf("flushing again sent the head again: receipts %d, b witnessed %d", x.Receipts.Load(), b.witness.Witnessed.Load())
	}

	// a's operator truncates the log; the next head is refused by both
	// witnesses, and a records the refusals.
	raw := dropTriggers(t, a.path)
	if _, err := raw.Exec(`DELETE FROM audit WHERE seq > 20`); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`DELETE FROM audit_head`); err != nil {
		t.Fatal(err)
	}
	s = NewHeadSigner(HeadSignerConfig{Node: a.id, Key: a.key, Log: a.db})
	if _, err := s.Sign(ctx); err != nil {
		t.Fatal(err)
	}
	x.Flush(ctx)
	if x.Refusals.Load() != 2 || b.witness.Rollbacks.Load() != 1 || c.witness.Rollbacks.Load() != 1 {
		t.Fatalf("refusals %d, rollbacks b %d c %d; want 2, 1, 1", x.Refusals.Load(), b.witness.Rollbacks.Load(), c.witness.Rollbacks.Load())
	}
	evs, _ := a.db.FindAudit(ctx, 20, 10)
	if len(evs) != 2 || evs[0].Action != "audit.witness.refused" || evs[1].Action != "audit.witness.refused" {
		t.Fatalf("a's log after the refusals: %+v", evs)
	}
}
