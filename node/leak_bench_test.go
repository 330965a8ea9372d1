package node_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime/metrics"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
)

var (
	leakRows = flag.Int("leak.rows", 100_000, "objects in the store BenchmarkLeakPage reads (or KIZUNA_LEAK_ROWS)")
	leakDir  = flag.String("leak.dir", "", "data directory BenchmarkLeakPage builds once and reuses (default: under the system temp dir)")
)

// BenchmarkLeakPage measures the cost of access filtering on a filtered
// TAXII page: limit 1,000, match[type]=indicator, added_after in the middle
// of a collection of mixed markings (see leakBenchObject). Each iteration
// reads the same page twice, in alternating order, so that both halves see
// the same machine load:
//
//   - http: over HTTP as a reader who sees about 60% of the objects (the
//     guard filters in the query, checks each object and redacts a portion)
//     and as a reader who sees everything;
//   - guard: the same through the guard in-process, against the store's
//     query with filtering off (AccessScope{Unrestricted: true});
//   - guard-all: the guard for the reader who sees everything, against
//     the store's query with filtering off;
//   - guard-unclassified: the guard for a reader who may see no
//     classified object, whose reads are not audited;
//   - store: the store's query with the reader's scope (label_id IN ...)
//     against the same query with filtering off.
//
// It reports p50 and p99 of each, objects per second, and the ratio of the
// filtered p99 to the unfiltered one.
func BenchmarkLeakPage(b *testing.B) {
	l, info := leakBenchNode(b)
	ctx := context.Background()
	reader, err := l.n.Store.FindPrincipalByName(ctx, leakBenchReader)
	if err != nil {
		b.Fatal(err)
	}
	rctx := kizuna.NewContextWithPrincipal(ctx, reader)
	scope, err := l.n.Guard.Scope(rctx)
	if err != nil {
		b.Fatal(err)
	}
	filter := func(i int) kizuna.ObjectFilter {
		after := info.Cuts[len(info.Cuts)/4+i%(len(info.Cuts)/2)]
		return kizuna.ObjectFilter{Collection: info.Collection, Types: []string{"indicator"}, AddedAfter: &after,
			Limit: 1000, IncludeRaw: true, Versions: kizuna.VersionMatch{Last: true}}
	}
	unrestricted := func(i int) int {
		f := filter(i)
		f.Access = kizuna.AccessScope{Unrestricted: true}
		page, err := l.n.Store.FindObjects(ctx, f)
		if err != nil {
			b.Fatal(err)
		}
		return len(page.Objects)
	}
	// The client shares the process, and so its garbage collector, with
	// the node: it reads each answer into one reused buffer and counts its
	// objects without decoding them, so that what it costs is no part of
	// the figures.
	var body bytes.Buffer
	httpPage := func(name, token string) func(int) int {
		return func(i int) int {
			after := info.Cuts[len(info.Cuts)/4+i%(len(info.Cuts)/2)].Format("2006-01-02T15:04:05.000000Z")
			req, err := http.NewRequest(http.MethodGet, l.base+"/taxii2/api/collections/"+info.Collection+"/objects/?match%5Btype%5D=indicator&limit=1000&added_after="+after, nil)
			if err != nil {
				b.Fatal(err)
			}
			req.Header.Set("Accept", "application/taxii+json;version=2.1")
			req.SetBasicAuth(name, token)
			resp, err := l.client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			body.Reset()
			_, err = body.ReadFrom(resp.Body)
			resp.Body.Close()
			if err != nil {
				b.Fatal(err)
			}
			if resp.StatusCode != http.StatusOK {
				b.Fatalf("%s: %d %s", name, resp.StatusCode, body.Bytes())
			}
			return bytes.Count(body.Bytes(), []byte(`"spec_version":"2.1"`))
		}
	}
	b.Run("http", func(b *testing.B) {
		leakPair(b, httpPage(leakBenchReader, info.ReaderToken), httpPage(leakBenchAll, info.AllToken))
	})
	b.Run("guard", func(b *testing.B) {
		leakPair(b, func(i int) int {
			page, err := l.n.Guard.FindObjects(rctx, filter(i))
			if err != nil {
				b.Fatal(err)
			}
			return len(page.Objects)
		}, unrestricted)
	})
	// The guard for the reader who sees everything: what the guard costs
	// besides filtering (its per-object decision, the audit of classified
	// reads, the collection lookup).
	all, err := l.n.Store.FindPrincipalByName(ctx, leakBenchAll)
	if err != nil {
		b.Fatal(err)
	}
	actx := kizuna.NewContextWithPrincipal(ctx, all)
	b.Run("guard-all", func(b *testing.B) {
		leakPair(b, func(i int) int {
			page, err := l.n.Guard.FindObjects(actx, filter(i))
			if err != nil {
				b.Fatal(err)
			}
			return len(page.Objects)
		}, unrestricted)
	})
	// The guard for a reader who sees no classified object (40% of the
	// objects: TLP and the energy community): no read of it is audited, so
	// no read writes to the database.
	uctx := kizuna.NewContextWithPrincipal(ctx, &kizuna.Principal{
		ID: "principal--5b0e2c1d-7a3f-4e9b-8c6d-1f2a3b4c5d6e", Name: "leak-bench-unclassified",
		Organization: leakOther, Nation: "JPN", Communities: []string{"energy"}, Roles: []string{kizuna.RoleReader}})
	b.Run("guard-unclassified", func(b *testing.B) {
		leakPair(b, func(i int) int {
			page, err := l.n.Guard.FindObjects(uctx, filter(i))
			if err != nil {
				b.Fatal(err)
			}
			return len(page.Objects)
		}, unrestricted)
	})
	b.Run("store", func(b *testing.B) {
		leakPair(b, func(i int) int {
			f := filter(i)
			f.Access = scope
			page, err := l.n.Store.FindObjects(ctx, f)
			if err != nil {
				b.Fatal(err)
			}
			return len(page.Objects)
		}, unrestricted)
	})
}

