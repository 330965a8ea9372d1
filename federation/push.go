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

// round is one synchronisation of a pusher with its peer: the batch being
// filled, the one in flight, and the meta objects gathered so far.
type round struct {
	p       *pusher
	pr      *kizuna.Principal
	finder  *peerFinder
	meta    *kizuna.MetaSet
	missing map[string]int // marking-definitions the peer may not receive -> objects withheld

	raws  []json.RawMessage
	items []item
	size  int
	// covered is the cursor once the current batch is confirmed: the
	// date_added of the last version whose whole group is in it or before.
	covered  time.Time
	retrying bool // the batches resend versions; the cursor stays
	tries    int  // earlier refusals of the version offered, when retrying
	inflight chan error
}

// sync sends everything added after the cursor that the peer may receive,
// each object after the meta objects it needs, after the versions queued
// to be sent once more. One batch is in flight while the next is read and
// signed, so that this node's work overlaps the peer's; the cursor still
// advances in order, each time to the last version a confirmed batch
// covered.
func (p *pusher) sync(ctx context.Context) error {
	pr, err := p.s.principal(ctx, p.pc)
	if err != nil {
		return err
	}
	pctx := kizuna.NewContextWithPrincipal(ctx, pr)
	finder, err := p.newPeerFinder(pctx, pr)
	if err != nil {
		return err
	}
	r := &round{p: p, pr: pr, finder: finder, missing: map[string]int{},
		meta: &kizuna.MetaSet{Finder: finder, Known: p.s.cfg.Known}}
	defer r.logMissing(ctx)
	if err := r.resend(pctx); err != nil {
		return err
	}
	r.covered = p.s.cfg.Cursors.Get("push", p.pc.Name, p.m.Local)
	for {
		f := kizuna.ObjectFilter{
			Collection: p.local, Versions: kizuna.VersionMatch{All: true},
			Limit: p.s.cfg.BatchSize, IncludeRaw: true,
		}
		if !r.covered.IsZero() {
			after := r.covered
			f.AddedAfter = &after
		}
		page, err := p.s.cfg.Objects.FindObjects(pctx, f)
		if err != nil {
			return errors.Join(err, r.wait())
		}
		if len(page.Objects) == 0 {
			return r.wait()
		}
		for _, o := range page.Objects {
			if err := r.offer(pctx, o); err != nil {
				return errors.Join(err, r.wait())
			}
			r.covered = o.DateAdded
		}
		if err := r.flush(ctx); err != nil {
			return err
		}
		if !page.More {
			return r.wait()
		}
	}
}

// offer adds o, with what it needs, to the batch, unless it stays here. A
// marking-definition or extension-definition is not sent on its own: it
// goes ahead of the first object that needs it.
func (r *round) offer(ctx context.Context, o *kizuna.Object) error {
	if kizuna.IsMetaType(o.Type) {
		return nil
	}
	g, ok, err := r.prepare(ctx, o)
	if err != nil || !ok {
		return err
	}
	for _, q := range g.pre {
		if err := r.send(ctx, q); err != nil {
			return err
		}
	}
	size := len(g.self.raws[0])
	if len(r.raws) > 0 && r.size+size > maxBatchBytes {
		if err := r.flush(ctx); err != nil {
			return err
		}
	}
	it := g.self.items[0]
	it.tries = r.tries
	r.items, r.raws, r.size = append(r.items, it), append(r.raws, g.self.raws[0]), r.size+size
	for _, q := range g.post {
		if err := r.send(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// send sends q as a request of its own, after the batch being filled.
func (r *round) send(ctx context.Context, q *request) error {
	if len(r.raws) > 0 {
		if err := r.flush(ctx); err != nil {
			return err
		}
	}
	r.raws, r.items = q.raws, q.items
	for _, raw := range q.raws {
		r.size += len(raw)
	}
	return r.flush(ctx)
}

// flush waits for the batch in flight, then starts the current one (or,
// when it is empty, just moves the cursor to what it covers).
func (r *round) flush(ctx context.Context) error {
	if err := r.wait(); err != nil {
		return err
	}
	batch, items, upto, move := r.raws, r.items, r.covered, !r.retrying
	r.raws, r.items, r.size = nil, nil, 0
	p := r.p
	if len(batch) == 0 {
		if !move {
			return nil
		}
		return p.s.cfg.Cursors.Set("push", p.pc.Name, p.m.Local, upto)
	}
	done := make(chan error, 1)
	r.inflight = done
	go func() {
		err := p.push(ctx, batch, items)
		if err == nil && move {
			err = p.s.cfg.Cursors.Set("push", p.pc.Name, p.m.Local, upto)
		}
		done <- err
	}()
	return nil
}

// wait returns the outcome of the batch in flight, if any.
func (r *round) wait() error {
	if r.inflight == nil {
		return nil
	}
	err := <-r.inflight
	r.inflight = nil
	return err
}

// resend sends once more the versions the peer refused for want of a meta
// object, with what they need; a second refusal is final.
func (r *round) resend(ctx context.Context) error {
	p := r.p
	queued := p.s.cfg.Cursors.PendingRetries(p.pc.Name, p.m.Local)
	if len(queued) == 0 {
		return nil
	}
	r.retrying = true
	defer func() { r.retrying, r.tries = false, 0 }()
	for chunk := range slices.Chunk(queued, p.s.cfg.BatchSize) {
		f := kizuna.ObjectFilter{Collection: p.local, IncludeRaw: true, Limit: 2 * len(chunk)}
		for _, q := range chunk {
			f.IDs = append(f.IDs, q.ID)
			f.Versions.At = append(f.Versions.At, q.Version)
		}
		page, err := p.s.cfg.Objects.FindObjects(ctx, f)
		if err != nil {
			return errors.Join(err, r.wait())
		}
		for _, o := range page.Objects {
			i := slices.IndexFunc(chunk, func(q Retry) bool { return q.ID == o.ID && q.Version.Equal(o.Version) })
			if i < 0 {
				continue
			}
			r.tries = chunk[i].Tries
			if err := r.offer(ctx, o); err != nil {
				return errors.Join(err, r.wait())
			}
		}
		r.tries = 0
		if err := r.flush(ctx); err != nil {
			return err
		}
		if err := r.wait(); err != nil {
			return err
		}
		if err := p.s.cfg.Cursors.DoneRetries(p.pc.Name, p.m.Local, chunk); err != nil {
			return err
		}
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
	if rank, ok := tlpRank[l.TLP]; !ok || rank > tlpRank[p.pc.MaxTLP] {
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

// push posts one batch and waits for the peer's verdict. A refusal that
// names a meta object the refused version references shows that the peer
// lacks it: the pusher forgets that the peer holds it and queues the
// version to be sent again, with it, up to maxTries times in all. Other
// refusals, and the last one, are final for those versions (the peer's
// rules will not change by retrying) and are audited; a failed request is
// retried from the cursor.
func (p *pusher) push(ctx context.Context, batch []json.RawMessage, items []item) error {
	rctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	st, err := p.peer.Push(rctx, p.m.Remote, batch)
	if err != nil {
		return err
	}
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
			Action: "federation.refused", Object: f.ID, Decision: "deny",
			Reason: fmt.Sprintf("peer %q collection %s refused the version: %s", p.pc.Name, p.m.Remote, f.Message),
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
