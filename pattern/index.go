package pattern

import (
	"encoding/binary"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
)

// Index answers which of many indicators' patterns match an observation, or
// a set of observations, without evaluating every pattern. Equality tests
// are found through a hash table keyed by (object path, value), ISSUBSET
// tests through prefix buckets and a trie, LIKE and MATCHES tests through a
// gram their matches must contain; the remaining patterns are evaluated in
// full. A candidate found through the index is confirmed by the evaluator
// unless the index alone decides it exactly (an ISSUBSET test on clean
// addresses), so the index never changes an answer, only the cost of
// reaching it.
//
// An Index is safe for concurrent use: any number of readers may match while
// one writer adds or removes patterns.
type Index struct {
	mu      sync.RWMutex
	entries []*entry   // by slot; nil when free
	slots   []slotInfo // by slot: what matching needs first, kept apart from entries so that it stays compact
	free    []int32
	byID    map[string]int32
	paths   []*indexedPath
	pathIDs map[string]int32
	byType  map[string][]int32 // object type -> ids of its indexed paths
	// eq files equality keys by a 64-bit hash of path id and value.
	eq        eqTable
	tri       map[string][]triPosting // path id + trigram
	triFilter []uint8                 // counts of trigram keys by hash
	triBits   []uint64                // triFilter > 0, as bits
	triDF     map[string]int          // path id + trigram: literals containing it
	triDF3    map[string]int          // path id + 3-byte gram: six-byte literals containing it
	cidr      map[int32]*prefixTrie
	always    map[int32]bool // slots whose patterns have no guard
	trees     treeCache
}

// leafRef names one bracketed expression of one indexed pattern.
type leafRef struct {
	slot int32
	leaf int32
}

// slotInfo holds the id of an indexed pattern and how to decide it.
type slotInfo struct {
	id    string
	flags uint8
}

const (
	// slotSingle: the pattern is one guarded bracketed expression, without
	// qualifiers or evaluation error, so it matches exactly where that
	// leaf holds.
	slotSingle uint8 = 1 << iota
	// slotAlways: not every binding needs a guarded leaf, so the pattern is
	// evaluated on every observation.
	slotAlways
	// slotKeepTree: the pattern's parsed tree is kept however many others
	// are (index_tree.go): it is evaluated on every observation, it has a
	// LIKE or MATCHES test, whose parse compiles an expression and whose
	// candidates, found through grams, are many, or its text is longer
	// than keepTreeText.
	slotKeepTree
)

type entry struct {
	// text and version are the pattern's source, parsed again when the
	// pattern must be evaluated and its tree is not cached (see parsed).
	text    string
	version Version
	p       atomic.Pointer[Pattern] // the parsed tree, when cached
	guarded leafSet                 // leaves found through the index
	atoms   []placedAtom
	one     [1]placedAtom // the storage of atoms when there is one, as there mostly is
}

// placedAtom is an atom as filed: its path replaced by the path's id.
// Equality atoms, by far the most common, keep only a hash.
// (Fields ordered so that it takes 32 bytes.)
type placedAtom struct {
	hash   uint64     // atomEq: hash of path id and value
	x      *atomExtra // atomTri and atomCIDR
	ref    leafRef
	pathID int32
	kind   atomKind
	exact  bool // atomCIDR: the leaf is this one test (see exactSubset)
}

type atomExtra struct {
	key    string // atomTri: the literal
	tri    string // atomTri: the trigram of the literal it is filed under
	prefix netip.Prefix
}

// indexedPath is an object path some guard uses; counts tell which lookups
// are worth doing for it.
type indexedPath struct {
	path       ObjectPath
	nEq, nCIDR int
	nTri       [7]int // by gram length (3 or 6)
}

// NewIndex returns an empty index.
func NewIndex() *Index {
	return &Index{
		byID: map[string]int32{}, pathIDs: map[string]int32{}, byType: map[string][]int32{},
		eq: newEqTable(), tri: map[string][]triPosting{}, triFilter: make([]uint8, 1<<triFilterBits), triBits: make([]uint64, 1<<triFilterBits/64), triDF: map[string]int{}, triDF3: map[string]int{},
		cidr: map[int32]*prefixTrie{}, always: map[int32]bool{},
	}
}

// Len returns the number of indexed patterns.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return len(ix.byID)
}

func (ix *Index) pathID(p ObjectPath) int32 {
	k := p.String()
	if id, ok := ix.pathIDs[k]; ok {
		return id
	}
	id := int32(len(ix.paths))
	ix.paths = append(ix.paths, &indexedPath{path: p})
	ix.pathIDs[k] = id
	ix.byType[p.Type] = append(ix.byType[p.Type], id)
	return id
}

func mapKey(pathID int32, key string) string {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], uint32(pathID))
	return string(b[:]) + key
}

