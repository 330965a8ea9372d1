package taxii_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/ingest"
	"github.com/kizuna-dev/kizuna/policy"
	"github.com/kizuna-dev/kizuna/store/storetest"
	"github.com/kizuna-dev/kizuna/taxii"
)

// benchObjects sets the size of the collection the filtered-query benchmark
// reads from: go test -bench FilteredQuery -args -taxii.objects=1000000
var benchObjects = flag.Int("taxii.objects", 100_000, "objects in the collection of BenchmarkFilteredQuery")

// benchDir, when set, keeps the databases of the read benchmarks under
// that directory (one per collection size) and reuses them on later runs,
// since loading 1,000,000 objects through the ingest service takes
// minutes: go test -bench FilteredQuery -args -taxii.objects=1000000
// -taxii.dbdir=/tmp/kizuna-taxii-bench.
var benchDir = flag.String("taxii.dbdir", "", "directory of the read benchmarks' databases, kept and reused")

// storeURL, when set, is a PostgreSQL database the nodes of these tests
// and benchmarks keep their store in, each in a schema of its own:
// go test -bench FilteredQuery -args -taxii.store=postgres://...
var storeURL = flag.String("taxii.store", "", "PostgreSQL URL of the nodes' stores (default: SQLite in their directories)")

// storeApp is the application_name of the nodes' PostgreSQL connections,
// by which storetest.ServerCPU finds their backends.
const storeApp = "kizuna-taxii-test"

// benchIDBase keeps the ids of successive benchmark runs apart.
var benchIDBase = 10_000_000

// BenchmarkPostIngest measures objects per second through POST .../objects/
// and the asynchronous ingest (validation, labels, SQLite), envelopes of
// 1,000 objects, until every status is complete.
func BenchmarkPostIngest(b *testing.B) {
	const perEnvelope = 1000
	n := MustNode(b, taxii.Config{Workers: 2, QueueSize: 256})
	c := n.client("usa-publisher")
	envelopes := make([][]json.RawMessage, b.N)
	for i := range envelopes {
		envelopes[i] = benchBatch(benchIDBase, perEnvelope)
		benchIDBase += perEnvelope
	}
	ctx := context.Background()
	b.ResetTimer()
	start := time.Now()
	ids := make([]string, b.N)
	for i, env := range envelopes {
		st, err := c.AddObjects(ctx, n.shared.ID, env)
		if err != nil {
			b.Fatal(err)
		}
		ids[i] = st.ID
	}
	for _, id := range ids {
		st, err := c.WaitStatus(ctx, id, 20*time.Millisecond)
		if err != nil || st.SuccessCount != perEnvelope {
			b.Fatalf("status %+v %v", st, err)
		}
	}
	elapsed := time.Since(start)
	b.ReportMetric(float64(b.N*perEnvelope)/elapsed.Seconds(), "objects/s")
}

// BenchmarkReadCollection measures objects per second paging through a
// whole 10,000-object collection with limit=1000.
func BenchmarkReadCollection(b *testing.B) {
	const total = 10_000
	n := benchNode(b, total)
	c := n.client("jpn-reader")
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		count := 0
		err := c.AllObjects(context.Background(), n.shared.ID, taxii.ObjectQuery{Limit: 1000}, func(p *taxii.ObjectsPage) error {
			count += len(p.Objects)
			return nil
		})
		if err != nil || count != total {
			b.Fatalf("read %d objects: %v", count, err)
		}
	}
	b.ReportMetric(float64(b.N*total)/time.Since(start).Seconds(), "objects/s")
}

