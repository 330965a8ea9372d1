package pattern

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// workloadDir holds the shared benchmark workload (indicators, observations
// and the reference matcher's answers); tests using it skip when absent.
var workloadDir = findShared("conformance/stix-patterns/bench-workload")

// findShared returns dir under the first "shared" directory found in the
// working directory or one of its parents, so that the tests find the shared
// data from any checkout beside it; "" when there is none.
func findShared(dir string) string {
	wd, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		p := filepath.Join(wd, "shared", dir)
		if _, err := os.Stat(p); err == nil {
			return p
		}
		parent := filepath.Dir(wd)
		if parent == wd {
			return ""
		}
		wd = parent
	}
}

type workload struct {
	ids      []string
	patterns []*Pattern
	bundles  []json.RawMessage
	all      []byte
}

type workloadExpected struct {
	WholeSet struct {
		MatchingPatterns []string `json:"matching_patterns"`
	} `json:"whole_set"`
	PerObservation struct {
		Pairs [][2]string `json:"pairs"`
	} `json:"per_observation"`
}

// MustLoadWorkload reads the shared workload, skipping when it is absent.
func MustLoadWorkload(tb testing.TB) *workload {
	tb.Helper()
	ind, err := os.ReadFile(filepath.Join(workloadDir, "indicators.json"))
	if os.IsNotExist(err) {
		tb.Skip("benchmark workload not present")
	}
	if err != nil {
		tb.Fatal(err)
	}
	var doc struct {
		Indicators []struct {
			ID      string `json:"id"`
			Pattern string `json:"pattern"`
		} `json:"indicators"`
	}
	if err := json.Unmarshal(ind, &doc); err != nil {
		tb.Fatal(err)
	}
	w := &workload{}
	for _, i := range doc.Indicators {
		p, err := Parse(i.Pattern)
		if err != nil {
			tb.Fatalf("%s: %v", i.ID, err)
		}
		w.ids = append(w.ids, i.ID)
		w.patterns = append(w.patterns, p)
	}
	if w.all, err = os.ReadFile(filepath.Join(workloadDir, "observations.json")); err != nil {
		tb.Fatal(err)
	}
	if err := json.Unmarshal(w.all, &w.bundles); err != nil {
		tb.Fatal(err)
	}
	return w
}

func (w *workload) index() *Index {
	ix := NewIndex()
	for i, p := range w.patterns {
		ix.Add(w.ids[i], p)
	}
	return ix
}

// MustParseObservations parses observations or fails the test.
func MustParseObservations(tb testing.TB, data []byte, v Version) []*Observation {
	tb.Helper()
	obs, err := ParseObservations(data, v)
	if err != nil {
		tb.Fatal(err)
	}
	return obs
}

func TestWorkloadPerObservation(t *testing.T) {
	w := MustLoadWorkload(t)
	var exp workloadExpected
	data, err := os.ReadFile(filepath.Join(workloadDir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &exp); err != nil {
		t.Fatal(err)
	}
	ix := w.index()
	var got [][2]string
	for _, b := range w.bundles {
		for _, o := range MustParseObservations(t, b, V21) {
			for _, id := range ix.MatchObservation(o) {
				got = append(got, [2]string{id, o.ID})
			}
		}
	}
	want := exp.PerObservation.Pairs
	sortPairs := func(p [][2]string) {
		slices.SortFunc(p, func(a, b [2]string) int {
			if c := bytes.Compare([]byte(a[0]), []byte(b[0])); c != 0 {
				return c
			}
			return bytes.Compare([]byte(a[1]), []byte(b[1]))
		})
	}
	sortPairs(got)
	sortPairs(want)
	if !slices.Equal(got, want) {
		t.Errorf("per-observation pairs: got %d, want %d", len(got), len(want))
		for _, p := range got {
			if !slices.Contains(want, p) {
				t.Errorf("extra pair %v", p)
			}
		}
		for _, p := range want {
			if !slices.Contains(got, p) {
				t.Errorf("missing pair %v", p)
			}
		}
	}
}

func TestWorkloadWholeSet(t *testing.T) {
	w := MustLoadWorkload(t)
	var exp workloadExpected
	data, err := os.ReadFile(filepath.Join(workloadDir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &exp); err != nil {
		t.Fatal(err)
	}
	obs := MustParseObservations(t, w.all, V21)
	got := w.index().MatchSet(obs)
	want := slices.Clone(exp.WholeSet.MatchingPatterns)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("whole set: got %d patterns, want %d", len(got), len(want))
		for _, id := range got {
			if !slices.Contains(want, id) {
				t.Errorf("extra %s", id)
			}
		}
		for _, id := range want {
			if !slices.Contains(got, id) {
				t.Errorf("missing %s", id)
			}
		}
	}
	// The index is only a prefilter: direct evaluation must agree. Every
	// tenth pattern keeps the test quick; FuzzMatch checks the rest.
	for i, p := range w.patterns {
		if i%10 != 0 {
			continue
		}
		r, err := p.Match(obs)
		if err != nil {
			t.Fatalf("%s: %v", w.ids[i], err)
		}
		if r.Matched != slices.Contains(got, w.ids[i]) {
			t.Errorf("%s: direct evaluation says %v, index disagrees", w.ids[i], r.Matched)
		}
	}
}
