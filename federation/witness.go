package federation

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kizuna-dev/kizuna"
)

// WitnessConfig wires a Witness.
type WitnessConfig struct {
	Node  string // this node's identity id, which its receipts name
	Key   ed25519.PrivateKey
	Peers *Peers
	Store kizuna.WitnessStore
	// Audit records the alarms in this node's own log.
	Audit  kizuna.AuditStore
	Logger *slog.Logger
	// Now returns the time (default time.Now); tests replace it.
	Now func() time.Time
}

// Witness witnesses the signed audit-log heads of this node's kizuna
// peers (it implements kizuna.AuditWitness). A head is taken only from the
// peer whose log it is, authenticated as that peer's principal, and only
// with a signature that verifies with the peer's pinned key. It must agree
// with every head of that peer witnessed before: the same hash at a seq
// already witnessed, and a seq no lower than the highest witnessed, unless
// it is one of the heads witnessed. A head that agrees is stored and
// countersigned; one that does not raises an alarm, which is stored with
// both heads as evidence, logged, counted and recorded in this node's
// audit log, and the peer is answered ECONFLICT.
//
// A witness cannot tell whether a head of a higher seq extends the one it
// holds: that would need the entries between them, which stay on their
// node. The node's own 'kizuna audit verify --peers' compares every
// witnessed head with its log and so finds such a rewrite.
type Witness struct {
	cfg   WitnessConfig
	peers atomic.Pointer[Peers]
	mu    sync.Mutex // serialises the check and the store of a head

	// Witnessed counts heads stored; Forks and Rollbacks count alarms.
	Witnessed, Forks, Rollbacks atomic.Int64
}

var _ kizuna.AuditWitness = (*Witness)(nil)

// NewWitness returns a witness.
func NewWitness(cfg WitnessConfig) *Witness {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	w := &Witness{cfg: cfg}
	w.SetPeers(cfg.Peers)
	return w
}

// SetPeers replaces the peer configuration the witness uses.
func (w *Witness) SetPeers(p *Peers) {
	if p == nil {
		p = &Peers{}
	}
	w.peers.Store(p)
}

// caller returns the kizuna peer whose principal is in ctx.
func (w *Witness) caller(ctx context.Context) (*PeerConfig, ed25519.PublicKey, error) {
	pr := kizuna.PrincipalFromContext(ctx)
	if pr == nil || !pr.HasRole(kizuna.RolePeer) {
		return nil, nil, kizuna.Errorf(kizuna.EFORBIDDEN, "only a peer node has its audit heads witnessed")
	}
	pc := w.peers.Load().Find(pr.Name)
	if pc == nil || pc.Plain {
		return nil, nil, kizuna.Errorf(kizuna.EFORBIDDEN, "principal %q has no peering agreement with a kizuna node on this node", pr.Name)
	}
	pub, err := ParsePublicKey(pc.PublicKey)
	if err != nil {
		return nil, nil, kizuna.Errorf(kizuna.EFORBIDDEN, "peer %q has no usable pinned key", pc.Name)
	}
	return pc, pub, nil
}

// WitnessAuditHead checks a head of the calling peer's log, stores it and
// returns this node's receipt.
func (w *Witness) WitnessAuditHead(ctx context.Context, h *kizuna.AuditHead) (*kizuna.AuditReceipt, error) {
	pc, pub, err := w.caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := CheckHeadFields(h); err != nil {
		return nil, err
	}
	if h.Node != pc.Node {
		return nil, kizuna.Errorf(kizuna.EFORBIDDEN, "audit head: $.node: %s is not peer %q's node %s: a node sends only its own heads", h.Node, pc.Name, pc.Node)
	}
	if !CheckAuditHead(h, pub) {
		return nil, kizuna.Errorf(kizuna.EFORBIDDEN, "audit head: $.sig: the signature does not verify with peer %q's pinned key %s", pc.Name, KeyID(pub))
	}
	h.Time = h.Time.UTC().Truncate(time.Microsecond) // as stored; the signature covers no more

	w.mu.Lock()
	defer w.mu.Unlock()
	stored, earlier, kind, err := w.consistent(ctx, h)
	if err != nil {
		return nil, err
	}
	if kind != "" {
		return nil, w.alarm(ctx, pc, kind, h, earlier)
	}
	if stored == nil {
		stored = &kizuna.WitnessedHead{AuditHead: *h, Peer: pc.Name, WitnessedAt: w.cfg.Now().UTC().Truncate(time.Microsecond)}
		if err := w.cfg.Store.AddWitnessedHead(ctx, stored); err != nil {
			// Another process sharing the store witnessed a head at
			// this seq meanwhile: judge h against it.
			if _, earlier, kind, cerr := w.consistent(ctx, h); kizuna.ErrorCode(err) == kizuna.ECONFLICT && cerr == nil && kind != "" {
				return nil, w.alarm(ctx, pc, kind, h, earlier)
			}
			return nil, err
		}
		w.Witnessed.Add(1)
	}
	// A head witnessed before gets the same receipt again (the time first
	// witnessed; Ed25519 signatures are deterministic). The receipt covers
	// the head as sent, whose signature may be a later one of the same
	// entry and hash.
	r := &kizuna.AuditReceipt{Head: *h, Witness: w.cfg.Node, Time: stored.WitnessedAt}
	SignAuditReceipt(r, w.cfg.Key)
	return r, nil
}