// Add indexes a pattern under id, replacing any pattern already under id.
func (ix *Index) Add(id string, p *Pattern) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.remove(id)
	var slot int32
	if n := len(ix.free); n > 0 {
		slot, ix.free = ix.free[n-1], ix.free[:n-1]
	} else {
		slot = int32(len(ix.entries))
		ix.entries = append(ix.entries, nil)
		ix.slots = append(ix.slots, slotInfo{})
	}
	e := &entry{text: p.text, version: p.Version}
	e.atoms = e.one[:0]
	for li, leaf := range p.Leaves {
		atoms, ok := guardOf(leaf.Expr)
		if !ok {
			continue
		}
		e.guarded.add(li)
		exact := exactSubset(leaf.Expr)
		for _, a := range atoms {
			pa := placedAtom{kind: a.kind, pathID: ix.pathID(a.path), ref: leafRef{slot, int32(li)}, exact: exact}
			if a.kind == atomEq {
				pa.hash = a.eq.hash(pa.pathID)
			} else {
				pa.x = &atomExtra{key: a.key, prefix: a.prefix}
			}
			e.atoms = append(e.atoms, pa)
		}
	}
	info := slotInfo{id: id}
	if !patternGuarded(p.Root, e.guarded) {
		ix.always[slot] = true
		info.flags |= slotAlways
	}
	if s, ok := p.Root.(*ObservationSimple); ok && len(p.Leaves) == 1 && e.guarded.has(s.Leaf) && p.evalErr == nil {
		info.flags |= slotSingle
	}
	for i := range e.atoms {
		a := &e.atoms[i]
		ip := ix.paths[a.pathID]
		switch a.kind {
		case atomEq:
			ix.eq.add(a.hash, a.ref)
			ip.nEq++
		case atomTri:
			ix.countLiteral(a.pathID, a.x.key, 1)
			a.x.tri = ix.rarestTrigram(a.pathID, a.x.key, "")
			ix.triAdd(a.pathID, a.x.tri, triPosting{ref: a.ref, lit: a.x.key})
			ip.nTri[gramLen(a.x.key)]++
		case atomCIDR:
			t := ix.cidr[a.pathID]
			if t == nil {
				t = &prefixTrie{}
				ix.cidr[a.pathID] = t
			}
			t.insert(a.x.prefix, a.ref, a.exact)
			ip.nCIDR++
		}
	}
	if info.flags&slotAlways != 0 || len(p.text) > keepTreeText || slices.ContainsFunc(e.atoms, func(a placedAtom) bool { return a.kind == atomTri }) {
		info.flags |= slotKeepTree
	}
	e.p.Store(p)
	ix.entries[slot] = e
	ix.slots[slot] = info
	if info.flags&slotKeepTree == 0 {
		// The others keep their trees only while the cache holds them.
		ix.trees.add(ix, slot)
	}
	ix.byID[id] = slot
	for _, a := range e.atoms {
		if a.kind == atomTri {
			ix.rebalanceLiteral(a.pathID, a.x.key)
		}
	}
}

// exactSubset reports whether a bracketed expression is one ISSUBSET test
// that the prefix index decides by itself: where the observation's values
// at its path are all addresses or blocks, the test holds exactly when a
// value lies in the prefix. (Where one is not, the evaluator fails on it or
// not depending on the order of the objects, and the candidate is
// confirmed by the evaluator as any other.)
func exactSubset(e ComparisonExpr) bool {
	c, ok := e.(*Comparison)
	return ok && c.Op == OpIsSubset && !c.Negated && c.matcher.cidr != nil && c.matcher.cidr.err == nil && !sdoTypes[c.Path.Type]
}

// patternGuarded reports whether every binding of the expression binds at
// least one guarded leaf, so the pattern can only match where the index finds
// one of its leaves.
func patternGuarded(e ObservationExpr, guarded leafSet) bool {
	switch x := e.(type) {
	case *ObservationSimple:
		return guarded.has(x.Leaf)
	case *ObservationBinary:
		l, r := patternGuarded(x.Left, guarded), patternGuarded(x.Right, guarded)
		if x.Op == OpObsOr {
			return l && r
		}
		return l || r
	case *Qualified:
		return patternGuarded(x.Inner, guarded)
	}
	return false
}

// Remove drops the pattern indexed under id, if any.
func (ix *Index) Remove(id string) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.remove(id)
}

func dropRef(refs []leafRef, r leafRef) []leafRef {
	if i := slices.Index(refs, r); i >= 0 {
		return slices.Delete(refs, i, i+1)
	}
	return refs
}

func (ix *Index) remove(id string) {
	slot, ok := ix.byID[id]
	if !ok {
		return
	}
	e := ix.entries[slot]
	for _, a := range e.atoms {
		ip := ix.paths[a.pathID]
		switch a.kind {
		case atomEq:
			ix.eq.del(a.hash, a.ref)
			ip.nEq--
		case atomTri:
			ix.triDel(a.pathID, a.x.tri, a.ref)
			ix.countLiteral(a.pathID, a.x.key, -1)
			ip.nTri[gramLen(a.x.key)]--
		case atomCIDR:
			ix.cidr[a.pathID].remove(a.x.prefix, a.ref, a.exact)
			ip.nCIDR--
		}
	}
	delete(ix.always, slot)
	delete(ix.byID, id)
	ix.entries[slot] = nil
	ix.slots[slot] = slotInfo{}
	ix.free = append(ix.free, slot)
}

// leafSet is a set of leaf numbers; patterns rarely have more than 64.
type leafSet struct {
	lo   uint64
	more []uint64
}

func (s *leafSet) add(i int) {
	if i < 64 {
		s.lo |= 1 << uint(i)
		return
	}
	w := i/64 - 1
	for len(s.more) <= w {
		s.more = append(s.more, 0)
	}
	s.more[w] |= 1 << uint(i%64)
}

func (s leafSet) has(i int) bool {
	if i < 64 {
		return s.lo&(1<<uint(i)) != 0
	}
	w := i/64 - 1
	return w < len(s.more) && s.more[w]&(1<<uint(i%64)) != 0
}
