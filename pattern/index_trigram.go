package pattern

import (
	"strings"
)

// LIKE and MATCHES tests are filed under one trigram of a literal their
// matches must contain. Which trigram matters: one shared by many literals
// (".com", "http") is likely in many values too, and would make every URL a
// candidate. Each pattern therefore takes the trigram of its literal that
// the fewest literals contain, and when a trigram turns out common, the
// patterns filed under it move to rarer trigrams of their own. A value is a
// candidate only when it contains the whole literal, checked before the
// evaluator runs.

// rebalanceAt is the number of literals containing a trigram above which
// patterns filed under it are moved.
const rebalanceAt = 8

// triFilterBits sizes the filter that lets most of a value's grams be
// rejected without a map lookup: 2^21 bits (256 KiB), two bits per gram in
// one 64-bit word, read at once. With 30,000 filed grams a text of 40 bytes
// passes a gram that is not filed about once in 30 texts; one bit per gram
// in the same space would pass one in most texts.
const triFilterBits = 21

// gramLen is the length of the grams a literal is filed under: six bytes
// when the literal has them, which stay selective among tens of thousands
// of literals, else three.
func gramLen(lit string) int {
	if len(lit) >= 6 {
		return 6
	}
	return 3
}

type triPosting struct {
	ref leafRef
	lit string
}

// gramBase is the base of the polynomial hash of grams, which a scan over a
// text can roll from one position to the next.
const gramBase = 1099511628211

func gramPoly(g string) uint64 {
	var h uint64
	for i := 0; i < len(g); i++ {
		h = h*gramBase + uint64(g[i])
	}
	return h
}

// slotOf mixes a gram's polynomial hash with the path id into the filter's
// two bits, both in one word: their positions in the bit array. Only the
// high bits of the product are used, which depend on every bit of the hash.
func slotOf(pathID int32, poly uint64) [2]uint32 {
	x := (poly ^ uint64(uint32(pathID))*0x9E3779B97F4A7C15) * 0xBF58476D1CE4E5B9
	w := uint32(x>>(64-triFilterBits+6)) << 6
	return [2]uint32{w | uint32(x>>37)&63, w | uint32(x>>43)&63}
}

func triSlot(pathID int32, gram string) [2]uint32 { return slotOf(pathID, gramPoly(gram)) }

// The filter keeps a count per bit, so that removals can clear it, and the
// bits, small enough to stay in cache, for lookups.
func (ix *Index) triAdd(pathID int32, tri string, p triPosting) {
	k := mapKey(pathID, tri)
	ix.tri[k] = append(ix.tri[k], p)
	for _, s := range triSlot(pathID, tri) {
		if ix.triFilter[s] < 255 {
			ix.triFilter[s]++
			ix.triBits[s/64] |= 1 << (s % 64)
		}
	}
}

// triPasses reports whether the filter lets the gram through.
func (ix *Index) triPasses(s [2]uint32) bool {
	w := ix.triBits[s[0]/64]
	return w&(1<<(s[0]%64)) != 0 && w&(1<<(s[1]%64)) != 0
}

