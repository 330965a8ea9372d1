// Package federation synchronises a node with its peers over TAXII 2.1.
//
// Egress: for each peer and mapped collection a pusher reads the local
// collection through the policy's guard with the peer's principal as the
// reader (the one access decision, with portion redaction), caps it by the
// agreement's TLP, signs what this node originated, and posts it. A
// persisted added_after cursor advances only after the peer confirmed a
// batch, so after an outage of either side everything missed is sent, and
// the receiver's idempotence by (id, version) keeps it from arriving twice.
// Ingest events wake the pushers (push within a second); a timer runs the
// same catch-up regardless.
//
// Ingress from kizuna peers arrives by their push and passes the Verifier;
// plain TAXII peers are pulled with a cursor of their own.
package federation

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kizuna-dev/kizuna"
)

// Peer is what the federation needs of a peer's TAXII API root.
type Peer interface {
	// Push posts objects to a collection of the peer and returns once the
	// peer has accepted them; wait then waits until the peer has processed
	// them and returns the final status. The peer processes what one
	// principal posts to a collection in the order it accepted it, so that
	// a request may be posted while the one before is processed.
	Push(ctx context.Context, collection string, objects []json.RawMessage) (wait func(context.Context) (*kizuna.Status, error), err error)
	// Pull returns the versions the peer added to a collection after
	// addedAfter (zero: from the start), oldest first, at most limit.
	Pull(ctx context.Context, collection string, addedAfter time.Time, limit int) (*PullPage, error)
	// Delete removes an object (every version) from a collection of the
	// peer; an object the peer does not hold is not an error.
	Delete(ctx context.Context, collection, id string) error
	// Get returns the latest version of each id the peer's collection
	// holds; ids it does not hold are absent.
	Get(ctx context.Context, collection string, ids []string) ([]json.RawMessage, error)
}

// QueuingPeer is a Peer that can also be pushed to without the answer
// waiting for the objects' ingest (a TAXII server honouring Prefer:
// respond-async): PushQueued returns once the peer has queued them. The
// pusher uses it for a batch that more follow in the same round, so that
// the next one joins the peer's queue while the peer processes this one;
// the last batch of a round is pushed with Push, whose answer (for a
// small envelope) is the final status, polled no more.
type QueuingPeer interface {
	Peer
	PushQueued(ctx context.Context, collection string, objects []json.RawMessage) (wait func(context.Context) (*kizuna.Status, error), err error)
}

// PullPage is one page of Pull.
type PullPage struct {
	Objects []json.RawMessage
	More    bool
	// Last is the peer's date_added of the last object of the page.
	Last time.Time
}

// PrincipalFinder finds the principal of a peer.
type PrincipalFinder interface {
	FindPrincipalByName(ctx context.Context, name string) (*kizuna.Principal, error)
}

// Config wires a Service.
type Config struct {
	Node  string // this node's identity id
	Keys  *Keys
	Peers *Peers
	// Objects is the guarded object store: every read the federation makes
	// is a read by the peer's principal, under the access decision.
	Objects kizuna.ObjectStore
	// Collections resolves collection aliases (the node's own store).
	Collections kizuna.CollectionStore
	Principals  PrincipalFinder
	Ingester    kizuna.Ingester
	Audit       kizuna.AuditStore
	Cursors     *Cursors
	// Lease, when several instances serve the node (on one PostgreSQL
	// database), lets one instance at a time push to each peer's
	// collection and pull from it; nil: this instance is the only one.
	Lease Leaser
	// Known reports the meta objects every node holds (the TLP markings,
	// kizuna's own extension-definition): they are never sent.
	Known func(id string) bool
	// Dial connects to a peer.
	Dial   func(pc *PeerConfig) (Peer, error)
	Logger *slog.Logger

	// BatchSize bounds the objects per request (default 500).
	BatchSize int
	// CatchUp is the interval of the timer-driven catch-up (default 5 s).
	CatchUp time.Duration
	// MinBackoff and MaxBackoff bound the wait after a failure (defaults
	// 250 ms and 30 s); it doubles with each consecutive failure.
	MinBackoff, MaxBackoff time.Duration
}

