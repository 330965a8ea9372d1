package main

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"time"
)

// synthMarkings are the markings synthetic objects cycle through: none (the
// collection default applies), TLP:CLEAR, TLP:GREEN and TLP:AMBER.
var synthMarkings = []string{
	"",
	`"object_marking_refs":["marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"],`,
	`"object_marking_refs":["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"],`,
	`"object_marking_refs":["marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"],`,
}

// writeSyntheticBundle writes a STIX bundle of n indicator-sized objects,
// streaming, so that benchmarks and crash tests can use bundles far larger
// than memory would like. The same seed gives the same bundle.
func writeSyntheticBundle(w io.Writer, n int, seed uint64) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	fmt.Fprintf(bw, `{"type":"bundle","id":"bundle--%s","objects":[`, synthUUID(r))
	for i := 0; i < n; i++ {
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.WriteByte('\n')
		created := base.Add(time.Duration(i) * time.Second).Format("2006-01-02T15:04:05.000Z")
		var pattern string
		switch i % 3 {
		case 0:
			pattern = fmt.Sprintf("[ipv4-addr:value = '%d.%d.%d.%d']", 1+r.IntN(223), r.IntN(256), r.IntN(256), 1+r.IntN(254))
		case 1:
			pattern = fmt.Sprintf("[domain-name:value = 'host%d.example%d.net']", i, r.IntN(1000))
		default:
			pattern = fmt.Sprintf("[file:hashes.'SHA-256' = '%016x%016x%016x%016x']", r.Uint64(), r.Uint64(), r.Uint64(), r.Uint64())
		}
		fmt.Fprintf(bw, `{"type":"indicator","spec_version":"2.1","id":"indicator--%s","created":"%s","modified":"%s",%s"name":"Synthetic indicator %d","indicator_types":["malicious-activity"],"pattern":"%s","pattern_type":"stix","valid_from":"%s"}`,
			synthUUID(r), created, created, synthMarkings[i%len(synthMarkings)], i, pattern, created)
	}
	bw.WriteString("\n]}\n")
	return bw.Flush()
}

// synthUUID returns a version 4 UUID drawn from r.
func synthUUID(r *rand.Rand) string {
	a, b := r.Uint64(), r.Uint64()
	return fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", a>>32, (a>>16)&0xffff, a&0x0fff, 0x8000|(b>>48)&0x3fff, b&0xffffffffffff)
}
