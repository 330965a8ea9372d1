package pattern

import (
	"encoding/binary"
	"net/netip"
	"slices"
)

// prefixTrie holds ISSUBSET prefixes, one binary trie per address family, so
// that finding every prefix containing an address costs one walk down its
// bits rather than a test per indicator. IPv4 prefixes of /16 or longer, the
// common case, are kept instead in buckets by their first 16 bits: a small
// array of entries per bucket, tested one by one. Two bitmaps turn away
// most addresses no prefix contains without touching the buckets: one bit
// per bucket (8 KiB, which stays in cache however few prefixes there are)
// and one per /20 block some entry overlaps (128 KiB, which keeps
// rejecting most addresses when tens of thousands of prefixes fill half
// the buckets).
type prefixTrie struct {
	v4, v6 *trieNode
	v4b16  []uint64    // bit i: bucket i is not empty; allocated on first use
	v4used []uint64    // bit i: some bucket entry overlaps the /20 block i
	v4long [][]v4Entry // 1<<16 buckets
}

type v4Entry struct {
	addr  uint32 // masked
	bits  uint8
	exact bool // the leaf is exactly this test (see exactSubset)
	ref   leafRef
}

func v4Mask(bits int) uint32 { return ^uint32(0) << (32 - bits) }

const tableBits = 16

type trieNode struct {
	child [2]*trieNode
	refs  []cand // sure: the leaf is exactly this test (see exactSubset)
}

func bitAt(a [16]byte, i int) int { return int(a[i/8]>>(7-uint(i%8))) & 1 }

func addrBits(p netip.Prefix) ([16]byte, int) {
	if p.Addr().Is4() {
		a4 := p.Addr().As4()
		var a [16]byte
		copy(a[:], a4[:])
		return a, 32
	}
	return p.Addr().As16(), 128
}

func (t *prefixTrie) root(p netip.Prefix, create bool) **trieNode {
	r := &t.v6
	if p.Addr().Is4() {
		r = &t.v4
	}
	if *r == nil && create {
		*r = &trieNode{}
	}
	return r
}

// blockBits is the length of the blocks of the second bitmap.
const blockBits = 20

// markBlocks sets the bits of the blocks the entry overlaps.
func (t *prefixTrie) markBlocks(e v4Entry) {
	first := e.addr >> (32 - blockBits)
	n := uint32(1)
	if e.bits < blockBits {
		n = 1 << (blockBits - e.bits)
	}
	for i := first; i < first+n; i++ {
		t.v4used[i/64] |= 1 << (i % 64)
	}
}

// start returns the node to walk from, which is the root of the family.
func (t *prefixTrie) start(p netip.Prefix, create bool) *trieNode {
	return *t.root(p, create)
}

func (t *prefixTrie) insert(p netip.Prefix, ref leafRef, exact bool) {
	if p.Addr().Is4() && p.Bits() >= tableBits {
		if t.v4long == nil {
			t.v4long = make([][]v4Entry, 1<<tableBits)
			t.v4used = make([]uint64, 1<<blockBits/64)
			t.v4b16 = make([]uint64, 1<<tableBits/64)
		}
		a := binary.BigEndian.Uint32(p.Addr().AsSlice())
		b := a >> (32 - tableBits)
		e := v4Entry{addr: a & v4Mask(p.Bits()), bits: uint8(p.Bits()), exact: exact, ref: ref}
		t.v4long[b] = append(t.v4long[b], e)
		t.v4b16[b/64] |= 1 << (b % 64)
		t.markBlocks(e)
		return
	}
	n := t.start(p, true)
	a, _ := addrBits(p)
	for i := 0; i < p.Bits(); i++ {
		b := bitAt(a, i)
		if n.child[b] == nil {
			n.child[b] = &trieNode{}
		}
		n = n.child[b]
	}
	n.refs = append(n.refs, cand{ref, exact})
}

func (t *prefixTrie) remove(p netip.Prefix, ref leafRef, exact bool) {
	if p.Addr().Is4() && p.Bits() >= tableBits {
		if t.v4long == nil {
			return
		}
		a := binary.BigEndian.Uint32(p.Addr().AsSlice())
		b := a >> (32 - tableBits)
		want := v4Entry{addr: a & v4Mask(p.Bits()), bits: uint8(p.Bits()), exact: exact, ref: ref}
		if i := slices.Index(t.v4long[b], want); i >= 0 {
			t.v4long[b] = slices.Delete(t.v4long[b], i, i+1)
		}
		if len(t.v4long[b]) == 0 {
			t.v4long[b] = nil
			t.v4b16[b/64] &^= 1 << (b % 64)
		}
		// Rebuild the bucket's 16 block bits from what remains.
		const per = 1 << (blockBits - tableBits)
		t.v4used[b*per/64] &^= (1<<per - 1) << (b * per % 64)
		for _, e := range t.v4long[b] {
			t.markBlocks(e)
		}
		return
	}
	n := t.start(p, false)
	a, _ := addrBits(p)
	for i := 0; n != nil && i < p.Bits(); i++ {
		n = n.child[bitAt(a, i)]
	}
	if n != nil {
		if i := slices.Index(n.refs, cand{ref, exact}); i >= 0 {
			n.refs = slices.Delete(n.refs, i, i+1)
		}
	}
}

// containing appends the leaves of every stored prefix that contains p.
func (t *prefixTrie) containing(p netip.Prefix, out []cand) []cand {
	a, _ := addrBits(p)
	walk := func(n *trieNode, stop int) {
		for i := 0; n != nil; i++ {
			if i > 0 {
				out = append(out, n.refs...)
			}
			if i >= stop {
				return
			}
			n = n.child[bitAt(a, i)]
		}
	}
	if !p.Addr().Is4() {
		walk(t.v6, p.Bits())
		return out
	}
	// Prefixes shorter than the buckets' live in the plain trie.
	walk(t.v4, min(p.Bits(), tableBits-1))
	if t.v4long == nil || p.Bits() < tableBits {
		return out
	}
	x := binary.BigEndian.Uint32(a[:4])
	b, blk := x>>(32-tableBits), x>>(32-blockBits)
	if t.v4b16[b/64]&(1<<(b%64)) != 0 && t.v4used[blk/64]&(1<<(blk%64)) != 0 {
		for _, e := range t.v4long[b] {
			if int(e.bits) <= p.Bits() && x&v4Mask(int(e.bits)) == e.addr {
				out = append(out, cand{e.ref, e.exact})
			}
		}
	}
	return out
}
