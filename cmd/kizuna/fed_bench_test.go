package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/ingest"
	"github.com/kizuna-dev/kizuna/node"
	"github.com/kizuna-dev/kizuna/taxii"
)

// benchPair prepares a USA and a JPN node peered with each other (the
// demo's configuration), runs preload on the USA node's store before it
// serves, and serves both in this process. It returns the nodes and a
// function that stops them.
func benchPair(b *testing.B, preload func(n *cliNode) error) ([]*demoNode, func()) {
	b.Helper()
	ctx := context.Background()
	nodes := demoNodes()[:2]
	for _, d := range nodes {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		d.ln = ln
	}
	if err := prepareDemo(ctx, b.TempDir(), nodes); err != nil {
		b.Fatal(err)
	}
	if preload != nil {
		n, err := openNode(ctx, node.Config{Dir: nodes[0].dir})
		if err != nil {
			b.Fatal(err)
		}
		err = preload(n)
		n.Close()
		if err != nil {
			b.Fatal(err)
		}
	}
	sctx, stop := context.WithCancel(ctx)
	done := make(chan error, len(nodes))
	for _, d := range nodes {
		cfg := serveConfig{Data: d.dir, Listen: d.ln.Addr().String(), ServeConfig: node.ServeConfig{MaxContentLength: 10 << 20, MaxPageSize: 1000}}
		go func() {
			done <- serve(sctx, &env{stdout: io.Discard, stderr: io.Discard}, cfg, d.ln, slog.New(slog.DiscardHandler))
		}()
	}
	for _, d := range nodes {
		if err := waitHealthy(ctx, d); err != nil {
			b.Fatal(err)
		}
	}
	return nodes, func() {
		stop()
		for range nodes {
			<-done
		}
	}
}

// benchIndicator is a TLP:GREEN indicator of the USA sample organisation.
func benchIndicator(i int) json.RawMessage {
	b, _ := json.Marshal(map[string]any{"type": "indicator", "spec_version": "2.1", "id": "indicator--" + kizuna.NewUUID(),
		"created": "2026-11-01T00:00:00.000Z", "modified": "2026-11-01T00:00:00.000Z", "created_by_ref": sampleUSOrg,
		"name": fmt.Sprintf("benchmark indicator %d", i), "pattern": fmt.Sprintf("[ipv4-addr:value = '10.%d.%d.%d']", i>>16&255, i>>8&255, i&255),
		"pattern_type": "stix", "valid_from": "2026-11-01T00:00:00Z",
		"object_marking_refs": []string{"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"}})
	return b
}

// BenchmarkFederationLatency measures publish-to-readable latency: from the
// POST of one object on the USA node until the JPN node's analyst can read
// it by id (polled every 5 ms). It reports the p50 and p99 in ms.
func BenchmarkFederationLatency(b *testing.B) {
	nodes, stop := benchPair(b, nil)
	defer stop()
	usa, jpn := nodes[0], nodes[1]
	pub := &taxii.Client{APIRoot: usa.url(), Token: usa.reader("publisher").Token}
	reader := jpn.reader("jpn-analyst").Token
	hc := &http.Client{Timeout: 10 * time.Second}
	ctx := context.Background()
	var lat []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		obj := benchIndicator(i)
		var h struct{ ID string }
		json.Unmarshal(obj, &h)
		start := time.Now()
		if _, err := pub.AddObjects(ctx, node.DefaultAlias, []json.RawMessage{obj}); err != nil {
			b.Fatal(err)
		}
		for {
			req, _ := http.NewRequest(http.MethodGet, jpn.url()+"collections/default/objects/"+h.ID+"/", nil)
			req.Header.Set("Accept", taxii.MediaTypeTAXII)
			req.Header.Set("Authorization", "Bearer "+reader)
			resp, err := hc.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
			if time.Since(start) > 30*time.Second {
				b.Fatalf("object %s not readable on the peer after 30 s", h.ID)
			}
			time.Sleep(5 * time.Millisecond)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*9/10].Microseconds())/1000, "p90-ms")
	b.ReportMetric(float64(lat[min(len(lat)-1, len(lat)*99/100)].Microseconds())/1000, "p99-ms")
}

// BenchmarkFederationCatchUp measures catch-up after an outage: the USA
// node holds objects its peer has never received (KIZUNA_BENCH_CATCHUP of
// them, default 100,000), then both start; the time until the JPN node has
// stored all of them gives the catch-up throughput in objects/s. Run it
// with -benchtime=1x.
func BenchmarkFederationCatchUp(b *testing.B) {
	total := 100_000
	if s := os.Getenv("KIZUNA_BENCH_CATCHUP"); s != "" {
		total, _ = strconv.Atoi(s)
	}
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		var last string // the id of the object added last
		nodes, stop := benchPair(b, func(n *cliNode) error {
			svc := n.Ingest
			ctx := ingest.AsOperator(context.Background())
			for start := 0; start < total; start += 1000 {
				batch := make([]json.RawMessage, 0, 1000)
				for k := start; k < min(start+1000, total); k++ {
					batch = append(batch, benchIndicator(k))
				}
				var h struct{ ID string }
				json.Unmarshal(batch[len(batch)-1], &h)
				last = h.ID
				if _, err := svc.Ingest(ctx, node.DefaultAlias, batch); err != nil {
					return err
				}
			}
			return nil
		})
		stopProfile := func() {}
		if f := os.Getenv("KIZUNA_BENCH_CPUPROFILE"); f != "" {
			// A profile of the catch-up alone, without the preload.
			stopProfile = profileCPU(b, f)
		}
		began, cpuBefore := time.Now(), cpuTime()
		b.StartTimer()
		db, err := sql.Open("sqlite", "file:"+filepath.Join(nodes[1].dir, node.SQLiteFile)+"?mode=ro")
		if err != nil {
			b.Fatal(err)
		}
		for {
			// Counting is a scan of the growing table: it runs once the
			// object added last is there, so that the waiting costs the
			// measured process little CPU. Whether it arrived last or not,
			// the count decides.
			var n int
			err := db.QueryRow(`SELECT count(*) FROM objects WHERE collection IN (SELECT seq FROM collections) AND id = ?`, last).Scan(&n)
			if err == nil && n > 0 {
				err = db.QueryRow(`SELECT count(*) FROM objects WHERE type = 'indicator'`).Scan(&n)
			}
			if err == nil && n >= total {
				break
			}
			if time.Since(began) > 30*time.Minute {
				b.Fatal("catch-up did not finish in 30 minutes")
			}
			time.Sleep(100 * time.Millisecond)
		}
		b.StopTimer()
		elapsed, cpu := time.Since(began), cpuTime()-cpuBefore
		stopProfile()
		db.Close()
		stop()
		b.ReportMetric(float64(total)/elapsed.Seconds(), "objects/s")
		// Both nodes run in this process: objects per CPU-second of the
		// pair is the throughput a quiet two-core machine approaches, the
		// wall-clock figure above depends on how busy the machine is.
		b.ReportMetric(float64(total)/cpu.Seconds(), "objects/cpu-s")
	}
}

// profileCPU writes a CPU profile to file until the returned function is
// called.
func profileCPU(b *testing.B, file string) func() {
	f, err := os.Create(file)
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		b.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

// cpuTime returns the CPU time (user and system) this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
