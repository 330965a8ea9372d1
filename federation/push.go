package federation

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/kizuna-dev/kizuna"
)

const (
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
		err := p.deleteQueued(ctx)
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

// sync sends everything added after the cursor that the peer may receive.
// One batch is in flight while the next is read and signed, so that this
// node's work overlaps the peer's; the cursor still advances in order,
// each time to the last version a confirmed batch covered.
func (p *pusher) sync(ctx context.Context) error {
	pr, err := p.s.principal(ctx, p.pc)
	if err != nil {
		return err
	}
	pctx := kizuna.NewContextWithPrincipal(ctx, pr)
	var inflight chan error
	wait := func() error {
		if inflight == nil {
			return nil
		}
		err := <-inflight
		inflight = nil
		return err
	}
	// send waits for the batch in flight, then starts batch (or, when it
	// is empty, just moves the cursor to upto).
	send := func(batch []json.RawMessage, upto time.Time) error {
		if err := wait(); err != nil {
			return err
		}
		if len(batch) == 0 {
			return p.s.cfg.Cursors.Set("push", p.pc.Name, p.m.Local, upto)
		}
		done := make(chan error, 1)
		inflight = done
		go func() {
			err := p.push(ctx, batch)
			if err == nil {
				err = p.s.cfg.Cursors.Set("push", p.pc.Name, p.m.Local, upto)
			}
			done <- err
		}()
		return nil
	}
	next := p.s.cfg.Cursors.Get("push", p.pc.Name, p.m.Local)
	for {
		f := kizuna.ObjectFilter{
			Collection: p.local, Versions: kizuna.VersionMatch{All: true},
			Limit: p.s.cfg.BatchSize, IncludeRaw: true,
		}
		if !next.IsZero() {
			after := next
			f.AddedAfter = &after
		}
		page, err := p.s.cfg.Objects.FindObjects(pctx, f)
		if err != nil {
			return errors.Join(err, wait())
		}
		if len(page.Objects) == 0 {
			return wait()
		}
		var batch []json.RawMessage
		size := 0
		for i, o := range page.Objects {
			raw, err := p.egress(ctx, pr, o)
			if err != nil {
				return errors.Join(err, wait())
			}
			if raw == nil {
				continue
			}
			if size+len(raw) > maxBatchBytes && len(batch) > 0 {
				if err := send(batch, page.Objects[i-1].DateAdded); err != nil {
					return err
				}
				batch, size = nil, 0
			}
			batch = append(batch, raw)
			size += len(raw)
		}
		next = page.Objects[len(page.Objects)-1].DateAdded
		if err := send(batch, next); err != nil {
			return err
		}
		if !page.More {
			return wait()
		}
	}
}

// egress returns the form of o the peer gets, or nil when o stays here.
// The guard has already applied the access decision with the peer as the
// reader and removed the portions it may not see; egress adds the
// agreement's TLP cap, keeps TLP:RED and AMBER+STRICT to an audience that
// names the peer, never returns an object to the peer it came from, and
// signs what this node originated. An object from another peer travels on
// only with its originator's signature intact: not redacted, and signed.
func (p *pusher) egress(ctx context.Context, pr *kizuna.Principal, o *kizuna.Object) (json.RawMessage, error) {
	withhold := func() (json.RawMessage, error) {
		p.s.stats.Withheld.Add(1)
		return nil, nil
	}
	l := o.Label
	if l == nil {
		return withhold() // the guard never returns one; fail closed regardless
	}
	if rank, ok := tlpRank[l.TLP]; !ok || rank > tlpRank[p.pc.MaxTLP] {
		return withhold()
	}
	if (l.TLP == kizuna.TLPRed || l.TLP == kizuna.TLPAmberStrict) && !slices.Contains(l.Audience, pr.Organization) {
		return withhold()
	}
	if o.Origin == p.pc.Name {
		return nil, nil // it came from this peer: no echo
	}
	if o.Origin == "" {
		// A redacted object (the guard's redaction for this peer) is already
		// consistent: its granular markings follow what remains.
		raw, err := Sign(o.Raw, p.s.cfg.Node, p.s.cfg.Keys.Signing)
		if err != nil {
			p.s.cfg.Logger.Warn("federation: cannot sign; withheld", "object", o.ID, "err", err)
			return withhold()
		}
		return raw, nil
	}
	_, _, prov, err := Split(o.Raw)
	if err != nil || prov == nil || prov.Node == p.pc.Node || o.Hash == "" || bytes.Contains(o.Raw, []byte(`"x_kizuna_redacted"`)) {
		// Unsigned (from a plain peer), back to its originator, or redacted
		// here or upstream: the originator's signature would not hold.
		return nil, nil
	}
	return o.Raw, nil
}

// push posts one batch and waits for the peer's verdict. Refusals are
// final for those versions (the peer's rules will not change by
// retrying) and are audited; a failed request is retried from the cursor.
func (p *pusher) push(ctx context.Context, batch []json.RawMessage) error {
	rctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	st, err := p.peer.Push(rctx, p.m.Remote, batch)
	if err != nil {
		return err
	}
	if st.Status != kizuna.StatusComplete {
		return kizuna.Errorf(kizuna.EUNAVAILABLE, "peer %q did not complete status %s", p.pc.Name, st.ID)
	}
	p.s.stats.Sent.Add(int64(len(st.Successes)))
	p.s.stats.Refused.Add(int64(len(st.Failures)))
	for _, f := range st.Failures {
		p.s.audit(ctx, &kizuna.AuditEvent{
			Action: "federation.refused", Object: f.ID, Decision: "deny",
			Reason: fmt.Sprintf("peer %q collection %s refused the version: %s", p.pc.Name, p.m.Remote, f.Message),
		})
	}
	return nil
}
