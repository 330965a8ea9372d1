package stix

import (
	"bytes"
	"io"
	"path/filepath"
	"testing"
)

// BenchmarkParseIndicator parses and validates an indicator-sized object,
// including its canonical form and hash.
func BenchmarkParseIndicator(b *testing.B) {
	raw := MustReadFile(b, filepath.Join("valid", "indicator.json"))
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		if _, err := Parse(raw); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, start, b.N)
}

// BenchmarkParseFile parses a file SCO with a predefined extension and a
// deterministic id to check.
func BenchmarkParseFile(b *testing.B) {
	raw := MustReadFile(b, filepath.Join("valid", "file.json"))
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		if _, err := Parse(raw); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, start, b.N)
}

// BenchmarkCanonical canonicalises an indicator.
func BenchmarkCanonical(b *testing.B) {
	raw := MustReadFile(b, filepath.Join("valid", "indicator.json"))
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		if _, err := Canonical(raw); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, start, b.N)
}

// BenchmarkDecoder streams a bundle of 10,000 indicators.
func BenchmarkDecoder(b *testing.B) {
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, &bundleStream{n: 10000}); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	objects := 0
	start := cpuTime()
	for b.Loop() {
		d := NewDecoder(bytes.NewReader(data))
		for {
			_, err := d.Next()
			if err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
			objects++
		}
	}
	reportCPU(b, start, objects)
}
