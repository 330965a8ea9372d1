package federation

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"github.com/kizuna-dev/kizuna"
)

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
	// last says that the batch flushed next ends a run of batches (the
	// round's, or a chunk of resent versions'): nothing follows it at once.
	last     bool
	tries    int // earlier refusals of the version offered, when retrying
	ctx      context.Context
	inflight []*flight // posted, oldest first
	// posting counts the meta objects of the batches in flight: the peer
	// is taken to hold them until their batch's verdict says otherwise,
	// so that they are not sent again meanwhile.
	posting map[postKey]int
	// egress holds the verdicts of the page being offered, computed (and
	// signed) on every core ahead of offering its objects in order.
	egress map[*kizuna.Object]egressResult
}

// egressResult is what egressOf returned for one version.
type egressResult struct {
	raw     json.RawMessage
	verdict int
}

// postKey names one version of a meta object.
type postKey struct {
	id      string
	version int64 // UnixNano
}

func versionOf(id string, v time.Time) postKey { return postKey{id, v.UnixNano()} }

// pushDepth is how many batches a pusher keeps posted to a peer and not
// yet processed: while a kizuna peer commits one it verifies and parses
// the next two, and a fourth waits in its queue, so that the peer does not
// wait for the pusher's next request, which follows the status poll of the
// oldest. Measured on 2 cores, four rather than three made the catch-up
// some 10 % faster (docs/benchmarks-federation.md).
const pushDepth = 4

// flight is one batch posted to the peer, or being posted.
type flight struct {
	items []item
	upto  time.Time // the cursor once it is confirmed
	move  bool
	// posted closes once the batch is posted, or failed to be; ok tells
	// which (set before posted closes). The next batch is posted after
	// it, so that the peer queues them in order.
	posted chan struct{}
	ok     bool
	// finished closes once the batch's status is known (or cannot be):
	// the next batch polls its own only then, since the peer completes
	// them in order.
	finished chan struct{}
	done     chan flightResult
}

type flightResult struct {
	st  *kizuna.Status
	err error
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
	r := &round{p: p, pr: pr, finder: finder, missing: map[string]int{}, ctx: ctx, posting: map[postKey]int{},
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
		r.egress = p.egressPage(page.Objects, pr)
		for _, o := range page.Objects {
			if err := r.offer(pctx, o); err != nil {
				return errors.Join(err, r.wait())
			}
			r.covered = o.DateAdded
		}
		r.egress = nil
		r.last = !page.More
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

// flush posts the current batch after those in flight, once fewer than
// pushDepth are (or, when it is empty, waits for them and moves the cursor
// to what it covers).
func (r *round) flush(ctx context.Context) error {
	batch, items, upto, move, more := r.raws, r.items, r.covered, !r.retrying, !r.last
	r.raws, r.items, r.size, r.last = nil, nil, 0, false
	p := r.p
	if len(batch) == 0 {
		if err := r.wait(); err != nil || !move {
			return err
		}
		return p.s.cfg.Cursors.Set("push", p.pc.Name, p.m.Local, upto)
	}
	for len(r.inflight) >= pushDepth {
		if err := r.land(); err != nil {
			return errors.Join(err, r.wait())
		}
	}
	f := &flight{items: items, upto: upto, move: move, posted: make(chan struct{}), finished: make(chan struct{}), done: make(chan flightResult, 1)}
	var prev *flight
	if n := len(r.inflight); n > 0 {
		prev = r.inflight[n-1]
	}
	r.inflight = append(r.inflight, f)
	r.count(f, 1)
	go func() {
		defer close(f.finished)
		if prev != nil {
			if <-prev.posted; !prev.ok {
				close(f.posted)
				f.done <- flightResult{err: kizuna.Errorf(kizuna.EUNAVAILABLE, "peer %q: an earlier request failed", p.pc.Name)}
				return
			}
		}
		wait, err := p.post(ctx, batch, more)
		f.ok = err == nil
		close(f.posted)
		if err != nil {
			f.done <- flightResult{err: err}
			return
		}
		if prev != nil {
			<-prev.finished
		}
		st, err := wait()
		f.done <- flightResult{st, err}
	}()
	return nil
}

// land waits for the oldest batch in flight, takes the peer's verdict on
// it and moves the cursor to what it covers.
func (r *round) land() error {
	f := r.inflight[0]
	r.inflight = r.inflight[1:]
	res := <-f.done
	r.count(f, -1)
	if res.err != nil {
		return res.err
	}
	p := r.p
	if err := p.settle(r.ctx, res.st, f.items); err != nil {
		return err
	}
	if !f.move {
		return nil
	}
	return p.s.cfg.Cursors.Set("push", p.pc.Name, p.m.Local, f.upto)
}

// wait lands the batches in flight, oldest first, and returns the first
// error: the batches after a failed one are waited for, but they neither
// move the cursor nor count as answered, so that they are sent again.
func (r *round) wait() error {
	var first error
	for len(r.inflight) > 0 {
		if first != nil {
			<-r.inflight[0].done
			r.count(r.inflight[0], -1)
			r.inflight = r.inflight[1:]
			continue
		}
		first = r.land()
	}
	return first
}

// count adds n to the counts of the meta objects of f in posting.
func (r *round) count(f *flight, n int) {
	for _, it := range f.items {
		if !it.track {
			continue
		}
		k := versionOf(it.id, it.version)
		if r.posting[k] += n; r.posting[k] <= 0 {
			delete(r.posting, k)
		}
	}
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
		r.tries, r.last = 0, true
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
