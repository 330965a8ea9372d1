package stix

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
)

// TestWriteFuzzSeeds rewrites the seed corpora of the fuzz targets under
// testdata/fuzz from the valid examples, the invalid and warning tables and
// the bundles. It runs only when STIX_WRITE_SEEDS=1, after the examples
// change:
//
//	STIX_WRITE_SEEDS=1 go test ./stix -run TestWriteFuzzSeeds
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("STIX_WRITE_SEEDS") != "1" {
		t.Skip("set STIX_WRITE_SEEDS=1 to rewrite the fuzz seeds")
	}
	var seeds [][]byte
	for _, typ := range validTypes(t) {
		seeds = append(seeds, MustReadFile(t, filepath.Join("valid", typ+".json")))
	}
	for _, tc := range slices.Concat(invalidCases, warningCases, acceptedCases, rejectedCases) {
		seeds = append(seeds, tc.build(t))
	}
	bundles, err := filepath.Glob(filepath.Join("testdata", "bundle", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range bundles {
		seeds = append(seeds, MustReadFile(t, filepath.Join("bundle", filepath.Base(f))))
	}
	seeds = append(seeds,
		[]byte(`{"a":[1,2.5e10,-0,"\u00e9\ud83d\ude00"],"b":null,"\ufb33":{}}`),
		[]byte(`[{"type":"url"},3,"x"]`),
		[]byte(`{"objects":[{"a":1}],"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d"}`),
	)
	for _, target := range []string{"FuzzParse", "FuzzDecoder", "FuzzCanonical"} {
		dir := filepath.Join("testdata", "fuzz", target)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for i, s := range seeds {
			body := "go test fuzz v1\n[]byte(" + strconv.Quote(string(s)) + ")\n"
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed%03d", i)), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
