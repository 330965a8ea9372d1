package main

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkMatchCommand runs "kizuna match" on the shared workload (1,000
// indicators, 10,000 observations in 8 MB of JSON) as the command does it:
// reading both files, parsing and indexing the patterns, decoding the
// observations and writing the answers.
func BenchmarkMatchCommand(b *testing.B) {
	if workloadDir == "" {
		b.Skip("benchmark workload not present")
	}
	args := []string{"match",
		"--indicators", filepath.Join(workloadDir, "indicators.json"),
		"--observations", filepath.Join(workloadDir, "observations.json")}
	for _, bc := range []struct {
		name  string
		extra []string
	}{{"PerObservation", nil}, {"WholeSet", []string{"--whole-set"}}} {
		b.Run(bc.name, func(b *testing.B) {
			e := &env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard}
			for b.Loop() {
				if err := run(context.Background(), e, append(args, bc.extra...)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
