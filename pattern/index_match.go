package pattern

import (
	"cmp"
	"encoding/binary"
	"net/netip"
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

// cand is a candidate leaf. sure says the index alone has proved that the
// leaf holds, so it needs no confirmation by the evaluator: an ISSUBSET
// leaf whose prefix contains a value, when every value of its path in the
// observation is an address or block (see exactSubset).
type cand struct {
	ref  leafRef
	sure bool
}

// matchScratch holds what matching one observation needs besides the
// index, reused from observation to observation.
type matchScratch struct {
	cands  []cand
	leaves []int32
	eq     []uint64     // hashes of the values equality keys are looked up by
	cidr   []cidrLookup // addresses ISSUBSET prefixes are looked up by
}

type cidrLookup struct {
	pathID int32
	p      netip.Prefix
}

// candidates fills sc.cands with the leaves whose guards the observation's
// values hit, sorted, each once. The values are gathered first and the
// equality and prefix lookups done together afterwards: each lookup may
// wait for memory, and lookups issued back to back wait together rather
// than one after another.
func (ix *Index) candidates(o *Observation, sc *matchScratch) []cand {
	out, eqs, cidrs := sc.cands[:0], sc.eq[:0], sc.cidr[:0]
	var kbuf [8]byte
	var vbuf [1]any
	// unsure: some ISSUBSET path met a value the evaluator would fail on,
	// where its answer depends on the order of the objects.
	unsure := false
	for i := range o.Objects {
		root := &o.Objects[i]
		for _, pid := range ix.byType[root.Type] {
			ip := ix.paths[pid]
			if ip.nEq+ip.nTri[3]+ip.nTri[6]+ip.nCIDR == 0 {
				continue
			}
			vals, err := selectValuesInto(o, root, ip.path.Steps, vbuf[:0])
			if err != nil {
				unsure = true
				continue
			}
			for _, v := range vals {
				if ip.nEq > 0 {
					for _, alt := range [2]bool{false, true} {
						if k, ok := valueKey(v, alt); ok {
							eqs = append(eqs, k.hash(pid))
						}
					}
				}
				if ip.nTri[3]+ip.nTri[6] > 0 {
					// head holds the path id; the gram follows it.
					head := binary.BigEndian.AppendUint32(kbuf[:0], uint32(pid))
					texts, nt := trigramTexts(v)
					for _, s := range texts[:nt] {
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
							cidrs = append(cidrs, cidrLookup{pid, p})
						} else {
							unsure = true
						}
					}
				}
			}
		}
	}
	for _, h := range eqs {
		out = ix.eq.lookup(h, out)
	}
	for _, c := range cidrs {
		out = ix.cidr[c.pathID].containing(c.p, out)
	}
	sc.cands, sc.eq, sc.cidr = out, eqs, cidrs
	if len(out) < 2 {
		if unsure && len(out) == 1 {
			out[0].sure = false
		}
		return out
	}
	slices.SortFunc(out, func(a, b cand) int { return compareRefs(a.ref, b.ref) })
	w := 0
	for _, c := range out {
		if unsure {
			c.sure = false
		}
		if w > 0 && out[w-1].ref == c.ref {
			out[w-1].sure = out[w-1].sure || c.sure
			continue
		}
		out[w] = c
		w++
	}
	return out[:w]
}

// trigramTexts returns the texts LIKE and MATCHES see for a value: none,
// one or two.
func trigramTexts(v any) (t [2]string, n int) {
	switch x := v.(type) {
	case string:
		t[0], n = normalizeNFC(x), 1
	case []byte:
		t[0], n = fromLatin1(x), 1
		if utf8.Valid(x) {
			t[1], n = normalizeNFC(string(x)), 2
		}
	}
	return t, n
}

// evalEntry decides one indexed pattern given, for its guarded leaves, the
// observations that satisfy them; unguarded leaves are evaluated here.
// Evaluation errors count as no match.
func (ix *Index) evalEntry(slot int32, obs []*Observation, hits func(leaf int) []int32) bool {
	e := ix.entries[slot]
	p := ix.parsed(slot)
	if p == nil || p.evalErr != nil {
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
	p := ix.parsed(r.slot)
	if p == nil {
		return false
	}
	ok, err := leafMatches(o, p.Leaves[r.leaf], p.Version == V20)
	return err == nil && ok
}

var single = []int32{0}

var scratchPool = sync.Pool{New: func() any { return new(matchScratch) }}

// MatchObservation returns the ids of the indexed patterns that the
// observation matches on its own, sorted.
func (ix *Index) MatchObservation(o *Observation) []string {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	sc := scratchPool.Get().(*matchScratch)
	defer scratchPool.Put(sc)
	cands := ix.candidates(o, sc)
	var ids []string
	var obs []*Observation
	var done map[int32]bool
	for i := 0; i < len(cands); {
		slot := cands[i].ref.slot
		j := i + 1
		for j < len(cands) && cands[j].ref.slot == slot {
			j++
		}
		group := cands[i:j]
		i = j
		info := &ix.slots[slot]
		if info.flags&slotSingle != 0 {
			// The pattern is its one leaf: no binding to search.
			for _, c := range group {
				if c.sure || ix.confirm(o, c.ref) {
					ids = append(ids, info.id)
					break
				}
			}
			continue
		}
		hitLeaves := sc.leaves[:0]
		for _, c := range group {
			if c.sure || ix.confirm(o, c.ref) {
				hitLeaves = append(hitLeaves, c.ref.leaf)
			}
		}
		sc.leaves = hitLeaves
		always := info.flags&slotAlways != 0
		if always {
			if done == nil {
				done = map[int32]bool{}
			}
			done[slot] = true
		}
		if len(hitLeaves) == 0 && !always {
			continue
		}
		if obs == nil {
			obs = []*Observation{o}
		}
		hits := func(leaf int) []int32 {
			if slices.Contains(hitLeaves, int32(leaf)) {
				return single
			}
			return nil
		}
		if ix.evalEntry(slot, obs, hits) {
			ids = append(ids, info.id)
		}
	}
	for slot := range ix.always {
		if done[slot] {
			continue
		}
		if obs == nil {
			obs = []*Observation{o}
		}
		if ix.evalEntry(slot, obs, func(int) []int32 { return nil }) {
			ids = append(ids, ix.slots[slot].id)
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
			var sc matchScratch
			for oi := lo; oi < hi; oi++ {
				for _, c := range ix.candidates(obs[oi], &sc) {
					if c.sure || ix.confirm(obs[oi], c.ref) {
						hits[c.ref] = append(hits[c.ref], int32(oi))
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
		if ix.evalEntry(slot, obs, func(leaf int) []int32 { return hits[leafRef{slot, int32(leaf)}] }) {
			ids = append(ids, ix.slots[slot].id)
		}
	}
	slices.Sort(ids)
	return ids
}
