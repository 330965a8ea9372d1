package pattern

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
)

// bigIndex indexes srcs as "p0", "p1", ... and then more filler patterns
// than the tree cache holds, so that the trees of srcs are dropped.
func bigIndex(t *testing.T, srcs []string) *Index {
	t.Helper()
	ix := MustIndex(t, srcs...)
	for i := range treeCacheSize + 1000 {
		ix.Add(fmt.Sprintf("filler%d", i), MustParse(fmt.Sprintf("[ipv4-addr:value = '10.%d.%d.%d']", i>>16&255, i>>8&255, i&255)))
	}
	return ix
}

// keptTrees counts the entries that hold a parsed tree.
func keptTrees(ix *Index) int {
	n := 0
	for _, e := range ix.entries {
		if e != nil && e.p.Load() != nil {
			n++
		}
	}
	return n
}

func TestIndexKeepsBoundedTrees(t *testing.T) {
	ix := bigIndex(t, []string{
		"[ipv4-addr:value NOT = '203.0.113.1']",                       // evaluated on every observation
		"[domain-name:value MATCHES '^[a-z]+\\\\.evil\\\\.example$']", // its parse compiles an expression
	})
	if n := keptTrees(ix); n != treeCacheSize+2 {
		t.Fatalf("%d trees kept, want %d (the cache and the two slotKeepTree patterns)", n, treeCacheSize+2)
	}
	for _, id := range []string{"p0", "p1"} {
		if p := ix.entries[ix.byID[id]].p.Load(); p == nil {
			t.Fatalf("the tree of %s was dropped", id)
		}
	}
	// A dropped tree is parsed again when a candidate needs it.
	if got := ix.MatchObservation(MustValues(t, 0, "10.0.0.1")); !slices.Equal(got, []string{"filler1", "p0"}) {
		t.Fatalf("got %v", got)
	}
	if n := keptTrees(ix); n != treeCacheSize+2 {
		t.Fatalf("%d trees kept after a match, want %d", n, treeCacheSize+2)
	}
}

// TestIndexAgreesWithEvaluatorBeyondTreeCache is TestIndexAgreesWithEvaluator
// on patterns whose trees the index has dropped.
func TestIndexAgreesWithEvaluatorBeyondTreeCache(t *testing.T) {
	s := synth{rand.New(rand.NewPCG(8, 8))}
	var srcs []string
	for range 300 {
		srcs = append(srcs, s.pattern())
	}
	ix := bigIndex(t, srcs)
	for i := range srcs {
		if ix.entries[ix.byID[fmt.Sprintf("p%d", i)]].p.Load() != nil && ix.slots[ix.byID[fmt.Sprintf("p%d", i)]].flags&slotKeepTree == 0 {
			t.Fatalf("p%d still has its tree", i)
		}
	}
	pats := make([]*Pattern, len(srcs))
	for i, src := range srcs {
		pats[i] = MustParse(src)
	}
	var all []*Observation
	for i := range 300 {
		o := s.observation(i)
		if i%3 == 0 {
			o = plant(s, srcs[i%len(srcs)], i)
		}
		all = append(all, o)
		var want []string
		for j, p := range pats {
			if r, err := p.Match([]*Observation{o}); err == nil && r.Matched {
				want = append(want, fmt.Sprintf("p%d", j))
			}
		}
		slices.Sort(want)
		if got := ix.MatchObservation(o); !slices.Equal(got, want) {
			t.Fatalf("observation %d: index %v, evaluator %v", i, got, want)
		}
	}
	// The observations taken together.
	var want []string
	for j, p := range pats {
		if r, err := p.Match(all); err == nil && r.Matched {
			want = append(want, fmt.Sprintf("p%d", j))
		}
	}
	slices.Sort(want)
	got := slices.DeleteFunc(ix.MatchSet(all), func(id string) bool { return id[0] != 'p' })
	if !slices.Equal(got, want) {
		t.Fatalf("set: index %v, evaluator %v", got, want)
	}
}

// TestIndexTreesUnderConcurrentUse parses dropped trees in several readers
// at once while a writer adds patterns (run with -race).
func TestIndexTreesUnderConcurrentUse(t *testing.T) {
	ix := bigIndex(t, []string{"[ipv4-addr:value = '198.51.100.9'] OR [domain-name:value = 'evil.example']", "[ipv4-addr:value = '198.51.100.7']"})
	o := MustValues(t, 0, "198.51.100.7", "evil.example")
	var wg sync.WaitGroup
	for r := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range 300 {
				if got := ix.MatchObservation(o); !slices.Equal(got, []string{"p0", "p1"}) {
					t.Errorf("reader %d: %v", r, got)
					return
				}
				// Touch filler patterns so that the cache turns over.
				ix.MatchObservation(MustValues(t, 0, fmt.Sprintf("10.0.%d.%d", (k*4+r)>>8&255, (k*4+r)&255)))
			}
		}()
	}
	for i := range 300 {
		ix.Add(fmt.Sprintf("w%d", i), MustParse(fmt.Sprintf("[ipv4-addr:value = '192.0.2.%d']", i%256)))
	}
	wg.Wait()
}

// TestIndexKeepsTreesOfLongPatterns: a pattern's parse costs with its text
// (an 87 KB pattern of 2,000 comparisons parsed in 1.2 ms, matched with its
// tree in 7 µs), so a publisher's long patterns, their trees dropped from
// the cache, would make every match request whose values hit them cost the
// node that many parses. Long patterns keep their trees.
func TestIndexKeepsTreesOfLongPatterns(t *testing.T) {
	var b strings.Builder
	b.WriteString("[domain-name:value = 'x.evil.example'")
	for i := 0; b.Len() <= keepTreeText; i++ {
		fmt.Fprintf(&b, " OR domain-name:value = 'filler%d.example'", i)
	}
	b.WriteString("]")
	ix := bigIndex(t, []string{b.String()})
	if p := ix.entries[ix.byID["p0"]].p.Load(); p == nil {
		t.Fatalf("the tree of a pattern of %d bytes was dropped", b.Len())
	}
	if got := ix.MatchObservation(MustValues(t, 0, "x.evil.example")); !slices.Equal(got, []string{"p0"}) {
		t.Fatalf("got %v", got)
	}
}
