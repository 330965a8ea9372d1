package pattern

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)

// MustValues builds an observation from plain values at the given offset.
func MustValues(tb testing.TB, at time.Duration, values ...string) *Observation {
	tb.Helper()
	o, unknown := ObservationFromValues(values, t0.Add(at))
	if len(unknown) > 0 {
		tb.Fatalf("unrecognised values %q", unknown)
	}
	return o
}

// MustIndex indexes the patterns under ids "p0", "p1", ...
func MustIndex(tb testing.TB, srcs ...string) *Index {
	tb.Helper()
	ix := NewIndex()
	for i, s := range srcs {
		p, err := Parse(s)
		if err != nil {
			tb.Fatalf("%s: %v", s, err)
		}
		ix.Add(fmt.Sprintf("p%d", i), p)
	}
	return ix
}

func TestIndexMatchObservation(t *testing.T) {
	ix := MustIndex(t,
		"[ipv4-addr:value = '198.51.100.7']",
		"[ipv4-addr:value ISSUBSET '198.51.100.0/24']",
		"[ipv6-addr:value ISSUBSET '2001:db8::/32']",
		"[domain-name:value IN ('a.example', 'evil.example')]",
		"[url:value LIKE 'http%://%.evil.example/%']",
		"[domain-name:value MATCHES '^[a-z]+\\\\.evil\\\\.example$']",
		"[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
		"[ipv4-addr:value NOT = '203.0.113.1']", // no guard: always evaluated
		"[email-addr:value = 'x@evil.example'] AND [domain-name:value = 'evil.example']",
	)
	cases := []struct {
		values []string
		want   []string
	}{
		{[]string{"198.51.100.7"}, []string{"p0", "p1", "p7"}},
		{[]string{"198.51.100.8"}, []string{"p1", "p7"}},
		{[]string{"203.0.113.1"}, nil},
		{[]string{"2001:db8::5"}, []string{"p2"}},
		{[]string{"2001:db9::5"}, nil},
		{[]string{"evil.example"}, []string{"p3"}},
		{[]string{"www.evil.example"}, []string{"p5"}},
		{[]string{"https://cdn.evil.example/x.js"}, []string{"p4"}},
		{[]string{"https://cdn.good.example/evil.example/"}, nil},
		{[]string{"AEC070645FE53EE3B3763059376134F058CC337247C978ADD178B6CCDFB0019F"}, nil},
		{[]string{"aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f"}, []string{"p6"}},
		// One observation cannot be bound to both sides of AND.
		{[]string{"x@evil.example", "evil.example"}, []string{"p3"}},
	}
	for _, c := range cases {
		got := ix.MatchObservation(MustValues(t, 0, c.values...))
		if !slices.Equal(got, c.want) {
			t.Errorf("%q: got %v, want %v", c.values, got, c.want)
		}
	}
}

