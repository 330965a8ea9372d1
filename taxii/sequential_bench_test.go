package taxii_test

import (
	"context"
	"encoding/json"
	"flag"
	"slices"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/taxii"
)

var (
	seqObjects = flag.Int("taxii.seq.objects", 100, "objects per envelope of BenchmarkSequentialClient")
	seqPoll    = flag.Duration("taxii.seq.poll", 200*time.Millisecond, "status poll interval of BenchmarkSequentialClient")
	seqWait    = flag.Duration("taxii.seq.wait", 0, "the node's SyncWait in BenchmarkSequentialClient (0: the default; negative: always answer pending)")
	seqSync    = flag.Int("taxii.seq.sync", 0, "the node's SyncObjects in BenchmarkSequentialClient (0: the default)")
)

// BenchmarkSequentialClient is one client posting envelopes one after
// another, each after the previous one is complete, as a script using the
// OASIS taxii2-client does with add_objects(wait_for_completion=True): when
// the POST answers pending, it sleeps a poll interval, reads the status,
// and again until the status is complete. It reports the objects stored per
// second, the share of POSTs answered with their final status, and the
// time from sending a POST to knowing its outcome (p50, p99).
//
//	go test ./taxii -run '^$' -bench SequentialClient -benchtime 200x
//	go test ./taxii -run '^$' -bench SequentialClient -benchtime 200x -args -taxii.seq.wait=-1ns
func BenchmarkSequentialClient(b *testing.B) {
	n := MustNode(b, taxii.Config{SyncWait: *seqWait, SyncObjects: *seqSync})
	c := n.client("usa-publisher")
	ctx := context.Background()
	envelopes := make([][]json.RawMessage, b.N)
	for i := range envelopes {
		envelopes[i] = benchBatch(benchIDBase, *seqObjects)
		benchIDBase += *seqObjects
	}
	latencies := make([]time.Duration, 0, b.N)
	final := 0
	b.ResetTimer()
	start := time.Now()
	for _, env := range envelopes {
		t0 := time.Now()
		st, err := c.AddObjects(ctx, n.shared.ID, env)
		if err != nil {
			b.Fatal(err)
		}
		if st.Status == kizuna.StatusComplete {
			final++
		}
		for st.Status != kizuna.StatusComplete {
			time.Sleep(*seqPoll)
			if st, err = c.Status(ctx, st.ID); err != nil {
				b.Fatal(err)
			}
		}
		if st.SuccessCount != len(env) {
			b.Fatalf("%d of %d objects stored: %+v", st.SuccessCount, len(env), st.Failures)
		}
		latencies = append(latencies, time.Since(t0))
	}
	elapsed := time.Since(start)
	slices.Sort(latencies)
	b.ReportMetric(float64(b.N**seqObjects)/elapsed.Seconds(), "objects/s")
	b.ReportMetric(float64(final)/float64(b.N), "final-share")
	b.ReportMetric(ms(latencies[len(latencies)/2]), "p50-ms")
	b.ReportMetric(ms(latencies[len(latencies)*99/100]), "p99-ms")
}