// consistent compares h with the heads of its node witnessed before. It
// returns the stored head when h was witnessed already, or the kind of
// alarm h raises and the head it contradicts.
func (w *Witness) consistent(ctx context.Context, h *kizuna.AuditHead) (stored *kizuna.WitnessedHead, earlier *kizuna.AuditHead, kind string, err error) {
	same, err := w.cfg.Store.FindWitnessedHeads(ctx, h.Node, h.Seq-1, 1)
	if err != nil {
		return nil, nil, "", err
	}
	if len(same) == 1 && same[0].Seq == h.Seq {
		if same[0].Hash != h.Hash {
			return nil, &same[0].AuditHead, kizuna.WitnessFork, nil
		}
		return same[0], nil, "", nil
	}
	last, err := w.cfg.Store.LastWitnessedHead(ctx, h.Node)
	if kizuna.ErrorCode(err) == kizuna.ENOTFOUND {
		return nil, nil, "", nil
	}
	if err != nil {
		return nil, nil, "", err
	}
	if h.Seq < last.Seq {
		return nil, &last.AuditHead, kizuna.WitnessRollback, nil
	}
	return nil, nil, "", nil
}

// alarm records that h contradicts earlier and returns the ECONFLICT the
// peer is answered with.
func (w *Witness) alarm(ctx context.Context, pc *PeerConfig, kind string, h, earlier *kizuna.AuditHead) error {
	var what string
	switch kind {
	case kizuna.WitnessFork:
		w.Forks.Add(1)
		what = fmt.Sprintf("entry %d hashes to %s, but this node witnessed it as %s (signed %s)", h.Seq, h.Hash, earlier.Hash, earlier.Time.Format(time.RFC3339))
	default:
		w.Rollbacks.Add(1)
		what = fmt.Sprintf("the log ends at entry %d, but this node witnessed it at entry %d (signed %s)", h.Seq, earlier.Seq, earlier.Time.Format(time.RFC3339))
	}
	a := &kizuna.WitnessAlarm{Kind: kind, Peer: pc.Name, Head: *h, Earlier: *earlier, Time: w.cfg.Now().UTC().Truncate(time.Microsecond)}
	if err := w.cfg.Store.AddWitnessAlarm(ctx, a); err != nil {
		w.cfg.Logger.Error("audit witness: alarm not stored", "peer", pc.Name, "err", err)
	}
	w.cfg.Logger.Error("audit witness: a peer's signed audit head contradicts one witnessed before",
		"peer", pc.Name, "node", h.Node, "kind", kind, "seq", h.Seq, "witnessed_seq", earlier.Seq, "problem", what)
	if w.cfg.Audit != nil {
		e := &kizuna.AuditEvent{Principal: kizuna.PrincipalFromContext(ctx).ID, Action: "audit.witness.alarm", Object: h.Node,
			Decision: "deny", Reason: fmt.Sprintf("peer %q, %s: %s", pc.Name, kind, what)}
		if err := w.cfg.Audit.AppendAudit(ctx, e); err != nil {
			w.cfg.Logger.Error("audit append failed", "action", e.Action, "err", err)
		}
	}
	return kizuna.Errorf(kizuna.ECONFLICT, "audit head of node %s: %s: %s", h.Node, kind, what)
}

// WitnessedAuditHeads returns the heads of the calling peer's log this node
// witnessed, with Seq > afterSeq, and the alarms about that log.
func (w *Witness) WitnessedAuditHeads(ctx context.Context, afterSeq int64, limit int) (*kizuna.WitnessedHeads, error) {
	pc, _, err := w.caller(ctx)
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	heads, err := w.cfg.Store.FindWitnessedHeads(ctx, pc.Node, afterSeq, limit+1)
	if err != nil {
		return nil, err
	}
	out := &kizuna.WitnessedHeads{Heads: heads, More: len(heads) > limit}
	if out.More {
		out.Heads = heads[:limit]
	}
	if out.Alarms, err = w.cfg.Store.FindWitnessAlarms(ctx, pc.Node, 100); err != nil {
		return nil, err
	}
	return out, nil
}