func TestIndexMatchSet(t *testing.T) {
	ix := MustIndex(t,
		"[email-addr:value = 'x@evil.example'] AND [domain-name:value = 'evil.example']",
		"([domain-name:value = 'evil.example'] FOLLOWEDBY [ipv4-addr:value = '198.51.100.7']) WITHIN 300 SECONDS",
		"[ipv4-addr:value = '198.51.100.7'] REPEATS 3 TIMES WITHIN 3600 SECONDS",
		"[ipv4-addr:value = '198.51.100.7'] FOLLOWEDBY [domain-name:value = 'evil.example']",
	)
	obs := []*Observation{
		MustValues(t, 0, "evil.example"),
		MustValues(t, 100*time.Second, "198.51.100.7"),
		MustValues(t, 200*time.Second, "x@evil.example"),
		MustValues(t, 4000*time.Second, "198.51.100.7"),
	}
	if got, want := ix.MatchSet(obs), []string{"p0", "p1"}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	obs = append(obs, MustValues(t, 4100*time.Second, "198.51.100.7"), MustValues(t, 4200*time.Second, "198.51.100.7", "evil.example"))
	if got, want := ix.MatchSet(obs), []string{"p0", "p1", "p2", "p3"}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestIndexAddRemove(t *testing.T) {
	ix := MustIndex(t, "[ipv4-addr:value = '198.51.100.7']", "[ipv4-addr:value ISSUBSET '198.51.100.0/24']", "[url:value LIKE '%evil%']")
	o := MustValues(t, 0, "198.51.100.7", "http://evil.example/")
	if got := ix.MatchObservation(o); len(got) != 3 {
		t.Fatalf("got %v, want all three", got)
	}
	ix.Remove("p1")
	ix.Remove("p2")
	ix.Remove("missing")
	if got := ix.MatchObservation(o); !slices.Equal(got, []string{"p0"}) {
		t.Fatalf("after Remove: %v", got)
	}
	ix.Add("p0", MustParse("[ipv4-addr:value = '203.0.113.9']"))
	if got := ix.MatchObservation(o); len(got) != 0 || ix.Len() != 1 {
		t.Fatalf("after replacing p0: %v (len %d)", got, ix.Len())
	}
	ix.Add("p3", MustParse("[url:value LIKE '%evil%']"))
	if got := ix.MatchObservation(o); !slices.Equal(got, []string{"p3"}) {
		t.Fatalf("slot reuse: %v", got)
	}
}

// TestIndexTrigramRebalance files many LIKE tests sharing most of their
// literal; each must still find exactly its own URL.
func TestIndexTrigramRebalance(t *testing.T) {
	var srcs []string
	for i := range 200 {
		srcs = append(srcs, fmt.Sprintf("[url:value LIKE 'http%%://%%.host%03d.example.com/%%']", i))
	}
	ix := MustIndex(t, srcs...)
	for i := range 200 {
		got := ix.MatchObservation(MustValues(t, 0, fmt.Sprintf("https://www.host%03d.example.com/index.html", i)))
		if want := []string{fmt.Sprintf("p%d", i)}; !slices.Equal(got, want) {
			t.Fatalf("host%03d: got %v, want %v", i, got, want)
		}
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	for k, refs := range ix.tri {
		if len(refs) > 4 {
			t.Errorf("trigram %q holds %d patterns", k[4:], len(refs))
		}
	}
}

// TestIndexAgreesWithEvaluator compares the index with evaluating every
// pattern on synthetic data.
func TestIndexAgreesWithEvaluator(t *testing.T) {
	s := synth{rand.New(rand.NewPCG(7, 7))}
	var srcs []string
	for range 300 {
		srcs = append(srcs, s.pattern())
	}
	ix := MustIndex(t, srcs...)
	var pats []*Pattern
	for _, src := range srcs {
		pats = append(pats, MustParse(src))
	}
	for i := range 300 {
		o := s.observation(i)
		// Plant a value of some pattern so that matches occur.
		if i%3 == 0 {
			o = plant(s, srcs[i%len(srcs)], i)
		}
		var want []string
		for j, p := range pats {
			r, err := p.Match([]*Observation{o})
			if err != nil {
				t.Fatal(err)
			}
			if r.Matched {
				want = append(want, fmt.Sprintf("p%d", j))
			}
		}
		slices.Sort(want)
		if got := ix.MatchObservation(o); !slices.Equal(got, want) {
			t.Fatalf("observation %d: index %v, evaluator %v", i, got, want)
		}
	}
}

// plant returns an observation holding the first quoted value of src.
func plant(s synth, src string, i int) *Observation {
	o := s.observation(i)
	start := slices.Index([]byte(src), '\'')
	end := slices.Index([]byte(src[start+1:]), '\'')
	v := src[start+1 : start+1+end]
	if p, _ := ObservationFromValues([]string{v}, o.First); len(p.Objects) > 0 {
		p.ID = o.ID
		return p
	}
	return o
}

func TestIndexConcurrentUse(t *testing.T) {
	ix := MustIndex(t, "[ipv4-addr:value = '198.51.100.7']")
	o := MustValues(t, 0, "198.51.100.7", "http://evil.example/")
	var wg sync.WaitGroup
	for r := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 500 {
				if got := ix.MatchObservation(o); !slices.Contains(got, "p0") {
					t.Errorf("reader %d lost p0: %v", r, got)
					return
				}
				ix.MatchSet([]*Observation{o, o})
			}
		}()
	}
	for i := range 500 {
		id := fmt.Sprintf("w%d", i)
		ix.Add(id, MustParse(fmt.Sprintf("[url:value LIKE '%%evil%d%%'] OR [ipv4-addr:value ISSUBSET '198.51.%d.0/24']", i, i%256)))
		if i%2 == 0 {
			ix.Remove(id)
		}
	}
	wg.Wait()
	if ix.Len() != 251 {
		t.Fatalf("Len = %d, want 251", ix.Len())
	}
}

func TestObservationFromValues(t *testing.T) {
	o, unknown := ObservationFromValues([]string{"198.51.100.7", "10.0.0.0/8", "2001:db8::1", "https://x.example/a",
		"a@b.example", "3afb0216d2b9cb17f77d6c4a8c0ab990", "evil.example", "not a value", "1.2.3"}, t0)
	var types []string
	for _, obj := range o.Objects {
		types = append(types, obj.Type)
	}
	want := []string{"ipv4-addr", "ipv4-addr", "ipv6-addr", "url", "email-addr", "file", "domain-name"}
	if !slices.Equal(types, want) || !slices.Equal(unknown, []string{"not a value", "1.2.3"}) {
		t.Fatalf("types %v unknown %q", types, unknown)
	}
}

