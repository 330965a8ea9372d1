package node

import (
	"context"
	"sync"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/federation"
	"github.com/kizuna-dev/kizuna/taxii"
	"github.com/prometheus/client_golang/prometheus"
)

// AuditOptions tune the signing and the witnessing of the audit log (0:
// the federation package's defaults).
type AuditOptions struct {
	// SignEvery signs the head after this many new entries.
	SignEvery int64
	// SignInterval signs the head when a new entry has waited this long.
	SignInterval time.Duration
	// WitnessInterval is how often the latest signed head is offered to
	// each kizuna peer.
	WitnessInterval time.Duration
}

// auditAppendHook is a store that calls a function after each append to
// the audit log.
type auditAppendHook interface {
	OnAuditAppend(fn func(seq int64))
}

// auditHeads are the signer, the exchange and the witness of a serving
// node.
type auditHeads struct {
	signer   *federation.HeadSigner
	exchange *federation.Exchanger
	witness  *federation.Witness
}

// witnessShutdownTimeout bounds how long a stopping node tries to hand
// its last signed head to its peers.
const witnessShutdownTimeout = 5 * time.Second

// startAuditHeads starts signing the audit log's head and exchanging it
// with the kizuna peers. The returned function stops both, signs the head
// as the node leaves it and offers it to the peers that are up: run it
// once nothing else appends to the log.
func (n *Node) startAuditHeads(ctx context.Context, opt AuditOptions) (func(), error) {
	keys, peers, err := n.Peering(ctx)
	if err != nil {
		return nil, err
	}
	logger := n.Logger.With("component", "audit")
	h := &auditHeads{}
	h.witness = federation.NewWitness(federation.WitnessConfig{
		Node: n.Identity.ID, Key: keys.Signing, Peers: peers, Store: n.Store, Audit: n.Store, Logger: logger,
	})
	h.exchange, err = federation.NewExchanger(ctx, federation.ExchangeConfig{
		Peers: peers, Log: n.Store, Audit: n.Store, Dial: DialWitness, Interval: opt.WitnessInterval, Logger: logger,
	})
	if err != nil {
		return nil, err
	}
	h.signer = federation.NewHeadSigner(federation.HeadSignerConfig{
		Node: n.Identity.ID, Key: keys.Signing, Log: n.Store, Every: opt.SignEvery, Interval: opt.SignInterval,
		Logger: logger, OnSigned: func(*kizuna.AuditHead) { h.exchange.Poke() },
	})
	// A store that announces its appends wakes the signer at once; on
	// others (PostgreSQL, where several instances append) it signs on
	// its interval.
	hook, _ := n.Store.(auditAppendHook)
	if hook != nil {
		hook.OnAuditAppend(h.signer.Appended)
	}
	n.heads = h

	// Among instances sharing a PostgreSQL store, the one that holds the
	// audit lease signs and offers heads; the others only witness their
	// peers' heads (served by whichever instance a request reaches).
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		federation.Leased(rctx, n.leaser(), "audit heads", logger, time.Second, func(held context.Context) {
			h.signer.Reload()
			var wg sync.WaitGroup
			wg.Add(1)
			go func() { defer wg.Done(); h.signer.Run(held) }()
			h.exchange.Start(held)
			<-held.Done()
			wg.Wait()
			h.exchange.Stop()
			if rctx.Err() == nil {
				return // the lease was lost: another instance signs
			}
			// Shutdown, while still holding the lease: sign the head as
			// the node leaves it and offer it to the peers that are up.
			sctx, cancel := context.WithTimeout(context.Background(), witnessShutdownTimeout)
			defer cancel()
			if _, err := h.signer.Sign(sctx); err != nil {
				logger.Error("audit: the log's head was not signed at shutdown", "err", err)
			}
			h.exchange.Flush(sctx)
		})
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			cancel()
			<-done
			if hook != nil {
				hook.OnAuditAppend(nil)
			}
		})
	}, nil
}

// leaser returns the store's leases when instances share it, else nil.
func (n *Node) leaser() federation.Leaser {
	l, _ := n.Store.(federation.Leaser)
	return l
}

// Peering returns the node's keys and its peers' configuration, as the
// node's state holds them.
func (n *Node) Peering(ctx context.Context) (*federation.Keys, *federation.Peers, error) {
	keys, err := n.Keys(ctx)
	if err != nil {
		return nil, nil, err
	}
	peers, err := federation.LoadPeers(ctx, n.State)
	if err != nil {
		return nil, nil, err
	}
	return keys, peers, nil
}

// auditWitness returns the node's witness of its peers' audit heads, or
// nil when the node does not serve.
func (n *Node) auditWitness() kizuna.AuditWitness {
	if n.heads == nil {
		return nil
	}
	return n.heads.witness
}

// DialWitness returns the client of a kizuna peer's audit witness, over a
// pinned HTTPS connection (or loopback HTTP) with this node's credentials.
func DialWitness(pc *federation.PeerConfig) (federation.WitnessPeer, error) {
	return DialNative(pc)
}

// DialNative returns the client of a kizuna peer's TAXII and native API,
// over a pinned HTTPS connection (or loopback HTTP) with this node's
// credentials.
func DialNative(pc *federation.PeerConfig) (*taxii.Client, error) {
	hc, err := federation.ClientFor(pc, time.Minute)
	if err != nil {
		return nil, err
	}
	return &taxii.Client{APIRoot: pc.URL, HTTPClient: hc, Username: pc.Username, Token: pc.Token}, nil
}

// registerAudit exposes the counters of the audit heads.
func (m *metrics) registerAudit(h *auditHeads) {
	if h == nil {
		return
	}
	counter := func(name, help string, labels prometheus.Labels, v func() int64) {
		m.registry.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help, ConstLabels: labels},
			func() float64 { return float64(v()) }))
	}
	counter("kizuna_audit_heads_signed_total", "Heads of the audit log signed with the node key.", nil, h.signer.Signed.Load)
	counter("kizuna_audit_divergences_total", "Times the audit log was found to contradict the head signed before it (entries removed or rewritten).", nil, h.signer.Divergences.Load)
	counter("kizuna_audit_receipts_total", "Receipts of this node's signed heads stored from witnessing peers.", nil, h.exchange.Receipts.Load)
	counter("kizuna_audit_refusals_total", "Signed heads of this node a peer refused as contradicting a head it witnessed.", nil, h.exchange.Refusals.Load)
	counter("kizuna_audit_witness_failures_total", "Failed exchanges of signed heads with peers (retried).", nil, h.exchange.Failures.Load)
	counter("kizuna_audit_witnessed_total", "Peers' signed heads this node witnessed.", nil, h.witness.Witnessed.Load)
	help := "Peers' signed heads that contradicted a head this node witnessed before, by kind: fork (another hash at a witnessed entry) or rollback (below the highest witnessed entry)."
	counter("kizuna_audit_witness_alarms_total", help, prometheus.Labels{"kind": kizuna.WitnessFork}, h.witness.Forks.Load)
	counter("kizuna_audit_witness_alarms_total", help, prometheus.Labels{"kind": kizuna.WitnessRollback}, h.witness.Rollbacks.Load)
}
