package feed

import (
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
)

var benchN = flag.Int("feed.n", 1_000_000, "indicators the export benchmarks generate")

// synthetic streams n indicators, made one at a time as a store's pages
// would hand them over: 40 % IPv4 addresses, 10 % IPv6 addresses and
// networks, 30 % domains, 10 % URLs and 10 % SHA-256 hashes, under three
// markings. kind, when not "", makes every indicator of that kind.
func synthetic(n int, kind string) Objects {
	labels := []*kizuna.AccessLabel{testLabels["green"], testLabels["amber"], testLabels["secret"]}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return func(yield func(*kizuna.Object, error) bool) {
		for i := 0; i < n; i++ {
			k := kind
			if k == "" {
				k = [10]string{"ipv4", "ipv4", "ipv4", "ipv4", "ipv6", "domain", "domain", "domain", "url", "sha256"}[i%10]
			}
			var p string
			switch k {
			case "ipv4":
				p = fmt.Sprintf("[ipv4-addr:value = '%d.%d.%d.%d']", 10+i>>24&63, i>>16&255, i>>8&255, i&255)
			case "ipv6":
				p = fmt.Sprintf("[ipv6-addr:value ISSUBSET '2001:db8:%x:%x::/64']", i>>16, i&0xffff)
			case "domain":
				p = "[domain-name:value = 'host-" + strconv.Itoa(i) + ".example']"
			case "url":
				p = "[url:value = 'http://dl-" + strconv.Itoa(i%5000) + ".example/p/" + strconv.Itoa(i) + "?x=1']"
			default:
				p = fmt.Sprintf("[file:hashes.'SHA-256' = '%064x']", uint64(i)*0x9e3779b97f4a7c15)
			}
			id := fmt.Sprintf("indicator--%08x-0000-4000-8000-%012x", i, i)
			v := t0.Add(time.Duration(i) * time.Millisecond)
			raw := `{"type":"indicator","spec_version":"2.1","id":"` + id + `","created":"2026-01-01T00:00:00.000Z","modified":"` +
				v.Format("2006-01-02T15:04:05.000Z") + `","name":"synthetic ` + strconv.Itoa(i) + `","pattern":"` + p +
				`","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}`
			l := i % 3
			o := &kizuna.Object{ID: id, Type: "indicator", SpecVersion: "2.1", Version: v, DateAdded: v, Raw: []byte(raw),
				Label: labels[l], LabelID: int64(l + 1)}
			if !yield(o, nil) {
				return
			}
		}
	}
}

// peakHeap samples the bytes of live and not yet swept heap objects until
// stop is called, and returns the largest sample.
func peakHeap() (stop func() uint64) {
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		// runtime/metrics reads the heap without stopping the world, as
		// runtime.ReadMemStats would every time.
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		for {
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	return func() uint64 { close(done); wg.Wait(); return peak.Load() }
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// benchExport runs an export of n synthetic indicators per iteration and
// reports indicators per second (wall and CPU) and the peak heap.
func benchExport(b *testing.B, kind string, export func(Objects) (int, error)) {
	n := *benchN
	runtime.GC()
	stop := peakHeap()
	cpu := cpuSeconds()
	b.ResetTimer()
	entries := 0
	for i := 0; i < b.N; i++ {
		e, err := export(synthetic(n, kind))
		if err != nil {
			b.Fatal(err)
		}
		entries = e
	}
	b.StopTimer()
	peak := stop()
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "indicators/s")
	b.ReportMetric(float64(n*b.N)/(cpuSeconds()-cpu), "indicators/cpu-s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(entries), "entries")
}

// BenchmarkSyntheticStream measures the generator alone, to subtract.
func BenchmarkSyntheticStream(b *testing.B) {
	benchExport(b, "", func(objs Objects) (int, error) {
		n := 0
		for range objs {
			n++
		}
		return n, nil
	})
}

func BenchmarkSuricataRules(b *testing.B) {
	benchExport(b, "", func(objs Objects) (int, error) {
		set, err := WriteRules(io.Discard, objs, RuleOptions{})
		if err != nil {
			return 0, err
		}
		for _, l := range set.Lists {
			l.WriteTo(io.Discard)
		}
		return set.Report.Entries, nil
	})
}

func BenchmarkBlocklistIPv4(b *testing.B) {
	benchExport(b, "ipv4", func(objs Objects) (int, error) {
		r, err := WriteBlocklist(io.Discard, objs, ListIPv4, Options{})
		if err != nil {
			return 0, err
		}
		return r.Entries, nil
	})
}

func BenchmarkBlocklistDomain(b *testing.B) {
	benchExport(b, "domain", func(objs Objects) (int, error) {
		r, err := WriteBlocklist(io.Discard, objs, ListDomain, Options{})
		if err != nil {
			return 0, err
		}
		return r.Entries, nil
	})
}
