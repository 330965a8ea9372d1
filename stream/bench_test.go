package stream_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/node/nodetest"
	"github.com/kizuna-dev/kizuna/policy"
	"github.com/kizuna-dev/kizuna/stream"
)

// BenchmarkStreamFanOut measures the events a node delivers per second to
// N subscribers while it ingests: each op is one version ingested (as the
// operator, in batches of 100) and delivered to every subscriber, half of
// them cleared for the half of the versions marked SECRET. events/s counts
// the events the subscribers received; CPU-µs/event is the CPU time of the
// whole process (the node, its store, ingest and the subscribers' clients)
// per event received, the steadier figure on a shared machine.
func BenchmarkStreamFanOut(b *testing.B) {
	for _, subscribers := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("subscribers=%d", subscribers), func(b *testing.B) {
			s := serve(b, nodetest.Options{}, stream.Options{MaxStreams: 1000, MaxPerPrincipal: 1000})
			n := s.Node
			coll := collection(b, n)
			secret := newID("marking-definition")
			ingestAll(b, n, "directory", classification(secret, map[string]any{"scheme": "USA", "level": "SECRET"}))
			cleared := principal(b, n, &kizuna.Principal{Name: "cleared", Nation: "USA", Clearances: []kizuna.Classification{{Scheme: "USA", Level: "SECRET"}}})
			public := principal(b, n, &kizuna.Principal{Name: "public", Nation: "USA"})
			last := newID("indicator")
			counts := make([]chan int, subscribers)
			for i := range subscribers {
				tok := public
				if i%2 == 0 {
					tok = cleared
				}
				counts[i] = countEvents(b, s.Base, tok, "collection="+coll, last)
			}
			at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			b.ResetTimer()
			start, cpu0 := time.Now(), cpuTime()
			for lo := 0; lo < b.N; lo += 100 {
				var raws []json.RawMessage
				for i := lo; i < min(b.N, lo+100); i++ {
					refs := []string{policy.TLP2Clear}
					if i%2 == 1 {
						refs = []string{secret}
					}
					raws = append(raws, indicator(newID("indicator"), at, refs, "", ""))
				}
				ingestAll(b, n, coll, raws...)
			}
			ingestAll(b, n, coll, indicator(last, at, []string{policy.TLP2Clear}, "", ""))
			total := 0
			for _, c := range counts {
				select {
				case k := <-c:
					total += k
				case <-time.After(5 * time.Minute):
					b.Fatal("a subscriber did not get the last event")
				}
			}
			b.ReportMetric(float64(total)/time.Since(start).Seconds(), "events/s")
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(total), "CPU-µs/event")
		})
	}
}

// cpuTime is the CPU time the process used so far (user and system, all
// threads): the node, its store and the subscribers' clients.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// countEvents reads a stream in the background and sends how many events
// it got once it gets the version of last.
func countEvents(tb testing.TB, base, token, query, last string) chan int {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+stream.Path+"?"+query, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		tb.Fatalf("stream: %v %v", err, resp)
	}
	tb.Cleanup(func() { cancel(); resp.Body.Close() })
	out := make(chan int, 1)
	go func() {
		rd := stream.NewReader(resp.Body)
		k := 0
		for {
			m, err := rd.Next()
			if err != nil {
				return
			}
			k++
			if strings.Contains(string(m.Data), last) {
				out <- k
				return
			}
		}
	}()
	return out
}
