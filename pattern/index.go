package pattern

import (
	"encoding/binary"
	"slices"
	"sync"
)

// Index answers which of many indicators' patterns match an observation, or
// a set of observations, without evaluating every pattern. Equality tests
// are found through hash maps keyed by (object path, value), ISSUBSET tests
// through a prefix trie, LIKE and MATCHES tests through a trigram their
// matches must contain; the remaining patterns are evaluated in full. A
// candidate found through the index is always confirmed by the evaluator, so
// the index never changes an answer, only the cost of reaching it.
//
// An Index is safe for concurrent use: any number of readers may match while
// one writer adds or removes patterns.
type Index struct {
	mu      sync.RWMutex
	entries []*entry // by slot; nil when free
	free    []int32
	byID    map[string]int32
	paths   []*indexedPath
	pathIDs map[string]int32
	byType  map[string][]int32   // object type -> ids of its indexed paths
	eq      map[string][]leafRef // path id + value key
	tri     map[string][]leafRef // path id + trigram
	cidr    map[int32]*prefixTrie
	always  map[int32]bool // slots whose patterns have no guard
}

// leafRef names one bracketed expression of one indexed pattern.
type leafRef struct {
	slot int32
	leaf int32
}

type entry struct {
	id      string
	p       *Pattern
	guarded []bool // per leaf: found through the index
	atoms   []placedAtom
}

type placedAtom struct {
	atom
	pathID int32
	ref    leafRef
	tri    string // atomTri: the trigram of the literal it is filed under
}

// indexedPath is an object path some guard uses; counts tell which lookups
// are worth doing for it.
type indexedPath struct {
	path             ObjectPath
	nEq, nTri, nCIDR int
}

// NewIndex returns an empty index.
func NewIndex() *Index {
	return &Index{
		byID: map[string]int32{}, pathIDs: map[string]int32{}, byType: map[string][]int32{},
		eq: map[string][]leafRef{}, tri: map[string][]leafRef{},
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
	}
	e := &entry{id: id, p: p, guarded: make([]bool, len(p.Leaves))}
	for li, leaf := range p.Leaves {
		atoms, ok := guardOf(leaf.Expr)
		if !ok {
			continue
		}
		e.guarded[li] = true
		for _, a := range atoms {
			e.atoms = append(e.atoms, placedAtom{atom: a, pathID: ix.pathID(a.path), ref: leafRef{slot, int32(li)}})
		}
	}
	if !patternGuarded(p.Root, e.guarded) {
		ix.always[slot] = true
	}
	for i := range e.atoms {
		a := &e.atoms[i]
		ip := ix.paths[a.pathID]
		switch a.kind {
		case atomEq:
			k := mapKey(a.pathID, a.key)
			ix.eq[k] = append(ix.eq[k], a.ref)
			ip.nEq++
		case atomTri:
			a.tri = ix.rarestTrigram(a.pathID, a.key, "")
			k := mapKey(a.pathID, a.tri)
			ix.tri[k] = append(ix.tri[k], a.ref)
			ip.nTri++
		case atomCIDR:
			t := ix.cidr[a.pathID]
			if t == nil {
				t = &prefixTrie{}
				ix.cidr[a.pathID] = t
			}
			t.insert(a.prefix, a.ref)
			ip.nCIDR++
		}
	}
	ix.entries[slot] = e
	ix.byID[id] = slot
	for _, a := range e.atoms {
		if a.kind == atomTri {
			ix.rebalance(a.pathID, a.tri)
		}
	}
}

// patternGuarded reports whether every binding of the expression binds at
// least one guarded leaf, so the pattern can only match where the index finds
// one of its leaves.
func patternGuarded(e ObservationExpr, guarded []bool) bool {
	switch x := e.(type) {
	case *ObservationSimple:
		return guarded[x.Leaf]
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
		case atomEq, atomTri:
			m, n, k := ix.eq, &ip.nEq, mapKey(a.pathID, a.key)
			if a.kind == atomTri {
				m, n, k = ix.tri, &ip.nTri, mapKey(a.pathID, a.tri)
			}
			if refs := dropRef(m[k], a.ref); len(refs) == 0 {
				delete(m, k)
			} else {
				m[k] = refs
			}
			*n--
		case atomCIDR:
			ix.cidr[a.pathID].remove(a.prefix, a.ref)
			ip.nCIDR--
		}
	}
	delete(ix.always, slot)
	delete(ix.byID, id)
	ix.entries[slot] = nil
	ix.free = append(ix.free, slot)
}
