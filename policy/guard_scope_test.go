package policy_test

import (
	"context"
	"slices"
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/policy"
	"github.com/kizuna-dev/kizuna/policy/policytest"
)

// racingStore runs race, once, when the guard reads a page within a scope:
// after the guard took the scope, before the store's query.
type racingStore struct {
	*policytest.MemStore
	race func()
}

func (s *racingStore) FindObjects(ctx context.Context, f kizuna.ObjectFilter) (*kizuna.ObjectPage, error) {
	if r := s.race; r != nil && !f.Access.Unrestricted {
		s.race = nil
		r()
	}
	return s.MemStore.FindObjects(ctx, f)
}

// TestGuardPageMissesNoVersionOfANewLabel: a version stored under a label
// new to the guard while a page is read, followed by a version under a
// known label, is in the page when the reader may read it; otherwise a
// client following added_after would move past it for good.
func TestGuardPageMissesNoVersionOfANewLabel(t *testing.T) {
	w := newWorld(t)
	st := &racingStore{MemStore: w.store}
	g := policy.NewGuard(w.p, st)
	cleared := reader("cleared", orgJP, "JPN", nil, "JPN:gokuhi")
	first := w.put(w.indicator(orgUS, []string{policy.TLP2Green}))
	// The guard learns the labels stored so far.
	if _, err := g.FindObjects(as(cleared), kizuna.ObjectFilter{Collection: w.c.ID}); err != nil {
		t.Fatal(err)
	}
	var raced, later *kizuna.Object
	st.race = func() {
		secret := w.marking(map[string]any{"scheme": "USA", "level": "SECRET", "releasable_to": []string{"USA", "JPN", "AUS"}})
		raced = w.put(w.indicator(orgUS, []string{secret})) // the first version under its label
		later = w.put(w.indicator(orgUS, []string{policy.TLP2Green}))
	}
	page, err := g.FindObjects(as(cleared), kizuna.ObjectFilter{Collection: w.c.ID, Types: []string{"indicator"}})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, o := range page.Objects {
		ids = append(ids, o.ID)
	}
	if !slices.Equal(ids, []string{first.ID, raced.ID, later.ID}) {
		t.Errorf("page %v, want the version under the new label %s and the later %s", ids, raced.ID, later.ID)
	}
}
