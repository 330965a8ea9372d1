// Package match keeps a live index of every indicator's pattern and answers
// which indicators match a principal's observations, among those the
// principal may read. The index follows the store: new versions, revocations
// and expiry (valid_until) change the answers as soon as they are stored.
package match

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/pattern"
	"github.com/kizuna-dev/kizuna/policy"
)

// Store is what the matcher reads to build its index: the raw store, read
// unrestricted, because the index serves every principal; what a principal
// gets is filtered by the guard. The matcher also records in its audit log
// the hits it withholds.
type Store interface {
	kizuna.ObjectStore
	kizuna.CollectionStore
	kizuna.AuditStore
}

// Deriver marks the sightings the matcher records at least as restrictively
// as what they reveal (*policy.Policy).
type Deriver interface {
	Derive(ctx context.Context, sources []policy.DerivedSource) (*policy.Derivation, error)
	CheckDerived(ctx context.Context, obj *kizuna.Object, c *kizuna.Collection, d *policy.Derivation) (*kizuna.AccessLabel, error)
}

// Guarded is the store as a principal sees it (*policy.Guard): reads
// through the access decision, and the principal's scope, so that index
// hits the principal may not read are dropped before anything is read.
type Guarded interface {
	kizuna.ObjectStore
	Scope(ctx context.Context) (kizuna.AccessScope, error)
}

// Service implements kizuna.Matcher.
type Service struct {
	store    Store
	guarded  Guarded
	ingester kizuna.Ingester
	deriver  Deriver
	logger   *slog.Logger

	mu      sync.RWMutex
	ix      *pattern.Index
	entries map[string]entry // by index key

	pendingMu sync.Mutex
	pending   []*kizuna.Object
	wake      chan struct{}

	// audits queues the audit records of withheld hits for Run to write,
	// so that a request takes as long whether or not it hit something
	// hidden.
	audits chan *kizuna.AuditEvent
}

var _ kizuna.Matcher = (*Service)(nil)

// entry is what the matcher knows of one indexed indicator version, beside
// its key. It holds no pointer: a node indexing a million indicators holds
// a million entries, and each garbage collection would otherwise read every
// pointer of theirs.
type entry struct {
	version    int64 // Unix microseconds, as the stores keep times
	validUntil int64 // Unix microseconds; 0: no expiry
	labelID    int64
	collLen    int32 // the key is the collection, a space and the id
}

// collection and id split the entry's key.
func (e entry) collection(k string) string { return k[:e.collLen] }
func (e entry) id(k string) string         { return k[e.collLen+1:] }

// key is the index key of an indicator in a collection: the same indicator
// may be held in several collections, under different rules.
func key(collection, id string) string { return collection + " " + id }

// New returns a matcher. Call Load, then Run in a goroutine, and feed it the
// ingest events with Notify.
func New(store Store, guarded Guarded, ingester kizuna.Ingester, deriver Deriver, logger *slog.Logger) *Service {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Service{
		store: store, guarded: guarded, ingester: ingester, deriver: deriver, logger: logger,
		ix: pattern.NewIndex(), entries: map[string]entry{}, wake: make(chan struct{}, 1),
		audits: make(chan *kizuna.AuditEvent, auditQueue),
	}
}

// Len reports how many indicator versions are indexed.
func (s *Service) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.entries)
}

// Load indexes the latest version of every indicator in every collection.
func (s *Service) Load(ctx context.Context) error {
	cols, err := s.store.FindCollections(ctx)
	if err != nil {
		return err
	}
	for _, c := range cols {
		filter := kizuna.ObjectFilter{
			Collection: c.ID, Types: []string{"indicator"}, Versions: kizuna.VersionMatch{Last: true},
			Access: kizuna.AccessScope{Unrestricted: true}, IncludeRaw: true, Limit: 1000,
		}
		for {
			page, err := s.store.FindObjects(ctx, filter)
			if err != nil {
				return fmt.Errorf("match: loading collection %s: %w", c.ID, err)
			}
			s.apply(c.ID, page.Objects)
			if !page.More {
				break
			}
			filter.Next = page.Next
		}
	}
	return nil
}

