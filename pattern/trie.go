package pattern

import (
	"net/netip"
	"slices"
)

// prefixTrie holds ISSUBSET prefixes, one binary trie per address family, so
// that finding every prefix containing an address costs one walk down its
// bits rather than a test per indicator. IPv4 prefixes of /16 or longer, the
// common case, hang below a table indexed by the first 16 bits, which saves
// the first sixteen steps of the walk.
type prefixTrie struct {
	v4, v6 *trieNode
	v4long []*trieNode // 1<<16 subtries at depth 16, allocated on first use
}

const tableBits = 16

type trieNode struct {
	child [2]*trieNode
	refs  []leafRef
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

// start returns the node to walk from and the depth it stands at.
func (t *prefixTrie) start(p netip.Prefix, create bool) (*trieNode, int) {
	if p.Addr().Is4() && p.Bits() >= tableBits {
		if t.v4long == nil {
			if !create {
				return nil, 0
			}
			t.v4long = make([]*trieNode, 1<<tableBits)
		}
		a := p.Addr().As4()
		i := int(a[0])<<8 | int(a[1])
		if t.v4long[i] == nil && create {
			t.v4long[i] = &trieNode{}
		}
		return t.v4long[i], tableBits
	}
	return *t.root(p, create), 0
}

func (t *prefixTrie) insert(p netip.Prefix, ref leafRef) {
	n, depth := t.start(p, true)
	a, _ := addrBits(p)
	for i := depth; i < p.Bits(); i++ {
		b := bitAt(a, i)
		if n.child[b] == nil {
			n.child[b] = &trieNode{}
		}
		n = n.child[b]
	}
	n.refs = append(n.refs, ref)
}

func (t *prefixTrie) remove(p netip.Prefix, ref leafRef) {
	n, depth := t.start(p, false)
	a, _ := addrBits(p)
	for i := depth; n != nil && i < p.Bits(); i++ {
		n = n.child[bitAt(a, i)]
	}
	if n != nil {
		if i := slices.Index(n.refs, ref); i >= 0 {
			n.refs = slices.Delete(n.refs, i, i+1)
		}
	}
}

// containing calls fn for every stored prefix that contains p.
func (t *prefixTrie) containing(p netip.Prefix, fn func(leafRef)) {
	a, _ := addrBits(p)
	walk := func(n *trieNode, i, stop int) {
		for ; n != nil; i++ {
			if i > 0 {
				for _, r := range n.refs {
					fn(r)
				}
			}
			if i >= stop {
				return
			}
			n = n.child[bitAt(a, i)]
		}
	}
	if p.Addr().Is4() {
		// Prefixes shorter than the table live in the plain trie.
		walk(t.v4, 0, min(p.Bits(), tableBits-1))
		if t.v4long != nil && p.Bits() >= tableBits {
			walk(t.v4long[int(a[0])<<8|int(a[1])], tableBits, p.Bits())
		}
		return
	}
	walk(t.v6, 0, p.Bits())
}
