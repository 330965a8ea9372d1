package federation

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/policy"
)

const (
	// maxTries bounds the times a version is sent to a peer that refuses
	// it for want of a meta object: each try sends the meta objects it
	// named again, one level of a chain of markings at a time.
	maxTries = 3
	// maxBatchBytes keeps a POST well below a receiver's default 10 MiB
	// body limit.
	maxBatchBytes = 4 << 20
	// requestTimeout bounds one push, pull or delete round trip.
	requestTimeout = 60 * time.Second
)

// pusher sends one local collection to one collection of one peer.
type pusher struct {
	s     *Service
	pc    *PeerConfig
	peer  Peer
	m     CollectionMap
	local string // local collection id
	wake  chan struct{}
}

func (p *pusher) poke() {
	select {
	case p.wake <- struct{}{}:
	default: // already awake: the coming round sees everything committed
	}
}

// run synchronises until ctx ends: at once, then when woken and at every
// catch-up tick; after a failure it waits out a growing backoff, ignoring
// wake-ups, so that a burst of publishing does not hammer a peer that is
// down.
func (p *pusher) run(ctx context.Context) {
	failures := 0
	for ctx.Err() == nil {
		// Other instances sharing the store queue deletions too.
		err := p.s.cfg.Cursors.Refresh(ctx)
		if err == nil {
			err = p.deleteQueued(ctx)
		}
		if err == nil {
			err = p.sync(ctx)
		}
		wait := p.s.cfg.CatchUp
		if err != nil && ctx.Err() == nil {
			failures++
			p.s.stats.Failures.Add(1)
			wait = p.s.backoff(failures)
			p.s.cfg.Logger.LogAttrs(ctx, slog.LevelWarn, "federation push failed; retrying",
				slog.String("peer", p.pc.Name), slog.String("collection", p.m.Local),
				slog.Duration("retry_in", wait), slog.String("err", err.Error()))
		} else {
			failures = 0
		}
		t := time.NewTimer(wait)
		if failures > 0 {
			select {
			case <-ctx.Done():
			case <-t.C:
			}
		} else {
			select {
			case <-ctx.Done():
			case <-t.C:
			case <-p.wake:
			}
		}
		t.Stop()
	}
}

// deleteQueued propagates the persisted deletions, oldest first; a failed
// one stays queued for the next round.
func (p *pusher) deleteQueued(ctx context.Context) error {
	for _, id := range p.s.cfg.Cursors.PendingDeletes(p.pc.Name, p.m.Local) {
		rctx, cancel := context.WithTimeout(ctx, requestTimeout)
		err := p.peer.Delete(rctx, p.m.Remote, id)
		cancel()
		if err != nil {
			return err
		}
		if err := p.s.cfg.Cursors.DoneDelete(p.pc.Name, p.m.Local, id); err != nil {
			return err
		}
		p.s.stats.Deleted.Add(1)
		p.s.audit(ctx, &kizuna.AuditEvent{Action: "federation.delete", Object: id, Reason: fmt.Sprintf("propagated to peer %q collection %s", p.pc.Name, p.m.Remote)})
	}
	return nil
}

// Verdicts of the egress rules on one version.
const (
	egressSend     = iota // the peer gets it
	egressWithheld        // the agreement keeps it here
	egressStays           // it cannot travel on from here (unsigned, redacted relay)
	egressPeerHas         // it came from the peer, or the peer originated it
)

// egressOf returns the form of o the peer gets and the verdict. The guard
// has already applied the access decision with the peer as the reader and
// removed the portions it may not see; egressOf adds the agreement's TLP
// cap, keeps TLP:RED and AMBER+STRICT to an audience that names the peer,
// never returns an object to the peer it came from, and signs what this
// node originated. An object from another peer travels on only with its
// originator's signature intact: not redacted, and signed.
func (p *pusher) egressOf(o *kizuna.Object, pr *kizuna.Principal) (json.RawMessage, int) {
	l := o.Label
	if l == nil {
		return nil, egressWithheld // the guard never returns one; fail closed regardless
	}
	if !policy.WithinTLP(l.TLP, p.pc.MaxTLP) {
		return nil, egressWithheld
	}
	if (l.TLP == kizuna.TLPRed || l.TLP == kizuna.TLPAmberStrict) && !slices.Contains(l.Audience, pr.Organization) {
		return nil, egressWithheld
	}
	if o.Origin == p.pc.Name {
		return nil, egressPeerHas // no echo
	}
	if o.Origin == "" {
		// A redacted object (the guard's redaction for this peer) is already
		// consistent: its granular markings follow what remains.
		raw, err := Sign(o.Raw, p.s.cfg.Node, p.s.cfg.Keys.Signing)
		if err != nil {
			p.s.cfg.Logger.Warn("federation: cannot sign; withheld", "object", o.ID, "err", err)
			return nil, egressWithheld
		}
		return raw, egressSend
	}
	_, _, prov, err := Split(o.Raw)
	if err == nil && prov != nil && prov.Node == p.pc.Node {
		return nil, egressPeerHas // back to its originator
	}
	if err != nil || prov == nil || o.Hash == "" || bytes.Contains(o.Raw, []byte(`"x_kizuna_redacted"`)) {
		// Unsigned (from a plain peer), or redacted here or upstream: the
		// originator's signature would not hold.
		return nil, egressStays
	}
	return o.Raw, egressSend
}

