package pattern

import (
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"
)

// TestPrefixTrieAgainstScan compares the trie with testing every prefix.
func TestPrefixTrieAgainstScan(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	var t4 prefixTrie
	var stored []netip.Prefix
	for i := range 3000 {
		var a [4]byte
		a[0], a[1], a[2], a[3] = byte(r.IntN(4)), byte(r.IntN(4)), byte(r.IntN(256)), byte(r.IntN(256))
		p := netip.PrefixFrom(netip.AddrFrom4(a), 1+r.IntN(32)).Masked()
		stored = append(stored, p)
		t4.insert(p, leafRef{int32(i), 0}, i%2 == 0)
	}
	for i := 0; i < len(stored); i += 3 {
		t4.remove(stored[i], leafRef{int32(i), 0}, i%2 == 0)
	}
	for range 5000 {
		var a [4]byte
		a[0], a[1], a[2], a[3] = byte(r.IntN(4)), byte(r.IntN(4)), byte(r.IntN(256)), byte(r.IntN(256))
		q := netip.PrefixFrom(netip.AddrFrom4(a), 8+r.IntN(25))
		var want, got []int32
		for i, p := range stored {
			if i%3 != 0 && prefixContains(p, q) {
				want = append(want, int32(i))
			}
		}
		for _, c := range t4.containing(q, nil) {
			if c.sure != (c.ref.slot%2 == 0) {
				t.Fatalf("%v: leaf %d sure=%v", q, c.ref.slot, c.sure)
			}
			got = append(got, c.ref.slot)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Fatalf("%v: trie %v, scan %v", q, got, want)
		}
	}
}

// TestRollingGramHash checks that the rolling hash of the scan equals the
// hash the index files grams under.
func TestRollingGramHash(t *testing.T) {
	s := "https://www.host042.example.com/a/b?c=d\u00e9f"
	for _, n := range []int{3, 6} {
		pow := uint64(1)
		for range n - 1 {
			pow *= gramBase
		}
		h := gramPoly(s[:n])
		for j := 0; j+n <= len(s); j++ {
			if j > 0 {
				h = (h-uint64(s[j-1])*pow)*gramBase + uint64(s[j+n-1])
			}
			if h != gramPoly(s[j:j+n]) || slotOf(7, h) != triSlot(7, s[j:j+n]) {
				t.Fatalf("n=%d j=%d: rolling hash differs", n, j)
			}
		}
	}
}