func TestRepeatsLimits(t *testing.T) {
	data := `{"type":"bundle","objects":[
	 {"type":"observed-data","id":"observed-data--1","first_observed":"2024-01-01T00:00:00Z","last_observed":"2024-01-01T00:00:00Z","number_observed":9000000000000000000,"object_refs":["ipv4-addr--1"]},
	 {"type":"ipv4-addr","id":"ipv4-addr--1","value":"198.51.100.7"}]}`
	obs := MustParseObservations(t, []byte(data), V21)
	r, err := MustParse("[ipv4-addr:value = '198.51.100.7'] REPEATS 500 TIMES").Match(obs)
	if err != nil || !r.Matched {
		t.Fatalf("REPEATS 500 on number_observed 9e18: %v %v", r, err)
	}
	if _, err := MustParse("[ipv4-addr:value = '198.51.100.7'] REPEATS 9000000000000000000 TIMES").Match(obs); !errors.Is(err, ErrTooComplex) {
		t.Fatalf("huge REPEATS: %v, want ErrTooComplex", err)
	}
}

// TestIndexSubsetWithoutEvaluator covers the ISSUBSET hits the index decides
// by itself: where some value of the path is not an address, the
// evaluator's answer depends on the order of the objects, and the index
// must give the same answer as the evaluator in every order.
func TestIndexSubsetWithoutEvaluator(t *testing.T) {
	srcs := []string{
		"[ipv4-addr:value ISSUBSET '198.51.100.0/24']",
		"[ipv4-addr:value ISSUBSET '198.51.0.0/16']",
		"[ipv4-addr:value ISSUBSET '10.0.0.0/8']",
		"[ipv4-addr:value ISSUBSET '198.51.100.7/32']",
		"[ipv6-addr:value ISSUBSET '2001:db8::/32']",
		"[ipv4-addr:value ISSUBSET '198.51.100.0/24' AND ipv4-addr:value = '198.51.100.7']",
		"[ipv4-addr:value ISSUBSET '198.51.100.0/24'] AND [ipv4-addr:value ISSUBSET '10.0.0.0/8']",
	}
	ix := MustIndex(t, srcs...)
	var pats []*Pattern
	for _, s := range srcs {
		pats = append(pats, MustParse(s))
	}
	values := []any{"198.51.100.7", "10.1.2.3", "198.51.7.7/24", "not an address", jsonInt(7), "2001:db8::1", "::ffff:198.51.100.9", "198.51.100.1/33"}
	for i, a := range values {
		for j, b := range values {
			o := &Observation{ID: fmt.Sprintf("observed-data--%d-%d", i, j), First: t0, Last: t0, Count: 1, refs: map[string]int{}}
			for k, v := range []any{a, b} {
				typ := "ipv4-addr"
				if s, ok := v.(string); ok && slices.Contains([]byte(s), ':') {
					typ = "ipv6-addr"
				}
				ref := fmt.Sprintf("%s--%d", typ, k)
				o.refs[ref] = len(o.Objects)
				o.Objects = append(o.Objects, ObservedObject{Ref: ref, Type: typ, Props: map[string]any{"type": typ, "id": ref, "value": v}})
			}
			var want []string
			for n, p := range pats {
				if r, err := p.Match([]*Observation{o}); err == nil && r.Matched {
					want = append(want, fmt.Sprintf("p%d", n))
				}
			}
			if got := ix.MatchObservation(o); !slices.Equal(got, want) {
				t.Errorf("values %v, %v: index %v, evaluator %v", a, b, got, want)
			}
		}
	}
}

// TestIndexNegativeZero: -0.0 equals 0 for the evaluator, so the index must
// file and look up both under one key.
func TestIndexNegativeZero(t *testing.T) {
	for _, src := range []string{"[x-y:z = -0.0]", "[x-y:z = 0]", "[x-y:z IN (-0.0, 5)]"} {
		p := MustParse(src)
		ix := NewIndex()
		ix.Add("i", p)
		for _, v := range []any{jsonInt(0), jsonNumberOf(0) + ".0", json.Number("-0.0"), json.Number("-0")} {
			o := &Observation{ID: "observed-data--1", First: t0, Last: t0, Count: 1, refs: map[string]int{"x-y--1": 0},
				Objects: []ObservedObject{{Ref: "x-y--1", Type: "x-y", Props: map[string]any{"type": "x-y", "id": "x-y--1", "z": v}}}}
			r, err := p.Match([]*Observation{o})
			if err != nil || !r.Matched {
				t.Fatalf("%s on %v: evaluator %v, %v", src, v, r.Matched, err)
			}
			if got := ix.MatchObservation(o); len(got) != 1 {
				t.Errorf("%s on %v: index %v, evaluator matches", src, v, got)
			}
		}
	}
}
