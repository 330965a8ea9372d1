package taxii_test

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
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
// request rate, the latency p50/p99, the errors (any failed request, and
// any posted object that was not stored), and the peak Go heap, sampled
// every 250 ms, to show memory stays bounded. Every POST comes from one
// publisher into one collection, so the envelopes are ingested in one lane,
// in order; a POST answers when its objects are stored, or after
// Config.SyncWait: the ingest backlog (envelopes accepted, not yet
// ingested; its peak sampled every 250 ms, and at the end), and how long
// the node took to clear it once the clients stopped, show whether ingest
// kept up.
//
//	go test ./taxii -run '^$' -bench ConcurrentClients -benchtime 1x
func BenchmarkConcurrentClients(b *testing.B) {
	n := MustNode(b, taxii.Config{}) // the defaults: 2 workers, a queue of 64
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
			statuses       []string
			firstErr       error
			peakHeap       uint64
			peakBacklog    int
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
				peakBacklog = max(peakBacklog, n.srv.IngestBacklog())
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
				var posted []string
				for time.Now().Before(deadline) {
					t0 := time.Now()
					var err error
					if r.IntN(5) == 0 {
						base := int(idBase.Add(10)) - 10
						var st *taxii.StatusResource
						if st, err = writer.AddObjects(ctx, n.shared.ID, benchBatch(base, 10)); err == nil {
							posted = append(posted, st.ID)
						}
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
				statuses = append(statuses, posted...)
				mu.Unlock()
			}(c)
		}
		wg.Wait()
		ended, backlogAtEnd := time.Now(), n.srv.IngestBacklog()
		for n.srv.IngestBacklog() > 0 {
			time.Sleep(time.Millisecond)
		}
		drained := time.Since(ended)
		failed := 0
		for _, id := range statuses {
			st, err := n.db.FindStatusByID(ctx, id)
			if err != nil {
				b.Fatal(err)
			}
			if st.Status != kizuna.StatusComplete || len(st.Successes) != st.Total {
				failed++
				if firstErr == nil {
					firstErr = fmt.Errorf("status %s (%s): %d of %d objects stored: %+v", id, st.Status, len(st.Successes), st.Total, st.Failures)
				}
			}
		}
		errs.Add(int64(failed))
		close(stopSampling)
		<-sampled
		slices.Sort(latencies)
		b.ReportMetric(float64(requests.Load())/soakDuration.Seconds(), "requests/s")
		b.ReportMetric(float64(errs.Load()), "errors")
		b.ReportMetric(ms(latencies[len(latencies)/2]), "p50-ms")
		b.ReportMetric(ms(latencies[len(latencies)*99/100]), "p99-ms")
		b.ReportMetric(float64(peakHeap)/(1<<20), "peak-heap-MB")
		b.ReportMetric(float64(peakBacklog), "peak-backlog")
		b.ReportMetric(float64(backlogAtEnd), "backlog-at-end")
		b.ReportMetric(ms(drained), "drain-ms")
		if errs.Load() > 0 {
			b.Errorf("%d of %d requests failed (POSTs whose objects were not all stored included); first: %v", errs.Load(), requests.Load(), firstErr)
		}
	}
}
