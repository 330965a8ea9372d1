package pattern

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestEqTableAgainstMap adds and removes leaves under few distinct hashes
// (so that slots are shared, probe runs collide and removals shift entries
// back) and compares every lookup with a plain map.
func TestEqTableAgainstMap(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	tab := newEqTable()
	want := map[uint64][]leafRef{}
	hashOf := func() uint64 {
		// Small hashes collide in the low bits the positions use.
		return uint64(r.IntN(5000)) << uint(r.IntN(3)*20)
	}
	for step := range 60_000 {
		h := hashOf()
		ref := leafRef{int32(r.IntN(50)), int32(r.IntN(3))}
		if r.IntN(3) == 0 {
			tab.del(h, ref)
			if i := slices.Index(want[eqFix(h)], ref); i >= 0 {
				want[eqFix(h)] = slices.Delete(want[eqFix(h)], i, i+1)
			}
		} else if !slices.Contains(want[eqFix(h)], ref) {
			tab.add(h, ref)
			want[eqFix(h)] = append(want[eqFix(h)], ref)
		}
		if step%5000 == 0 {
			for h, refs := range want {
				var got []leafRef
				for _, c := range tab.lookup(h, nil) {
					got = append(got, c.ref)
				}
				slices.SortFunc(got, compareRefs)
				exp := slices.SortedFunc(slices.Values(refs), compareRefs)
				if !slices.Equal(got, exp) {
					t.Fatalf("step %d hash %x: got %v, want %v", step, h, got, exp)
				}
			}
		}
	}
	used := 0
	for _, refs := range want {
		if len(refs) > 0 {
			used++
		}
	}
	if tab.used != used {
		t.Fatalf("%d slots used, want %d", tab.used, used)
	}
}
