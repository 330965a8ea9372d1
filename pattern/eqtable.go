package pattern

// eqTable files the leaves of equality guards by a 64-bit hash of (object
// path, value). It is an open-addressing table with linear probing over
// 16-byte slots, so that a lookup costs one probe into contiguous memory
// rather than the several pointer hops of a map of slices; a blocked Bloom
// filter (a few bits per slot, small enough to stay in cache) sits in front
// of it, so that most values no indicator mentions are rejected without
// touching the table at all. A hash collision only adds a candidate, which
// the evaluator then rejects.
//
// Hash 0 marks an empty slot, so hashes of 0 are filed as 1. A hash several
// leaves share keeps its leaves in more, its slot's ref.leaf being -1.
type eqTable struct {
	slots  []eqSlot
	used   int
	more   map[uint64][]leafRef
	filter []uint64
	stale  int // removals since the filter was last rebuilt
}

type eqSlot struct {
	h   uint64
	ref leafRef
}

const eqMinSlots = 1 << 10

func newEqTable() eqTable {
	t := eqTable{more: map[uint64][]leafRef{}}
	t.resize(eqMinSlots)
	return t
}

func eqFix(h uint64) uint64 {
	if h == 0 {
		return 1
	}
	return h
}

// filterWord and filterBits place a hash in the filter: one 64-bit word,
// three bits in it, taken from hash bits the slot position does not use
// (positions use the low bits, up to 2^26 slots).
func (t *eqTable) filterWord(h uint64) int {
	return int(h>>44) & (len(t.filter) - 1)
}

func filterBits(h uint64) uint64 {
	return 1<<(h>>26&63) | 1<<(h>>32&63) | 1<<(h>>38&63)
}

// resize rehashes into n slots (a power of two) and rebuilds the filter:
// four filter bits per slot, so eight to sixteen per key.
func (t *eqTable) resize(n int) {
	old := t.slots
	t.slots = make([]eqSlot, n)
	t.filter = make([]uint64, max(n/16, 1))
	t.stale = 0
	mask := uint64(n - 1)
	for _, s := range old {
		if s.h == 0 {
			continue
		}
		i := s.h & mask
		for t.slots[i].h != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = s
		t.filter[t.filterWord(s.h)] |= filterBits(s.h)
	}
}

// find returns the position of h, or -1.
func (t *eqTable) find(h uint64) int {
	mask := uint64(len(t.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		switch t.slots[i].h {
		case h:
			return int(i)
		case 0:
			return -1
		}
	}
}

func (t *eqTable) add(h uint64, r leafRef) {
	h = eqFix(h)
	if i := t.find(h); i >= 0 {
		s := &t.slots[i]
		if s.ref.leaf >= 0 {
			t.more[h] = []leafRef{s.ref, r}
			s.ref = leafRef{-1, -1}
		} else {
			t.more[h] = append(t.more[h], r)
		}
		return
	}
	if (t.used+1)*2 > len(t.slots) {
		t.resize(len(t.slots) * 2)
	}
	mask := uint64(len(t.slots) - 1)
	i := h & mask
	for t.slots[i].h != 0 {
		i = (i + 1) & mask
	}
	t.slots[i] = eqSlot{h, r}
	t.used++
	t.filter[t.filterWord(h)] |= filterBits(h)
}

func (t *eqTable) del(h uint64, r leafRef) {
	h = eqFix(h)
	i := t.find(h)
	if i < 0 {
		return
	}
	s := &t.slots[i]
	if s.ref.leaf < 0 {
		more := dropRef(t.more[h], r)
		switch len(more) {
		case 0:
			delete(t.more, h)
		case 1:
			delete(t.more, h)
			s.ref = more[0]
			return
		default:
			t.more[h] = more
			return
		}
	} else if s.ref != r {
		return
	}
	t.deleteAt(i)
	// The filter keeps the removed hash's bits (it may pass too much, never
	// too little) until enough removals make a rebuild worth it.
	if t.stale++; t.stale > t.used/2+eqMinSlots {
		t.resize(len(t.slots))
	}
}

// deleteAt empties position i and shifts back the entries after it that
// would no longer be reachable from their home position.
func (t *eqTable) deleteAt(i int) {
	mask := len(t.slots) - 1
	t.used--
	for {
		t.slots[i] = eqSlot{}
		j := i
		for {
			j = (j + 1) & mask
			if t.slots[j].h == 0 {
				return
			}
			home := int(t.slots[j].h) & mask
			// Move j back to i unless its home lies cyclically in (i, j].
			if (j > i && (home <= i || home > j)) || (j < i && home <= i && home > j) {
				break
			}
		}
		t.slots[i] = t.slots[j]
		i = j
	}
}

// lookup appends the leaves filed under h.
func (t *eqTable) lookup(h uint64, out []cand) []cand {
	h = eqFix(h)
	if b := filterBits(h); t.filter[t.filterWord(h)]&b != b {
		return out
	}
	if i := t.find(h); i >= 0 {
		if r := t.slots[i].ref; r.leaf >= 0 {
			return append(out, cand{ref: r})
		}
		for _, r := range t.more[h] {
			out = append(out, cand{ref: r})
		}
	}
	return out
}
