package pattern

import "sync"

// treeCache bounds how many indexed patterns keep their parsed trees.
//
// A parsed tree is a few hundred bytes in a dozen small objects, nearly all
// pointers. A node indexing a million indicators would hold ten million such
// objects, and every garbage collection of the process would walk them: on a
// two-core machine a collection then takes most of a second of one core every
// few seconds, and whatever else the process does in that time (a TAXII
// page, a match) runs two to three times slower. The index itself finds
// candidates through hashes, prefixes and grams, which need no tree; a tree
// is needed only to confirm a candidate or to bind the leaves of a larger
// pattern. So an entry keeps its pattern's text, and only the most recently
// added or used trees are kept; another is parsed again from its text when
// it is needed. Patterns evaluated on every observation, those with a LIKE
// or MATCHES test and those longer than keepTreeText (slotKeepTree) always
// keep theirs: parsing one of the second compiles its expression, and a
// value can make candidates of many of them at once, and parsing one of the
// third costs far more than its match, so parsing them again would let a
// request cost the node far more than it did.
type treeCache struct {
	mu   sync.Mutex
	ring []int32 // slots whose trees are kept; the oldest at next once full
	next int
}

// keepTreeText is the length of the longest pattern text whose tree may be
// dropped. A parse costs with its text (some 10 µs for 450 bytes of OR-ed
// comparisons, 1.2 ms for 87 KB, against 7 µs to match the latter with its
// tree): a publisher's long patterns parsed again on every request whose
// values hit them would cost the node far more than matching them does.
// Below this length a parse is some 20 µs at most; typical indicators are
// far shorter, so the longer ones are few and keep their trees.
const keepTreeText = 1024

// treeCacheSize is how many trees an index keeps besides those of its
// slotKeepTree patterns: about 6 MB of trees of typical indicators.
const treeCacheSize = 1 << 14

// add records that slot's tree is kept, dropping the oldest kept tree when
// the cache is full. The caller holds ix.mu, for reading or writing.
func (c *treeCache) add(ix *Index, slot int32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.ring) < treeCacheSize {
		c.ring = append(c.ring, slot)
		return
	}
	old := c.ring[c.next]
	c.ring[c.next] = slot
	c.next = (c.next + 1) % len(c.ring)
	// The slot may have been freed or reused since; a tree dropped that
	// is needed again is only parsed again.
	if old != slot && ix.slots[old].flags&slotKeepTree == 0 {
		if e := ix.entries[old]; e != nil {
			e.p.Store(nil)
		}
	}
}

// parsed returns the tree of the pattern in slot, parsing its text again
// when the tree is not kept. It returns nil only if the text no longer
// parses, which cannot happen to a text that parsed when it was added.
// The caller holds ix.mu, for reading or writing.
func (ix *Index) parsed(slot int32) *Pattern {
	e := ix.entries[slot]
	if p := e.p.Load(); p != nil {
		return p
	}
	p, err := ParseVersion(e.text, e.version)
	if err != nil {
		return nil
	}
	e.p.Store(p)
	ix.trees.add(ix, slot)
	return p
}
