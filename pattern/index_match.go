package pattern

import (
	"cmp"
	"encoding/binary"
	"hash/maphash"
	"runtime"
	"slices"
	"sync"
	"unicode/utf8"
)

func compareRefs(a, b leafRef) int {
	if c := cmp.Compare(a.slot, b.slot); c != 0 {
		return c
	}
	return cmp.Compare(a.leaf, b.leaf)
}

// candidates appends the leaves whose guards the observation's values hit.
func (ix *Index) candidates(o *Observation, out []leafRef) []leafRef {
	var kbuf [256]byte
	var vbuf [1]any
	for i := range o.Objects {
		root := &o.Objects[i]
		for _, pid := range ix.byType[root.Type] {
			ip := ix.paths[pid]
			if ip.nEq+ip.nTri[3]+ip.nTri[6]+ip.nCIDR == 0 {
				continue
			}
			vals, err := selectValuesInto(o, root, ip.path.Steps, vbuf[:0])
			if err != nil {
				continue
			}
			head := binary.BigEndian.AppendUint32(kbuf[:0], uint32(pid))
			for _, v := range vals {
				if ip.nEq > 0 {
					// head holds the path id; the value key follows it.
					for _, alt := range [2]bool{false, true} {
						if k, ok := valueKey(v, head, alt); ok {
							out = ix.eqLookup(maphash.Bytes(eqSeed, k), out)
						}
					}
				}
				if ip.nTri[3]+ip.nTri[6] > 0 {
					for _, s := range trigramTexts(v) {
						for _, n := range [2]int{3, 6} {
							if ip.nTri[n] > 0 {
								out = ix.triCandidates(pid, head, s, n, out)
							}
						}
					}
				}
				if ip.nCIDR > 0 {
					if s, ok := v.(string); ok {
						if p, err := parseAddrOrPrefix(s, false); err == nil {
							ix.cidr[pid].containing(p, func(r leafRef) { out = append(out, r) })
						}
					}
				}
			}
		}
	}
	slices.SortFunc(out, compareRefs)
	return slices.Compact(out)
}

// trigramTexts returns the texts LIKE and MATCHES see for a value.
func trigramTexts(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{normalizeNFC(x)}
	case []byte:
		t := []string{fromLatin1(x)}
		if utf8.Valid(x) {
			t = append(t, normalizeNFC(string(x)))
		}
		return t
	}
	return nil
}

// evalEntry decides one indexed pattern given, for its guarded leaves, the
// observations that satisfy them; unguarded leaves are evaluated here.
// Evaluation errors count as no match.
func (ix *Index) evalEntry(e *entry, obs []*Observation, hits func(leaf int) []int32) bool {
	p := e.p
	if p.evalErr != nil {
		return false
	}
	if s, ok := p.Root.(*ObservationSimple); ok && e.guarded.has(s.Leaf) {
		return len(hits(s.Leaf)) > 0
	}
	leaves := make([][]int32, len(p.Leaves))
	v20 := p.Version == V20
	for li, leaf := range p.Leaves {
		if e.guarded.has(li) {
			leaves[li] = hits(li)
			continue
		}
		for oi, o := range obs {
			if ok, err := leafMatches(o, leaf, v20); err == nil && ok {
				leaves[li] = append(leaves[li], int32(oi))
			}
		}
	}
	r, err := p.bind(obs, leaves)
	return err == nil && r.Matched
}

// confirm evaluates one candidate leaf on one observation.
func (ix *Index) confirm(o *Observation, r leafRef) bool {
	e := ix.entries[r.slot]
	ok, err := leafMatches(o, e.p.Leaves[r.leaf], e.p.Version == V20)
	return err == nil && ok
}

var single = []int32{0}

// MatchObservation returns the ids of the indexed patterns that the
// observation matches on its own, sorted.
func (ix *Index) MatchObservation(o *Observation) []string {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	refs := ix.candidates(o, nil)
	obs := []*Observation{o}
	var ids []string
	var done map[int32]bool
	for i := 0; i < len(refs); {
		slot := refs[i].slot
		var hitLeaves []int32
		for ; i < len(refs) && refs[i].slot == slot; i++ {
			if ix.confirm(o, refs[i]) {
				hitLeaves = append(hitLeaves, refs[i].leaf)
			}
		}
		if ix.always[slot] {
			if done == nil {
				done = map[int32]bool{}
			}
			done[slot] = true
		}
		if len(hitLeaves) == 0 && !ix.always[slot] {
			continue
		}
		e := ix.entries[slot]
		hits := func(leaf int) []int32 {
			if slices.Contains(hitLeaves, int32(leaf)) {
				return single
			}
			return nil
		}
		if ix.evalEntry(e, obs, hits) {
			ids = append(ids, e.id)
		}
	}
	for slot := range ix.always {
		if done[slot] {
			continue
		}
		e := ix.entries[slot]
		if ix.evalEntry(e, obs, func(int) []int32 { return nil }) {
			ids = append(ids, e.id)
		}
	}
	slices.Sort(ids)
	return ids
}

// MatchSet returns the ids of the indexed patterns that match the
// observations taken together (observation expressions joined by AND or
// FOLLOWEDBY, or qualified by REPEATS, may bind different observations),
// sorted.
func (ix *Index) MatchSet(obs []*Observation) []string {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	// Finding and confirming candidates is independent per observation, so
	// the observations are split between the available cores.
	workers := min(runtime.GOMAXPROCS(0), len(obs)/512+1)
	parts := make([]map[leafRef][]int32, workers)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := len(obs)*w/workers, len(obs)*(w+1)/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			hits := map[leafRef][]int32{}
			var refs []leafRef
			for oi := lo; oi < hi; oi++ {
				refs = ix.candidates(obs[oi], refs[:0])
				for _, r := range refs {
					if ix.confirm(obs[oi], r) {
						hits[r] = append(hits[r], int32(oi))
					}
				}
			}
			parts[w] = hits
		}()
	}
	wg.Wait()
	hits := parts[0]
	for _, p := range parts[1:] {
		for r, l := range p {
			hits[r] = append(hits[r], l...)
		}
	}
	slots := map[int32]bool{}
	for r := range hits {
		slots[r.slot] = true
	}
	for s := range ix.always {
		slots[s] = true
	}
	var ids []string
	for slot := range slots {
		e := ix.entries[slot]
		if ix.evalEntry(e, obs, func(leaf int) []int32 { return hits[leafRef{slot, int32(leaf)}] }) {
			ids = append(ids, e.id)
		}
	}
	slices.Sort(ids)
	return ids
}