// post posts one batch and returns once the peer has accepted it (queued
// it, when more follow and the peer can answer at once); wait returns the
// peer's final status. Both bound their round trip by requestTimeout.
func (p *pusher) post(ctx context.Context, batch []json.RawMessage, more bool) (wait func() (*kizuna.Status, error), err error) {
	rctx, cancel := context.WithTimeout(ctx, requestTimeout)
	push := p.peer.Push
	if q, ok := p.peer.(QueuingPeer); ok && more {
		push = q.PushQueued
	}
	w, err := push(rctx, p.m.Remote, batch)
	cancel()
	if err != nil {
		return nil, err
	}
	return func() (*kizuna.Status, error) {
		rctx, cancel := context.WithTimeout(ctx, requestTimeout)
		defer cancel()
		return w(rctx)
	}, nil
}

// settle takes the peer's verdict on a batch. A refusal that names a meta
// object the refused version references shows that the peer lacks it: the
// pusher forgets that the peer holds it and queues the version to be sent
// again, with it, up to maxTries times in all. Other refusals, and the
// last one, are final for those versions (the peer's rules will not change
// by retrying) and are audited; a failed request is retried from the
// cursor.
func (p *pusher) settle(ctx context.Context, st *kizuna.Status, items []item) error {
	if st.Status != kizuna.StatusComplete {
		return kizuna.Errorf(kizuna.EUNAVAILABLE, "peer %q did not complete status %s", p.pc.Name, st.ID)
	}
	find := func(d kizuna.StatusDetail) (item, bool) {
		i := slices.IndexFunc(items, func(it item) bool { return it.id == d.ID && (d.Version.IsZero() || it.version.Equal(d.Version)) })
		if i < 0 {
			return item{}, false
		}
		return items[i], true
	}
	held := map[string]time.Time{}
	var forget []string
	var again []Retry
	for _, d := range st.Successes {
		if it, ok := find(d); ok && it.track {
			held[it.id] = it.version
		}
	}
	p.s.stats.Sent.Add(int64(len(st.Successes)))
	for _, f := range st.Failures {
		it, ok := find(f)
		if miss := missingMeta(it, f.Message); ok && len(miss) > 0 {
			// The peer lacks meta objects this node believed it held: send
			// them again, and with them this version (a meta object goes
			// again when an object needs it).
			forget = append(forget, miss...)
			if it.track {
				forget = append(forget, it.id)
			}
			if it.meta {
				continue
			}
			if it.tries+1 < maxTries {
				again = append(again, Retry{ID: it.id, Version: it.version, Tries: it.tries + 1})
				continue
			}
		} else if ok && it.track {
			held[it.id] = it.version // answered for good
		}
		p.s.stats.Refused.Add(1)
		p.s.audit(ctx, &kizuna.AuditEvent{
			Action: AuditRefused, Object: f.ID, Decision: "deny",
			Reason: refusedReason(p.pc.Name, p.m.Remote, f.Message),
		})
	}
	if err := p.s.cfg.Cursors.SetMetaHeld("push", p.pc.Name, p.m.Local, held, forget); err != nil {
		return err
	}
	if err := p.s.cfg.Cursors.QueueRetries(p.pc.Name, p.m.Local, again); err != nil {
		p.s.cfg.Logger.Error("federation: a refused version will not be sent again", "peer", p.pc.Name, "err", err)
	} else if len(again) > 0 {
		p.poke() // the next round sends them, at once
	}
	return nil
}

// egressPage applies egressOf to the objects of a page that are offered
// (all but meta objects, which go only ahead of an object that needs
// them) on runtime.GOMAXPROCS goroutines: signing is the sender's main
// cost. The verdicts are the same as one by one; the caller offers the
// objects in page order.
func (p *pusher) egressPage(objects []*kizuna.Object, pr *kizuna.Principal) map[*kizuna.Object]egressResult {
	offered := make([]*kizuna.Object, 0, len(objects))
	for _, o := range objects {
		if !kizuna.IsMetaType(o.Type) {
			offered = append(offered, o)
		}
	}
	results := make([]egressResult, len(offered))
	workers := min(runtime.GOMAXPROCS(0), len(offered)/32+1)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(offered) {
					return
				}
				raw, v := p.egressOf(offered[i], pr)
				results[i] = egressResult{raw: raw, verdict: v}
			}
		}()
	}
	wg.Wait()
	out := make(map[*kizuna.Object]egressResult, len(offered))
	for i, o := range offered {
		out[o] = results[i]
	}
	return out
}
