package pattern

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"
)

// synth generates indicators and observations for the index benchmarks: an
// equality-heavy mix like real feeds (addresses, domains, hashes), with some
// CIDR, LIKE, MATCHES and observation expressions.
type synth struct{ r *rand.Rand }

func (s synth) ip() string {
	return fmt.Sprintf("%d.%d.%d.%d", 1+s.r.IntN(223), s.r.IntN(256), s.r.IntN(256), 1+s.r.IntN(254))
}

func (s synth) word(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('a' + s.r.IntN(26))
	}
	return string(b)
}

func (s synth) domain() string { return s.word(6) + "." + s.word(7) + ".example" }

func (s synth) hex(n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[s.r.IntN(16)]
	}
	return string(b)
}

func (s synth) pattern() string {
	switch k := s.r.IntN(100); {
	case k < 45:
		return fmt.Sprintf("[ipv4-addr:value = '%s']", s.ip())
	case k < 65:
		return fmt.Sprintf("[domain-name:value = '%s']", s.domain())
	case k < 75:
		return fmt.Sprintf("[file:hashes.'SHA-256' = '%s']", s.hex(64))
	case k < 83:
		return fmt.Sprintf("[file:hashes.MD5 = '%s']", s.hex(32))
	case k < 90:
		return fmt.Sprintf("[network-traffic:dst_ref.value = '%s' AND network-traffic:dst_port = %d]", s.ip(), 1+s.r.IntN(65535))
	case k < 94:
		return fmt.Sprintf("[ipv4-addr:value ISSUBSET '%s/%d']", s.ip(), 16+s.r.IntN(17))
	case k < 96:
		return fmt.Sprintf("[url:value LIKE 'http%%://%%.%s/%%']", s.domain())
	case k < 97:
		return fmt.Sprintf("[domain-name:value MATCHES '^[a-z]+\\\\.%s\\\\.example$']", s.word(7))
	case k < 98:
		return fmt.Sprintf("[ipv4-addr:value = '%s'] AND [file:hashes.MD5 = '%s']", s.ip(), s.hex(32))
	default:
		return fmt.Sprintf("([domain-name:value = '%s'] FOLLOWEDBY [network-traffic:dst_ref.value = '%s']) WITHIN 300 SECONDS", s.domain(), s.ip())
	}
}

// observation builds one observed-data like those of the shared workload.
func (s synth) observation(i int) *Observation {
	at := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second)
	o := &Observation{ID: fmt.Sprintf("observed-data--%d", i), First: at, Last: at, Count: 1, refs: map[string]int{}}
	add := func(ref, typ string, props map[string]any) {
		props["type"], props["id"] = typ, ref
		o.refs[ref] = len(o.Objects)
		o.Objects = append(o.Objects, ObservedObject{Ref: ref, Type: typ, Props: props})
	}
	switch s.r.IntN(4) {
	case 0:
		add("ipv4-addr--s", "ipv4-addr", map[string]any{"value": s.ip()})
		add("ipv4-addr--d", "ipv4-addr", map[string]any{"value": s.ip()})
		add("network-traffic--n", "network-traffic", map[string]any{"src_ref": "ipv4-addr--s", "dst_ref": "ipv4-addr--d", "dst_port": jsonInt(s.r.IntN(65536)), "protocols": []any{"ipv4", "tcp"}})
	case 1:
		add("domain-name--d", "domain-name", map[string]any{"value": s.domain(), "resolves_to_refs": []any{"ipv4-addr--r"}})
		add("ipv4-addr--r", "ipv4-addr", map[string]any{"value": s.ip()})
	case 2:
		add("file--f", "file", map[string]any{"name": s.word(8) + ".exe", "hashes": map[string]any{"MD5": s.hex(32), "SHA-256": s.hex(64)}})
	default:
		add("url--u", "url", map[string]any{"value": "http://" + s.domain() + "/" + s.word(6) + "/" + s.word(5)})
		add("ipv4-addr--a", "ipv4-addr", map[string]any{"value": s.ip()})
	}
	return o
}

func jsonInt(n int) any { return jsonNumberOf(n) }

var (
	benchOnce  sync.Map // size -> *benchIndex
	benchMemMu sync.Mutex
)

type benchIndex struct {
	ix    *Index
	obs   []*Observation
	bytes uint64
}

