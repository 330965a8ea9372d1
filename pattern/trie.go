package pattern

import (
	"net/netip"
	"slices"
)

// prefixTrie holds ISSUBSET prefixes, one binary trie per address family, so
// that finding every prefix containing an address costs one walk down its
// bits rather than a test per indicator.
type prefixTrie struct {
	v4, v6 *trieNode
}

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

func (t *prefixTrie) insert(p netip.Prefix, ref leafRef) {
	n := *t.root(p, true)
	a, _ := addrBits(p)
	for i := 0; i < p.Bits(); i++ {
		b := bitAt(a, i)
		if n.child[b] == nil {
			n.child[b] = &trieNode{}
		}
		n = n.child[b]
	}
	n.refs = append(n.refs, ref)
}

func (t *prefixTrie) remove(p netip.Prefix, ref leafRef) {
	n := *t.root(p, false)
	a, _ := addrBits(p)
	for i := 0; n != nil && i < p.Bits(); i++ {
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
	n := *t.root(p, false)
	a, _ := addrBits(p)
	for i := 0; n != nil; i++ {
		if i > 0 {
			for _, r := range n.refs {
				fn(r)
			}
		}
		if i >= p.Bits() {
			return
		}
		n = n.child[bitAt(a, i)]
	}
}
