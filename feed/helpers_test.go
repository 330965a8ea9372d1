package feed

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/stix"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// The labels of the test corpus, by name.
var testLabels = map[string]*kizuna.AccessLabel{
	"amber": {TLP: kizuna.TLPAmber, AudienceLimited: true, Audience: []string{"identity--7d8a3b4c-3a0a-4b8e-9d56-3a1f5c2b9e01"}},
	"green": {TLP: kizuna.TLPGreen},
	"secret": {TLP: kizuna.TLPAmber, Classifications: []kizuna.Classification{{Scheme: "USA", Level: "SECRET"}},
		Releasable: true, ReleasableTo: []string{"JPN", "USA"}},
	"gokuhi": {TLP: kizuna.TLPRed, Classifications: []kizuna.Classification{{Scheme: "JPN", Level: "極秘"}},
		Communities: []string{"wg-energy"}},
	"uninterpretable": {Uninterpretable: []string{"marking-definition--0b7e5a52-0000-4000-8000-000000000000"}},
}

var labelIDs = map[string]int64{"amber": 1, "green": 2, "secret": 3, "gokuhi": 4, "uninterpretable": 5}

// testNow is the time the corpus is exported at: indicator 28 has expired
// and indicator 29 is not valid yet.
var testNow = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

// corpus reads testdata/corpus.json: objects with the name of their label.
func corpus(tb testing.TB) []*kizuna.Object {
	tb.Helper()
	data, err := os.ReadFile("testdata/corpus.json")
	if err != nil {
		tb.Fatal(err)
	}
	var entries []struct {
		Label  string          `json:"label"`
		Object json.RawMessage `json:"object"`
	}
	if err := json.Unmarshal(data, &entries); err != nil {
		tb.Fatal(err)
	}
	var out []*kizuna.Object
	for _, e := range entries {
		out = append(out, mustObject(tb, e.Object, testLabels[e.Label], labelIDs[e.Label]))
	}
	return out
}

// mustObject parses a STIX object and gives it a label, as the store does.
func mustObject(tb testing.TB, raw []byte, label *kizuna.AccessLabel, labelID int64) *kizuna.Object {
	tb.Helper()
	o, err := stix.Parse(raw)
	if err != nil {
		tb.Fatalf("parse %s: %v", raw, err)
	}
	o.Label, o.LabelID = label, labelID
	o.DateAdded = o.Version
	return o
}

// objects turns a slice into the stream an exporter reads.
func objects(objs ...*kizuna.Object) Objects {
	return func(yield func(*kizuna.Object, error) bool) {
		for _, o := range objs {
			if !yield(o, nil) {
				return
			}
		}
	}
}

// golden compares got with testdata/golden/name, or rewrites it with -update.
func golden(tb testing.TB, name string, got []byte) {
	tb.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			tb.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("%v (run the test with -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		tb.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func sortedKeys(m map[string]int) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