// Notify queues newly stored versions for the index. It never blocks, so it
// can be an ingest subscriber.
func (s *Service) Notify(objs []*kizuna.Object) {
	var ind []*kizuna.Object
	for _, o := range objs {
		if o.Type == "indicator" {
			ind = append(ind, o)
		}
	}
	if len(ind) == 0 {
		return
	}
	s.pendingMu.Lock()
	s.pending = append(s.pending, ind...)
	s.pendingMu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run applies queued versions and writes queued audit records until ctx
// ends; the audit records queued by then are written before it returns.
func (s *Service) Run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			s.writeAudits(context.WithoutCancel(ctx), nil)
			return
		case <-s.wake:
			s.drain()
		case ev := <-s.audits:
			s.writeAudits(ctx, ev)
		}
	}
}

// drain applies every queued version now.
func (s *Service) drain() {
	s.pendingMu.Lock()
	objs := s.pending
	s.pending = nil
	s.pendingMu.Unlock()
	byCollection := map[string][]*kizuna.Object{}
	for _, o := range objs {
		byCollection[o.Collection] = append(byCollection[o.Collection], o)
	}
	for c, os := range byCollection {
		s.apply(c, os)
	}
}

// indicatorFields are the properties of an indicator the index needs.
type indicatorFields struct {
	Pattern     string `json:"pattern"`
	PatternType string `json:"pattern_type"`
	SpecVersion string `json:"spec_version"`
	ValidUntil  string `json:"valid_until"`
}

// apply indexes the newest of each indicator's versions, replacing older
// ones; a revoked latest version, one whose pattern is not STIX, or one
// that is exercise data, leaves the index.
func (s *Service) apply(collection string, objs []*kizuna.Object) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range objs {
		k := key(collection, o.ID)
		if cur, ok := s.entries[k]; ok && o.Version.UnixMicro() <= cur.version {
			continue // an older or the same version arrived late
		}
		var f indicatorFields
		// Exercise data is never a real result: its indicators stay out of
		// the index, for participants too (docs/exercises.md, rule 2).
		if err := json.Unmarshal(o.Raw, &f); err != nil || o.Revoked || f.PatternType != "stix" || len(kizuna.ExercisesOfObject(o)) > 0 {
			s.remove(k)
			continue
		}
		v := pattern.V21
		if f.SpecVersion == "2.0" {
			v = pattern.V20
		}
		p, err := pattern.ParseVersion(f.Pattern, v)
		if err != nil {
			// Validation accepted it, so this is a pattern the engine cannot
			// evaluate; it matches nothing rather than failing every match.
			s.logger.Warn("indicator pattern not indexed", "indicator", o.ID, "err", err)
			s.remove(k)
			continue
		}
		e := entry{version: o.Version.UnixMicro(), labelID: o.LabelID, collLen: int32(len(collection))}
		if f.ValidUntil != "" {
			if t, err := time.Parse(time.RFC3339Nano, f.ValidUntil); err == nil {
				e.validUntil = max(t.UnixMicro(), 1)
			}
		}
		s.ix.Remove(k)
		s.ix.Add(k, p)
		s.entries[k] = e
	}
}

func (s *Service) remove(k string) {
	if _, ok := s.entries[k]; ok {
		s.ix.Remove(k)
		delete(s.entries, k)
	}
}

// hit is one index match before the access check.
type hit struct {
	key          string
	entry        entry
	observedData string
	value        string
	first, last  time.Time
	// sources are the submitted objects the hit reveals when a sighting
	// records it: its observed-data and the SCOs that one references.
	sources []*kizuna.Object
}

// candidates matches every observation against the index and keeps the
// indicators that have not expired and whose label is in the principal's
// scope (the guard still decides on each one it returns). It adds the
// entries outside the scope to withheld.
func (s *Service) candidates(obs []*pattern.Observation, values []string, now time.Time, scope map[int64]bool, withheld map[string]entry) []hit {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var hits []hit
	for i, o := range obs {
		for _, k := range s.ix.MatchObservation(o) {
			e, ok := s.entries[k]
			if !ok || (e.validUntil != 0 && now.UnixMicro() >= e.validUntil) {
				continue
			}
			if scope != nil && !scope[e.labelID] {
				withheld[k] = e
				continue
			}
			h := hit{key: k, entry: e, first: o.First, last: o.Last}
			if values != nil {
				h.value = values[i]
			} else {
				h.observedData = o.ID
			}
			hits = append(hits, h)
		}
	}
	return hits
}

// sortMatches orders matches for stable output.
func sortMatches(ms []kizuna.Match) {
	slices.SortFunc(ms, func(a, b kizuna.Match) int {
		if a.Indicator != b.Indicator {
			if a.Indicator < b.Indicator {
				return -1
			}
			return 1
		}
		if a.ObservedData+a.Value < b.ObservedData+b.Value {
			return -1
		}
		return 1
	})
}
