// Package synth generates synthetic STIX indicators of a realistic size,
// the data of the import benchmarks and of the crash tests: the same seed
// gives the same objects.
package synth

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"time"
)

// markings are the markings the objects cycle through: none (the
// collection default applies), TLP:CLEAR, TLP:GREEN and TLP:AMBER.
var markings = []string{
	"",
	`"object_marking_refs":["marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"],`,
	`"object_marking_refs":["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"],`,
	`"object_marking_refs":["marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"],`,
}

// base is the created time of the first object; object i is i seconds
// later.
var base = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Generator draws the objects of one seed, in order.
type Generator struct {
	r *rand.Rand
	i int
}

// New returns the generator of seed.
func New(seed uint64) *Generator {
	return &Generator{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// UUID returns a version 4 UUID drawn from r.
func UUID(r *rand.Rand) string {
	a, b := r.Uint64(), r.Uint64()
	return fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", a>>32, (a>>16)&0xffff, a&0x0fff, 0x8000|(b>>48)&0x3fff, b&0xffffffffffff)
}

// Next appends the next indicator (about 450 bytes of JSON) to dst.
func (g *Generator) Next(dst []byte) []byte {
	i, r := g.i, g.r
	g.i++
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
	return fmt.Appendf(dst, `{"type":"indicator","spec_version":"2.1","id":"indicator--%s","created":"%s","modified":"%s",%s"name":"Synthetic indicator %d","indicator_types":["malicious-activity"],"pattern":"%s","pattern_type":"stix","valid_from":"%s"}`,
		UUID(r), created, created, markings[i%len(markings)], i, pattern, created)
}

// Bundle writes a STIX bundle of n indicators, streaming, so that it may
// be far larger than memory would like.
func Bundle(w io.Writer, n int, seed uint64) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	g := New(seed)
	fmt.Fprintf(bw, `{"type":"bundle","id":"bundle--%s","objects":[`, UUID(g.r))
	var buf []byte
	for i := 0; i < n; i++ {
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.WriteByte('\n')
		buf = g.Next(buf[:0])
		bw.Write(buf)
	}
	bw.WriteString("\n]}\n")
	return bw.Flush()
}