// MustBenchIndex builds (once per size) an index of n synthetic patterns and
// reports the heap it occupies.
func MustBenchIndex(tb testing.TB, n int) *benchIndex {
	tb.Helper()
	if v, ok := benchOnce.Load(n); ok {
		return v.(*benchIndex)
	}
	benchMemMu.Lock()
	defer benchMemMu.Unlock()
	s := synth{rand.New(rand.NewPCG(1, uint64(n)))}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	// The measured heap includes the pattern texts and indicator ids the
	// index keeps, as it would in a node.
	ix := NewIndex()
	for i := range n {
		src := s.pattern()
		p, err := Parse(src)
		if err != nil {
			tb.Fatalf("%s: %v", src, err)
		}
		ix.Add(fmt.Sprintf("indicator--%08x-0000-4000-8000-%012x", i, i), p)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	bi := &benchIndex{ix: ix, bytes: after.HeapAlloc - before.HeapAlloc}
	for i := range 4096 {
		bi.obs = append(bi.obs, s.observation(i))
	}
	benchOnce.Store(n, bi)
	return bi
}

func benchmarkMatchObservation(b *testing.B, n int) {
	bi := MustBenchIndex(b, n)
	b.ResetTimer()
	i := 0
	cpu := cpuSeconds()
	for b.Loop() {
		bi.ix.MatchObservation(bi.obs[i%len(bi.obs)])
		i++
	}
	b.ReportMetric(float64(i)/(cpuSeconds()-cpu), "obs/cpu-s")
	b.ReportMetric(float64(bi.bytes)/(1<<20), "index-MiB")
}

func BenchmarkMatchObservation100k(b *testing.B) { benchmarkMatchObservation(b, 100_000) }
func BenchmarkMatchObservation1M(b *testing.B)   { benchmarkMatchObservation(b, 1_000_000) }

// BenchmarkParse measures patterns parsed per second over the shared
// workload's 1,000 patterns.
func BenchmarkParse(b *testing.B) {
	w := MustLoadWorkload(b)
	srcs := make([]string, len(w.patterns))
	for i, p := range w.patterns {
		srcs[i] = p.String()
	}
	n, cpu := 0, cpuSeconds()
	for b.Loop() {
		for _, s := range srcs {
			if _, err := Parse(s); err != nil {
				b.Fatal(err)
			}
			n++
		}
	}
	b.ReportMetric(float64(n)/(cpuSeconds()-cpu), "patterns/cpu-s")
}

// BenchmarkWholeSet answers "which of the 1,000 indicators match anywhere in
// these 10,000 observations" on the shared workload.
func BenchmarkWholeSet(b *testing.B) {
	w := MustLoadWorkload(b)
	obs := MustParseObservations(b, w.all, V21)
	ix := w.index()
	b.ResetTimer()
	n, cpu := 0, cpuSeconds()
	for b.Loop() {
		if got := len(ix.MatchSet(obs)); got != 104 {
			b.Fatalf("%d patterns match, want 104", got)
		}
		n++
	}
	b.ReportMetric((cpuSeconds()-cpu)*1000/float64(n), "cpu-ms/op")
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(n), "wall-ms/op")
}

// BenchmarkWholeSetWithParse includes decoding the 8 MB of observations.
func BenchmarkWholeSetWithParse(b *testing.B) {
	w := MustLoadWorkload(b)
	ix := w.index()
	b.ResetTimer()
	for b.Loop() {
		obs := MustParseObservations(b, w.all, V21)
		ix.MatchSet(obs)
	}
}

// BenchmarkWorkloadPerObservation streams the workload's 10,000 observations
// through the index of its 1,000 indicators.
func BenchmarkWorkloadPerObservation(b *testing.B) {
	w := MustLoadWorkload(b)
	obs := MustParseObservations(b, w.all, V21)
	ix := w.index()
	b.ResetTimer()
	i := 0
	cpu := cpuSeconds()
	for b.Loop() {
		ix.MatchObservation(obs[i%len(obs)])
		i++
	}
	b.ReportMetric(float64(i)/(cpuSeconds()-cpu), "obs/cpu-s")
}

// cpuSeconds returns the process's user and system CPU time, so that rates
// can be reported per CPU-second: the machine is shared, and wall-clock
// rates would measure the neighbours as much as this code.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}