// BenchmarkFilteredQuery measures the latency of one filtered page
// (match[type], added_after at a random point, limit=1000) over HTTP, from
// a collection of -taxii.objects objects (a quarter of them malware, the
// rest indicators), and reports p50, p99 and the CPU time of the process
// (node and in-process client) per page.
func BenchmarkFilteredQuery(b *testing.B) {
	n := benchNode(b, *benchObjects)
	marks := benchMarks(b, n)
	rng := rand.New(rand.NewPCG(1, 2))
	lat := make([]time.Duration, 0, b.N)
	objects := 0
	var body bytes.Buffer // reused: the client's reading is not the node's work
	hc := n.ts.Client()
	base := n.ts.URL + n.objectsPath() + "?limit=1000&match%5Btype%5D=indicator&added_after="
	// Collect and return to the system the garbage of loading and
	// sampling, so that the CPU figure is the pages' own work.
	debug.FreeOSMemory()
	var srv *storetest.ServerCPU
	if *storeURL != "" {
		srv = storetest.StartServerCPU(*storeURL, storeApp)
	}
	b.ResetTimer()
	cpu0 := cpuTime()
	for range b.N {
		after := marks[rng.IntN(max(1, len(marks)-2))]
		// The page is read whole but not decoded: the figure is the node's
		// latency, not the JSON decoder's of this client.
		req, _ := http.NewRequest("GET", base+url.QueryEscape(after.Format(time.RFC3339Nano)), nil)
		req.Header.Set("Accept", taxii.MediaTypeTAXII)
		req.SetBasicAuth("jpn-reader", n.tokens["jpn-reader"])
		start := time.Now()
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		body.Reset()
		_, err = io.Copy(&body, resp.Body)
		resp.Body.Close()
		lat = append(lat, time.Since(start))
		if err != nil || resp.StatusCode != 200 || resp.Header.Get("X-TAXII-Date-Added-First") == "" || body.Len() < 100_000 {
			b.Fatalf("page: status %d, %d bytes, %v", resp.StatusCode, body.Len(), err)
		}
		objects += bytes.Count(body.Bytes(), []byte(`"type":"indicator"`))
	}
	cpu := cpuSince(cpu0)
	b.StopTimer()
	b.ReportMetric(cpu.Seconds()*1000/float64(b.N), "cpu-ms/page")
	if srv != nil {
		d, err := srv.Since()
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(d.Seconds()*1000/float64(b.N), "server-cpu-ms/page")
	}
	b.ReportMetric(float64(objects)/float64(b.N), "objects/page")
	slices.Sort(lat)
	b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
	b.ReportMetric(ms(lat[min(len(lat)-1, len(lat)*99/100)]), "p99-ms")
}

