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
	"github.com/kizuna-dev/kizuna/federation"
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
		waitStored(b, nodes[1], last, total)
		b.StopTimer()
		elapsed, cpu := time.Since(began), cpuTime()-cpuBefore
		stopProfile()
		stop()
		b.ReportMetric(float64(total)/elapsed.Seconds(), "objects/s")
		// Both nodes run in this process: objects per CPU-second of the
		// pair is the throughput a quiet two-core machine approaches, the
		// wall-clock figure above depends on how busy the machine is.
		b.ReportMetric(float64(total)/cpu.Seconds(), "objects/cpu-s")
	}
}

// waitStored waits until the node d has stored the object last and holds
// at least total indicators.
func waitStored(b *testing.B, d *demoNode, last string, total int) {
	b.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(d.dir, node.SQLiteFile)+"?mode=ro")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	began := time.Now()
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
			return
		}
		if time.Since(began) > 30*time.Minute {
			b.Fatal("catch-up did not finish in 30 minutes")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// BenchmarkFederationReceive measures the receiving side of a catch-up
// alone: the objects the USA node would push (KIZUNA_BENCH_CATCHUP of
// them, default 100,000), signed with its key before the timer starts,
// are posted to the JPN node with the USA node's credentials in batches
// of 500, four posted at a time, answered at once and each status polled
// every 20 ms, as the pusher does. The USA node serves but has nothing to
// push. The JPN node
// verifies, validates, labels and stores them; the process's CPU time is
// the receiver's, plus the posting client's (encoding the envelopes,
// polling the statuses). With each node on a machine of its own, the
// receiver's rate bounds the catch-up, unless the sender is slower.
func BenchmarkFederationReceive(b *testing.B) {
	total := 100_000
	if s := os.Getenv("KIZUNA_BENCH_CATCHUP"); s != "" {
		total, _ = strconv.Atoi(s)
	}
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		var first string
		var signed []json.RawMessage
		var pc *federation.PeerConfig
		nodes, stop := benchPair(b, func(n *cliNode) error {
			// One object goes by the pusher, with the meta objects it
			// needs (the creator), so that the peer holds them.
			obj := benchIndicator(total)
			var h struct{ ID string }
			json.Unmarshal(obj, &h)
			first = h.ID
			if _, err := n.Ingest.Ingest(ingest.AsOperator(ctx), node.DefaultAlias, []json.RawMessage{obj}); err != nil {
				return err
			}
			keys, err := n.Keys(ctx)
			if err != nil {
				return err
			}
			peers, err := federation.LoadPeers(ctx, n.State)
			if err != nil {
				return err
			}
			if pc = peers.Find("jpn"); pc == nil || len(pc.Collections) == 0 {
				return fmt.Errorf("the USA node has no peer jpn")
			}
			for k := range total {
				raw, err := federation.Sign(benchIndicator(k), n.Identity.ID, keys.Signing)
				if err != nil {
					return err
				}
				signed = append(signed, raw)
			}
			return nil
		})
		waitStored(b, nodes[1], first, 1)
		var h struct{ ID string }
		json.Unmarshal(signed[len(signed)-1], &h)
		c := &taxii.Client{APIRoot: pc.URL, Username: pc.Username, Token: pc.Token, HTTPClient: &http.Client{Timeout: time.Minute}, RespondAsync: true}
		began, cpuBefore := time.Now(), cpuTime()
		b.StartTimer()
		var posted []*taxii.StatusResource
		settle := func() {
			st, err := c.WaitStatus(ctx, posted[0].ID, 20*time.Millisecond)
			if err != nil {
				b.Fatal(err)
			}
			if st.FailureCount > 0 {
				b.Fatalf("the peer refused %d objects: %v", st.FailureCount, st.Failures[0])
			}
			posted = posted[1:]
		}
		for batch := range slices.Chunk(signed, 500) {
			if len(posted) == 4 {
				settle()
			}
			st, err := c.AddObjects(ctx, pc.Collections[0].Remote, batch)
			if err != nil {
				b.Fatal(err)
			}
			posted = append(posted, st)
		}
		for len(posted) > 0 {
			settle()
		}
		b.StopTimer()
		elapsed, cpu := time.Since(began), cpuTime()-cpuBefore
		waitStored(b, nodes[1], h.ID, total+1)
		stop()
		b.ReportMetric(float64(total)/elapsed.Seconds(), "objects/s")
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