// leakPair times filtered and unfiltered reads alternately and reports
// their latencies, throughputs and the CPU time each read costs the process
// (client and server alike, over HTTP). Wall-clock latencies include the
// waits of a loaded machine; CPU time does not, so the ratio of CPU times
// is the steadier measure of what filtering costs.
func leakPair(b *testing.B, filtered, unfiltered func(i int) int) {
	var tf, tu []time.Duration
	var nf, nu int
	var cf, cu time.Duration
	// The first reads of a freshly started node fill its caches (the
	// database's pages, prepared statements, the guard's labels); they
	// are read first, untimed, so that the figures are of a node in service.
	for i := range leakWarmUp {
		filtered(i)
		unfiltered(i)
	}
	i, gc := 0, leakGCCPU()
	for b.Loop() {
		for k := 0; k < 2; k++ {
			start, cpu := time.Now(), leakCPU()
			if (i+k)%2 == 0 {
				if nf += filtered(i); nf == 0 {
					b.Fatal("the filtered page is empty")
				}
				tf = append(tf, time.Since(start))
				cf += leakCPU() - cpu
			} else {
				nu += unfiltered(i)
				tu = append(tu, time.Since(start))
				cu += leakCPU() - cpu
			}
		}
		i++
	}
	gc = leakGCCPU() - gc
	pf50, pf99, sf := leakPercentiles(tf)
	pu50, pu99, su := leakPercentiles(tu)
	b.ReportMetric(pf50, "filtered-p50-ms")
	b.ReportMetric(pf99, "filtered-p99-ms")
	b.ReportMetric(pu50, "unfiltered-p50-ms")
	b.ReportMetric(pu99, "unfiltered-p99-ms")
	b.ReportMetric(pf99/pu99, "p99-ratio")
	b.ReportMetric(float64(nf)/sf, "filtered-objects/s")
	b.ReportMetric(float64(nu)/su, "unfiltered-objects/s")
	if len(tf) > 0 && len(tu) > 0 {
		f, u := cf.Seconds()*1000/float64(len(tf)), cu.Seconds()*1000/float64(len(tu))
		b.ReportMetric(f, "filtered-cpu-ms/page")
		b.ReportMetric(u, "unfiltered-cpu-ms/page")
		b.ReportMetric(f/u, "cpu-ratio")
		// The garbage collector's share of that CPU time, both sides
		// together: it runs beside the reads, and a read it overlaps
		// takes longer.
		b.ReportMetric(gc.Seconds()*1000/float64(len(tf)+len(tu)), "gc-cpu-ms/page")
	}
	b.ReportMetric(0, "ns/op") // two reads per op: the metrics above say more
}