// benchMarks returns the date_added of every 1,000th version of the
// shared collection, the points the filtered pages start from. They are
// read from the store directly, which is setup, not the path measured.
func benchMarks(b *testing.B, n *node) []time.Time {
	var marks []time.Time
	f := kizuna.ObjectFilter{Collection: n.shared.ID, Access: kizuna.AccessScope{Unrestricted: true}, Versions: kizuna.VersionMatch{All: true}}
	for i := 0; ; {
		p, err := n.db.FindObjects(context.Background(), f)
		if err != nil {
			b.Fatal(err)
		}
		for _, o := range p.Objects {
			if i%1000 == 0 {
				marks = append(marks, o.DateAdded)
			}
			i++
		}
		if !p.More {
			return marks
		}
		f.Next = p.Next
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// cpuTime returns the CPU time (user and system) the process has used: the
// node's and, since the client runs in the same process, the client's.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func cpuSince(t0 time.Duration) time.Duration { return cpuTime() - t0 }

// benchBatch returns count valid objects with ids from base: three
// indicators for each malware.
func benchBatch(base, count int) []json.RawMessage {
	v := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	out := make([]json.RawMessage, count)
	for i := range out {
		id := base + i
		if id%4 == 3 {
			out[i] = fmt.Appendf(nil, `{"type":"malware","spec_version":"2.1","id":"malware--%08d-0000-4000-8000-000000000000",`+
				`"created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","created_by_ref":%q,`+
				`"name":"family %d","is_family":true,"object_marking_refs":[%q]}`, id, orgUSA, id, policy.TLP2Clear)
			continue
		}
		out[i] = stixIndicator(id, v, orgUSA, policy.TLP2Clear)
	}
	return out
}

// Nodes preloaded for the read benchmarks, kept for the whole run: loading
// 100,000 objects takes longer than the benchmarks themselves.
var (
	benchMu    sync.Mutex
	benchNodes = map[int]*node{}
	benchDirs  []string
	benchClose []func() error
)

// benchNode returns a node whose shared collection holds count objects,
// loaded through the ingest service (parsing, validation, labels).
func benchNode(b *testing.B, count int) *node {
	b.Helper()
	benchMu.Lock()
	defer benchMu.Unlock()
	if n, ok := benchNodes[count]; ok {
		return n
	}
	if *benchDir != "" {
		n, err := reuseBenchNode(count)
		if err != nil {
			b.Fatal(err)
		}
		if n != nil {
			b.Logf("reusing %d objects in %s", count, *benchDir)
			benchNodes[count] = n
			return n
		}
	}
	dir, err := benchNodeDir(count)
	if err != nil {
		b.Fatal(err)
	}
	n, closeNode, err := openNode(dir, taxii.Config{})
	if err != nil {
		b.Fatal(err)
	}
	benchClose = append(benchClose, closeNode)
	ctx := ingest.AsOperator(context.Background())
	start := time.Now()
	for from := 0; from < count; from += 5000 {
		res, err := n.ingester.Ingest(ctx, n.shared.ID, benchBatch(from, min(5000, count-from)))
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range res {
			if r.Err != nil {
				b.Fatal(r.Err)
			}
		}
	}
	if *benchDir != "" {
		if err := saveBenchNode(dir, n, count); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("loaded %d objects in %v", count, time.Since(start))
	benchNodes[count] = n
	return n
}

// benchState is what a kept benchmark database needs besides itself: the
// shared collection, the principals' tokens (stored hashed) and how many
// objects were loaded, written once loading has finished.
type benchState struct {
	Objects int               `json:"objects"`
	Shared  string            `json:"shared"`
	Tokens  map[string]string `json:"tokens"`
}

// benchNodeDir returns a new directory for a benchmark node of count
// objects: under -taxii.dbdir (replacing an unfinished one) or temporary.
func benchNodeDir(count int) (string, error) {
	if *benchDir == "" {
		dir, err := os.MkdirTemp("", "kizuna-taxii-bench-")
		benchDirs = append(benchDirs, dir)
		return dir, err
	}
	dir := filepath.Join(*benchDir, fmt.Sprint(count))
	if err := os.RemoveAll(dir); err != nil {
		return "", err
	}
	return dir, os.MkdirAll(dir, 0o700)
}

// reuseBenchNode opens the kept node of count objects under -taxii.dbdir,
// or returns nil when there is none.
func reuseBenchNode(count int) (*node, error) {
	dir := filepath.Join(*benchDir, fmt.Sprint(count))
	data, err := os.ReadFile(filepath.Join(dir, "bench.json"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	var st benchState
	if err := json.Unmarshal(data, &st); err != nil || st.Objects != count {
		return nil, fmt.Errorf("%s: not a kept database of %d objects (%v); remove it", dir, count, err)
	}
	n, closeNode, err := wireNode(dir, taxii.Config{}, false)
	if err != nil {
		return nil, err
	}
	benchClose = append(benchClose, closeNode)
	if n.shared, err = n.db.FindCollectionByID(context.Background(), st.Shared); err != nil {
		return nil, err
	}
	n.tokens = st.Tokens
	return n, nil
}

// saveBenchNode records a loaded node for reuseBenchNode.
func saveBenchNode(dir string, n *node, count int) error {
	data, err := json.Marshal(benchState{Objects: count, Shared: n.shared.ID, Tokens: n.tokens})
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "bench.json"), data, 0o600)
}

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	for _, c := range benchClose {
		c()
	}
	for _, d := range benchDirs {
		os.RemoveAll(d)
	}
	for schema := range schemas {
		if err := execStore(context.Background(), `DROP SCHEMA IF EXISTS `+schema+` CASCADE`); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}
	os.Exit(code)
}
