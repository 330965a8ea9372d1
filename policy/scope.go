package policy

import (
	"context"
	"encoding/json"
	"sync"

	"github.com/kizuna-dev/kizuna"
)

// scopeCache turns the decision into the label ids a store filters on. The
// store keeps each distinct label once and never changes a stored label,
// so the cache only ever appends: new labels are fetched with
// FindLabels(lastID) and judged once per principal.
type scopeCache struct {
	fetch sync.Mutex // serialises FindLabels calls

	mu      sync.Mutex
	labels  []*kizuna.StoredLabel
	byID    map[int64]*kizuna.AccessLabel
	lastID  int64
	entries map[string]*scopeEntry
}

type scopeEntry struct {
	judged int // labels[:judged] are decided
	ids    []int64
	// real is ids without the labels of exercise data: the scope of every
	// read but the exercise view (docs/exercises.md, rule 2).
	real []int64
}

// maxScopeEntries bounds the per-principal cache; past it the cache starts
// over, which costs one pass over the labels per principal.
const maxScopeEntries = 4096

func newScopeCache() *scopeCache {
	return &scopeCache{byID: map[int64]*kizuna.AccessLabel{}, entries: map[string]*scopeEntry{}}
}

// refresh fetches the labels stored since the last call.
func (s *scopeCache) refresh(ctx context.Context, store kizuna.LabelStore) error {
	s.fetch.Lock()
	defer s.fetch.Unlock()
	s.mu.Lock()
	after := s.lastID
	s.mu.Unlock()
	fresh, err := store.FindLabels(ctx, after)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range fresh {
		if l == nil || l.ID <= s.lastID {
			continue
		}
		label := l.Label
		s.labels = append(s.labels, &kizuna.StoredLabel{ID: l.ID, Label: label})
		s.byID[l.ID] = &label
		s.lastID = l.ID
	}
	return nil
}

// known returns the id of the last label the cache has learnt.
func (s *scopeCache) known() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastID
}

// label returns the stored label with the id, or nil.
func (s *scopeCache) label(id int64) *kizuna.AccessLabel {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.byID[id]
}

// scope returns the ids of the labels p allows pr to see: in the exercise
// view all of them, else those that do not mark exercise data.
func (s *scopeCache) scope(p *Policy, pr *kizuna.Principal, exerciseView bool) kizuna.AccessScope {
	key := principalKey(pr)
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.entries[key]
	if e == nil {
		if len(s.entries) >= maxScopeEntries {
			clear(s.entries)
		}
		e = &scopeEntry{}
		s.entries[key] = e
	}
	for ; e.judged < len(s.labels); e.judged++ {
		l := s.labels[e.judged]
		if p.Decide(pr, &l.Label).Allow {
			e.ids = append(e.ids, l.ID)
			if len(kizuna.ExercisesOfLabel(&l.Label)) == 0 {
				e.real = append(e.real, l.ID)
			}
		}
	}
	if exerciseView {
		return kizuna.AccessScope{LabelIDs: append([]int64{}, e.ids...)}
	}
	return kizuna.AccessScope{LabelIDs: append([]int64{}, e.real...)}
}

// principalKey identifies everything about a principal that the decision
// reads, so that a changed principal never gets a stale scope.
func principalKey(pr *kizuna.Principal) string {
	b, _ := json.Marshal(struct {
		ID, Name, Org, Nation string
		Clearances            []kizuna.Classification
		Communities           []string
		Revoked               bool
	}{pr.ID, pr.Name, pr.Organization, pr.Nation, pr.Clearances, pr.Communities, pr.RevokedAt != nil})
	return string(b)
}