func (ix *Index) triDel(pathID int32, tri string, ref leafRef) {
	k := mapKey(pathID, tri)
	list := ix.tri[k]
	for i, p := range list {
		if p.ref == ref {
			list = append(list[:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(ix.tri, k)
	} else {
		ix.tri[k] = list
	}
	// A saturated counter stays set: the filter may pass too much, never
	// too little.
	for _, s := range triSlot(pathID, tri) {
		if ix.triFilter[s] > 0 && ix.triFilter[s] < 255 {
			if ix.triFilter[s]--; ix.triFilter[s] == 0 {
				ix.triBits[s/64] &^= 1 << (s % 64)
			}
		}
	}
}

// triCandidates appends the leaves filed under n-grams whose literal the
// text contains.
func (ix *Index) triCandidates(pathID int32, head []byte, s string, n int, out []cand) []cand {
	if len(s) < n {
		return out
	}
	pow := uint64(1)
	for range n - 1 {
		pow *= gramBase
	}
	h := gramPoly(s[:n])
	for j := 0; j+n <= len(s); j++ {
		if j > 0 {
			h = (h-uint64(s[j-1])*pow)*gramBase + uint64(s[j+n-1])
		}
		t := s[j : j+n]
		if !ix.triPasses(slotOf(pathID, h)) {
			continue
		}
		for _, p := range ix.tri[string(append(head, t...))] {
			if strings.Contains(s, p.lit) {
				out = append(out, cand{ref: p.ref})
			}
		}
	}
	return out
}

// trigramsOf returns the distinct grams of lit, of its gram length.
func trigramsOf(lit string) []string { return gramsOf(lit, gramLen(lit)) }

// gramsOf returns the distinct n-byte grams of lit.
func gramsOf(lit string, n int) []string {
	var ts []string
	for i := 0; i+n <= len(lit); i++ {
		if t := lit[i : i+n]; !containsStr(ts, t) {
			ts = append(ts, t)
		}
	}
	return ts
}

func containsStr(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// countLiteral adds d to the number of literals containing each gram of
// the literal, and for six-byte grams to the counts of the three-byte grams
// inside them, which rank grams of equal count (see rarestTrigram).
func (ix *Index) countLiteral(pathID int32, lit string, d int) {
	count := func(m map[string]int, t string) {
		k := mapKey(pathID, t)
		if m[k] += d; m[k] <= 0 {
			delete(m, k)
		}
	}
	for _, t := range trigramsOf(lit) {
		count(ix.triDF, t)
	}
	if gramLen(lit) == 6 {
		for _, t := range gramsOf(lit, 3) {
			count(ix.triDF3, t)
		}
	}
}

// commonness scores a six-byte gram by how many literals contain the
// three-byte grams inside it. Among grams no other literal contains, the
// one made of rare parts ("abcdef") is far less likely to occur in values
// than one sharing common parts ("xyz.ex" of ".example"), which would make
// every value ending in "xyz.example" a candidate.
func (ix *Index) commonness(pathID int32, t string) int {
	if len(t) != 6 {
		return 0
	}
	c := 0
	for i := 0; i+3 <= len(t); i++ {
		c += ix.triDF3[mapKey(pathID, t[i:i+3])]
	}
	return c
}

// rarestTrigram returns the trigram of lit contained in the fewest literals,
// then with the shortest list, then made of the rarest parts, not counting
// avoid.
func (ix *Index) rarestTrigram(pathID int32, lit, avoid string) string {
	best, bestDF, bestN, bestC := "", 0, 0, 0
	n := gramLen(lit)
	for i := len(lit) - n; i >= 0; i-- {
		t := lit[i : i+n]
		if t == avoid {
			continue
		}
		k := mapKey(pathID, t)
		df, n := ix.triDF[k], len(ix.tri[k])
		if best != "" && (df > bestDF || df == bestDF && n > bestN) {
			continue
		}
		c := ix.commonness(pathID, t)
		if best == "" || df < bestDF || n < bestN || c < bestC {
			best, bestDF, bestN, bestC = t, df, n, c
		}
	}
	return best
}

// rebalanceLiteral looks at every trigram of a newly filed literal: where
// one has become common, the patterns filed under it move.
func (ix *Index) rebalanceLiteral(pathID int32, lit string) {
	for _, t := range trigramsOf(lit) {
		k := mapKey(pathID, t)
		if len(ix.tri[k]) > 0 && ix.triDF[k] > rebalanceAt {
			ix.rebalance(pathID, t)
		}
	}
}

// rebalance moves the patterns filed under tri to rarer trigrams of their
// literals, where there are any.
func (ix *Index) rebalance(pathID int32, tri string) {
	k := mapKey(pathID, tri)
	for _, p := range append([]triPosting(nil), ix.tri[k]...) {
		e := ix.entries[p.ref.slot]
		for i := range e.atoms {
			a := &e.atoms[i]
			if a.kind != atomTri || a.ref != p.ref || a.pathID != pathID || a.x.tri != tri {
				continue
			}
			alt := ix.rarestTrigram(pathID, a.x.key, tri)
			if alt == "" || ix.triDF[mapKey(pathID, alt)] >= ix.triDF[k] {
				break
			}
			ix.triDel(pathID, tri, p.ref)
			ix.triAdd(pathID, alt, p)
			a.x.tri = alt
			break
		}
	}
}