// leakWarmUp is how many pages each side of leakPair reads before it
// starts timing.
const leakWarmUp = 8

// leakCPU is the CPU time the process has used so far.
func leakCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// leakGCCPU is the CPU time the garbage collector has used so far, as the
// runtime estimates it.
func leakGCCPU() time.Duration {
	s := []metrics.Sample{{Name: "/cpu/classes/gc/total:cpu-seconds"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindFloat64 {
		return 0
	}
	return time.Duration(s[0].Value.Float64() * float64(time.Second))
}

// leakPercentiles returns p50 and p99 in milliseconds and the total in
// seconds.
func leakPercentiles(d []time.Duration) (p50, p99, total float64) {
	if len(d) == 0 {
		return 0, 0, 1
	}
	s := slices.Clone(d)
	slices.Sort(s)
	for _, x := range s {
		total += x.Seconds()
	}
	at := func(q float64) float64 {
		return float64(s[min(len(s)-1, int(q*float64(len(s))))].Microseconds()) / 1000
	}
	return at(0.50), at(0.99), total
}

// leakBenchInfo describes a built benchmark data directory.
type leakBenchInfo struct {
	Rows        int         `json:"rows"`
	Collection  string      `json:"collection"`
	ReaderToken string      `json:"reader_token"`
	AllToken    string      `json:"all_token"`
	Cuts        []time.Time `json:"cuts"` // date_added at every 1/64 of the rows
}

const (
	leakBenchReader = "leak-bench-reader"
	leakBenchAll    = "leak-bench-all"
	leakBenchInfoFn = "leak-bench.json"
)

// leakBenchNode serves the benchmark's data directory, building it first
// when it does not hold a complete build of the asked size.
func leakBenchNode(b *testing.B) (*leakNode, leakBenchInfo) {
	b.Helper()
	rows := *leakRows
	if v := os.Getenv("KIZUNA_LEAK_ROWS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 64*1000 {
			b.Fatalf("KIZUNA_LEAK_ROWS=%q: want a number of at least 64000", v)
		}
		rows = n
	}
	dir := *leakDir
	if dir == "" {
		dir = filepath.Join(os.TempDir(), fmt.Sprintf("kizuna-leak-bench-%d", rows))
	}
	var info leakBenchInfo
	if raw, err := os.ReadFile(filepath.Join(dir, leakBenchInfoFn)); err == nil && json.Unmarshal(raw, &info) == nil && info.Rows == rows {
		return startLeakNode(b, dir, ""), info
	}
	if err := os.RemoveAll(dir); err != nil { // an incomplete build
		b.Fatal(err)
	}
	start := time.Now()
	l := startLeakNode(b, dir, "")
	info, err := leakBuild(l, rows)
	if err != nil {
		b.Fatal(err)
	}
	raw, _ := json.Marshal(info)
	if err := os.WriteFile(filepath.Join(dir, leakBenchInfoFn), raw, 0o600); err != nil {
		b.Fatal(err)
	}
	b.Logf("built %d objects in %s in %s", rows, dir, time.Since(start).Round(time.Second))
	return l, info
}