// Leaser grants a named piece of work to one instance of the node at a
// time.
type Leaser interface {
	// Lease blocks until this instance holds the named lease, or ctx ends
	// (then it returns ctx's error). held ends when ctx ends or the lease
	// is lost (the instance can no longer show it holds it); release gives
	// the lease up.
	Lease(ctx context.Context, name string) (held context.Context, release func(), err error)
}

// Stats are counters of a Service, for metrics and tests.
type Stats struct {
	Sent     atomic.Int64 // object versions a peer accepted
	Refused  atomic.Int64 // object versions a peer refused
	Withheld atomic.Int64 // versions the decision allowed but egress rules kept back
	// MetaWithheld counts versions kept back because a marking-definition
	// they need may not go to the peer, which could not label them.
	MetaWithheld atomic.Int64
	Pulled       atomic.Int64 // versions stored from plain peers
	Deleted      atomic.Int64 // deletions propagated
	Failures     atomic.Int64 // failed synchronisation rounds (retried)
}

// Service runs the federation workers.
type Service struct {
	cfg   Config
	stats Stats

	mu      sync.Mutex
	pushers []*pusher
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

// New returns a Service; Start runs it.
func New(cfg Config) (*Service, error) {
	if cfg.Objects == nil || cfg.Principals == nil || cfg.Cursors == nil || cfg.Dial == nil || cfg.Keys == nil || cfg.Collections == nil {
		return nil, errors.New("federation: Objects, Collections, Principals, Cursors, Dial and Keys are required")
	}
	if cfg.Peers == nil {
		cfg.Peers = &Peers{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 500
	}
	if cfg.CatchUp <= 0 {
		cfg.CatchUp = 5 * time.Second
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = 250 * time.Millisecond
	}
	if cfg.MaxBackoff < cfg.MinBackoff {
		cfg.MaxBackoff = max(30*time.Second, cfg.MinBackoff)
	}
	return &Service{cfg: cfg}, nil
}

// Stats returns the service's counters.
func (s *Service) Stats() *Stats { return &s.stats }

// Start starts one pusher per peer and pushed collection and one puller per
// plain peer and pulled collection, each in its own goroutine, so that a
// slow or absent peer delays nobody else.
func (s *Service) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ctx, s.cancel = context.WithCancel(ctx)
	for _, pc := range s.cfg.Peers.Peers {
		peer, err := s.cfg.Dial(pc)
		if err != nil {
			s.cancel()
			return err
		}
		for _, m := range pc.Collections {
			c, err := s.cfg.Collections.FindCollectionByID(ctx, m.Local)
			if err != nil {
				s.cancel()
				return kizuna.WrapError(kizuna.ErrorCode(err), err, "peer %q: local collection %q: %s", pc.Name, m.Local, kizuna.ErrorMessage(err))
			}
			if m.Push {
				p := &pusher{s: s, pc: pc, peer: peer, m: m, local: c.ID, wake: make(chan struct{}, 1)}
				s.pushers = append(s.pushers, p)
				s.wg.Add(1)
				go func() { defer s.wg.Done(); s.leased(ctx, "federation push "+pc.Name+" "+m.Local, p.run) }()
			}
			if m.Pull {
				p := &puller{s: s, pc: pc, peer: peer, m: m, local: c.ID}
				s.wg.Add(1)
				go func() { defer s.wg.Done(); s.leased(ctx, "federation pull "+pc.Name+" "+m.Remote, p.run) }()
			}
		}
	}
	return nil
}

// leased runs work while this instance holds the named lease (see
// Leased), from the cursors as the store holds them: the instance that held
// the lease before may have moved them.
func (s *Service) leased(ctx context.Context, name string, work func(context.Context)) {
	Leased(ctx, s.cfg.Lease, name, s.cfg.Logger, s.cfg.MinBackoff, func(held context.Context) {
		if err := s.cfg.Cursors.Refresh(held); err != nil {
			s.cfg.Logger.Warn("federation: cursors not read; the lease is given up", "lease", name, "err", err)
			return
		}
		work(held)
	})
}

// Leased runs work while this instance holds the named lease, until ctx
// ends: when the lease is lost, or work returns, the lease is given up and
// sought again (after retry when it could not be taken). With no Leaser,
// work just runs.
func Leased(ctx context.Context, l Leaser, name string, logger *slog.Logger, retry time.Duration, work func(held context.Context)) {
	if l == nil {
		work(ctx)
		return
	}
	for ctx.Err() == nil {
		held, release, err := l.Lease(ctx, name)
		if err != nil {
			if ctx.Err() == nil {
				logger.Warn("lease not taken; retrying", "lease", name, "err", err)
				t := time.NewTimer(retry)
				select {
				case <-ctx.Done():
				case <-t.C:
				}
				t.Stop()
			}
			continue
		}
		logger.Info("lease taken", "lease", name)
		work(held)
		release()
		if ctx.Err() == nil {
			logger.Warn("lease lost", "lease", name)
		}
	}
}

// Stop ends every worker and waits for them.
func (s *Service) Stop() {
	s.mu.Lock()
	if s.cancel != nil {
		s.cancel()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// Notify wakes the pushers of the collections the versions belong to. It
// never blocks: ingest calls it after every commit.
func (s *Service) Notify(objs []*kizuna.Object) {
	s.mu.Lock()
	pushers := s.pushers
	s.mu.Unlock()
	for _, p := range pushers {
		for _, o := range objs {
			if o.Collection == p.local {
				p.poke()
				break
			}
		}
	}
}

// Deleted records, for every peer the collection is pushed to, the
// deletion of object id from a local collection, and wakes the pushers.
// The queue is persisted with the cursors, so that a deletion reaches a
// peer that is down, or a node that restarts, later.
func (s *Service) Deleted(collection, id string) {
	s.mu.Lock()
	pushers := s.pushers
	s.mu.Unlock()
	for _, p := range pushers {
		if p.local != collection {
			continue
		}
		if err := s.cfg.Cursors.QueueDelete(p.pc.Name, p.m.Local, id); err != nil {
			s.cfg.Logger.Error("federation: deletion not queued", "peer", p.pc.Name, "object", id, "err", err)
			continue
		}
		p.poke()
	}
}

// backoff returns the wait after n consecutive failures.
func (s *Service) backoff(n int) time.Duration {
	d := s.cfg.MinBackoff
	for i := 1; i < n && d < s.cfg.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, s.cfg.MaxBackoff)
}

// principal returns the peer's principal, the reader of every egress
// decision. A missing or revoked principal sends nothing.
func (s *Service) principal(ctx context.Context, pc *PeerConfig) (*kizuna.Principal, error) {
	p, err := s.cfg.Principals.FindPrincipalByName(ctx, pc.Name)
	if err != nil {
		return nil, kizuna.WrapError(kizuna.ErrorCode(err), err, "peer %q: its principal: %s", pc.Name, kizuna.ErrorMessage(err))
	}
	if !p.HasRole(kizuna.RolePeer) || p.RevokedAt != nil {
		return nil, kizuna.Errorf(kizuna.EFORBIDDEN, "peer %q: its principal is revoked or lacks the peer role", pc.Name)
	}
	return p, nil
}

func (s *Service) audit(ctx context.Context, e *kizuna.AuditEvent) {
	if s.cfg.Audit == nil {
		return
	}
	if err := s.cfg.Audit.AppendAudit(ctx, e); err != nil {
		s.cfg.Logger.Error("audit append failed", "action", e.Action, "err", err)
	}
}
