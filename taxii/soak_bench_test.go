package taxii_test

import (
	"context"
	"flag"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna/ingest"
	"github.com/kizuna-dev/kizuna/taxii"
)

var (
	soakClients  = flag.Int("taxii.soak.clients", 200, "concurrent clients of BenchmarkConcurrentClients")
	soakDuration = flag.Duration("taxii.soak.duration", time.Minute, "how long BenchmarkConcurrentClients runs")
)

// BenchmarkConcurrentClients runs many clients at once against one node for
// a fixed time: four in five requests read a page (objects or manifest, at a
// random added_after), one in five posts ten new objects. It reports the
// request rate, the latency p50/p99, the errors (any failed request), and
// the peak Go heap, sampled every 250 ms, to show memory stays bounded.
//
//	go test ./taxii -run '^$' -bench ConcurrentClients -benchtime 1x
func BenchmarkConcurrentClients(b *testing.B) {
	n := MustNode(b, taxii.Config{Workers: 2, QueueSize: 4096})
	ctx := context.Background()
	if res, err := n.ingester.Ingest(ingest.AsOperator(ctx), n.shared.ID, benchBatch(0, 10_000)); err != nil {
		b.Fatal(err)
	} else {
		for _, r := range res {
			if r.Err != nil {
				b.Fatal(r.Err)
			}
		}
	}
	var idBase atomic.Int64
	idBase.Store(50_000_000)
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

	for range b.N {
		var (
			requests, errs atomic.Int64
			mu             sync.Mutex
			latencies      []time.Duration
			firstErr       error
			peakHeap       uint64
		)
		stopSampling := make(chan struct{})
		sampled := make(chan struct{})
		go func() {
			defer close(sampled)
			t := time.NewTicker(250 * time.Millisecond)
			defer t.Stop()
			for {
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				peakHeap = max(peakHeap, ms.HeapInuse)
				select {
				case <-t.C:
				case <-stopSampling:
					return
				}
			}
		}()
		deadline := time.Now().Add(*soakDuration)
		var wg sync.WaitGroup
		for c := 0; c < *soakClients; c++ {
			wg.Add(1)
			go func(c int) {
				defer wg.Done()
				r := rand.New(rand.NewPCG(uint64(c), 7))
				reader, writer := n.client("jpn-reader"), n.client("usa-publisher")
				var mine []time.Duration
				for time.Now().Before(deadline) {
					t0 := time.Now()
					var err error
					if r.IntN(5) == 0 {
						base := int(idBase.Add(10)) - 10
						_, err = writer.AddObjects(ctx, n.shared.ID, benchBatch(base, 10))
					} else {
						q := taxii.ObjectQuery{Limit: 100, AddedAfter: start.Add(time.Duration(r.IntN(3600)) * time.Second)}
						if r.IntN(2) == 0 {
							q.Types = []string{"indicator"}
						}
						_, err = reader.GetObjects(ctx, n.shared.ID, q)
					}
					mine = append(mine, time.Since(t0))
					requests.Add(1)
					if err != nil {
						errs.Add(1)
						mu.Lock()
						if firstErr == nil {
							firstErr = err
						}
						mu.Unlock()
					}
				}
				mu.Lock()
				latencies = append(latencies, mine...)
				mu.Unlock()
			}(c)
		}
		wg.Wait()
		close(stopSampling)
		<-sampled
		slices.Sort(latencies)
		b.ReportMetric(float64(requests.Load())/soakDuration.Seconds(), "requests/s")
		b.ReportMetric(float64(errs.Load()), "errors")
		b.ReportMetric(ms(latencies[len(latencies)/2]), "p50-ms")
		b.ReportMetric(ms(latencies[len(latencies)*99/100]), "p99-ms")
		b.ReportMetric(float64(peakHeap)/(1<<20), "peak-heap-MB")
		if errs.Load() > 0 {
			b.Errorf("%d of %d requests failed; first: %v", errs.Load(), requests.Load(), firstErr)
		}
	}
}
