package stix

import (
	"encoding/json"
	"path/filepath"
	"testing"
)

// BenchmarkRefUnmarshalMap is the yardstick for Parse: decoding the same
// indicator with encoding/json into a map, without any validation.
func BenchmarkRefUnmarshalMap(b *testing.B) {
	raw := MustReadFile(b, filepath.Join("valid", "indicator.json"))
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, start, b.N)
}

// BenchmarkRefParseJSON measures the strict JSON parser alone.
func BenchmarkRefParseJSON(b *testing.B) {
	raw := MustReadFile(b, filepath.Join("valid", "indicator.json"))
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		if _, err := parseJSON(raw); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, start, b.N)
}
