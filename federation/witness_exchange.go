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

// DefaultWitnessInterval is how often, by default, a node offers its
// latest signed head to each peer.
const DefaultWitnessInterval = time.Minute

// WitnessPeer is what the exchange needs of a kizuna peer: its
// kizuna.AuditWitness, reached over the peer's pinned HTTPS connection with
// this node's credentials there.
type WitnessPeer interface {
	WitnessAuditHead(ctx context.Context, h *kizuna.AuditHead) (*kizuna.AuditReceipt, error)
	WitnessedAuditHeads(ctx context.Context, afterSeq int64, limit int) (*kizuna.WitnessedHeads, error)
}

// ExchangeConfig wires an Exchanger.
type ExchangeConfig struct {
	Peers *Peers
	Log   kizuna.AuditHeadStore
	// Audit records the peers' refusals in this node's own log.
	Audit kizuna.AuditStore
	Dial  func(pc *PeerConfig) (WitnessPeer, error)
	// Interval is how often each peer is offered the latest signed head
	// (default DefaultWitnessInterval); Poke offers it at once.
	Interval time.Duration
	// MinBackoff and MaxBackoff bound the wait after a failure (defaults
	// 1 s and Interval).
	MinBackoff, MaxBackoff time.Duration
	Logger                 *slog.Logger
}

// Exchanger offers the node's latest signed audit head to each kizuna
// peer, checks the receipt the peer returns with the peer's pinned key and
// stores it beside the log. A head a peer refused as inconsistent with
// what it witnessed before is logged, counted and recorded in the log, and
// not offered to that peer again.
type Exchanger struct {
	cfg     ExchangeConfig
	workers []*exchangeWorker
	cancel  context.CancelFunc
	wg      sync.WaitGroup

	// Receipts counts receipts stored, Refusals heads peers refused,
	// Failures failed exchanges (retried).
	Receipts, Refusals, Failures atomic.Int64
}

// exchangeWorker offers heads to one peer.
type exchangeWorker struct {
	x    *Exchanger
	pc   *PeerConfig
	peer WitnessPeer
	pub  ed25519.PublicKey
	wake chan struct{}

	mu   sync.Mutex
	done kizuna.AuditHead // the last head the peer receipted or refused
}

// NewExchanger returns an exchanger with a worker for every kizuna peer;
// Start runs them.
func NewExchanger(ctx context.Context, cfg ExchangeConfig) (*Exchanger, error) {
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultWitnessInterval
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = time.Second
	}
	if cfg.MaxBackoff < cfg.MinBackoff {
		cfg.MaxBackoff = max(cfg.Interval, cfg.MinBackoff)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Peers == nil {
		cfg.Peers = &Peers{}
	}
	x := &Exchanger{cfg: cfg}
	receipted, err := cfg.Log.LastAuditReceipts(ctx)
	if err != nil {
		return nil, err
	}
	for _, pc := range cfg.Peers.Peers {
		if pc.Plain {
			continue // a plain TAXII server does not witness
		}
		pub, err := ParsePublicKey(pc.PublicKey)
		if err != nil {
			return nil, err
		}
		peer, err := cfg.Dial(pc)
		if err != nil {
			return nil, err
		}
		w := &exchangeWorker{x: x, pc: pc, peer: peer, pub: pub, wake: make(chan struct{}, 1)}
		for _, r := range receipted {
			if r.Witness == pc.Node {
				w.done = r.Head
			}
		}
		x.workers = append(x.workers, w)
	}
	return x, nil
}

// Start runs one worker per peer, each in its own goroutine, so that a
// peer that is down delays no other.
func (x *Exchanger) Start(ctx context.Context) {
	ctx, x.cancel = context.WithCancel(ctx)
	for _, w := range x.workers {
		x.wg.Add(1)
		go func() { defer x.wg.Done(); w.run(ctx) }()
	}
}

// Poke has every worker offer the latest head now. It never blocks.
func (x *Exchanger) Poke() {
	for _, w := range x.workers {
		select {
		case w.wake <- struct{}{}:
		default:
		}
	}
}

// Stop ends the workers and waits for them.
func (x *Exchanger) Stop() {
	if x.cancel != nil {
		x.cancel()
	}
	x.wg.Wait()
}

// Flush offers the latest head to every peer once, at the same time, and
// waits until each answered or ctx ended: at shutdown, the head signed last
// reaches the peers that are up.
func (x *Exchanger) Flush(ctx context.Context) {
	var wg sync.WaitGroup
	for _, w := range x.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := w.round(ctx); err != nil {
				x.Failures.Add(1)
				x.cfg.Logger.Warn("audit: the last signed head did not reach a peer", "peer", w.pc.Name, "err", err)
			}
		}()
	}
	wg.Wait()
}

// run offers heads until ctx ends: at once, then when poked and at every
// interval; after a failure it waits out a growing backoff.
func (w *exchangeWorker) run(ctx context.Context) {
	failures := 0
	for ctx.Err() == nil {
		wait := w.x.cfg.Interval
		if err := w.round(ctx); err != nil && ctx.Err() == nil {
			failures++
			w.x.Failures.Add(1)
			wait = min(w.x.cfg.MinBackoff<<min(failures-1, 16), w.x.cfg.MaxBackoff)
			w.x.cfg.Logger.Warn("audit: witness exchange failed; retrying", "peer", w.pc.Name, "retry_in", wait, "err", err)
		} else {
			failures = 0
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
		case <-t.C:
		case <-w.wake:
		}
		t.Stop()
	}
}

// round offers the latest signed head to the peer unless the peer already
// receipted or refused it.
func (w *exchangeWorker) round(ctx context.Context) error {
	h, err := w.x.cfg.Log.LastAuditHead(ctx)
	if kizuna.ErrorCode(err) == kizuna.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done.Seq == h.Seq && w.done.Hash == h.Hash {
		return nil
	}
	rctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	r, err := w.peer.WitnessAuditHead(rctx, h)
	if kizuna.ErrorCode(err) == kizuna.ECONFLICT {
		w.refused(ctx, h, err)
		return nil
	}
	if err != nil {
		return err
	}
	if r.Witness != w.pc.Node || !r.Head.Same(h) || !CheckAuditReceipt(r, w.pub) {
		return kizuna.Errorf(kizuna.EFORBIDDEN, "peer %q: its receipt of the head at entry %d is not its pinned key's signature of that head", w.pc.Name, h.Seq)
	}
	if err := w.x.cfg.Log.AddAuditReceipt(ctx, r); err != nil {
		return err
	}
	w.x.Receipts.Add(1)
	w.done = *h
	return nil
}

// refused records that the peer found h inconsistent with a head it
// witnessed before.
func (w *exchangeWorker) refused(ctx context.Context, h *kizuna.AuditHead, err error) {
	w.x.Refusals.Add(1)
	w.done = *h
	msg := kizuna.ErrorMessage(err)
	w.x.cfg.Logger.Error("audit: a peer refused this node's signed head: it contradicts a head the peer witnessed; run 'kizuna audit verify --peers'",
		"peer", w.pc.Name, "seq", h.Seq, "err", msg)
	if w.x.cfg.Audit == nil {
		return
	}
	e := &kizuna.AuditEvent{Action: "audit.witness.refused", Object: fmt.Sprint(h.Seq), Decision: "deny",
		Reason: fmt.Sprintf("peer %q: %s", w.pc.Name, msg)}
	if err := w.x.cfg.Audit.AppendAudit(ctx, e); err != nil {
		w.x.cfg.Logger.Error("audit append failed", "action", e.Action, "err", err)
	}
}
