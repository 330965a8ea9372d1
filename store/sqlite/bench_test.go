package sqlite

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/store/storetest"
)

// benchRows is the size of the collection BenchmarkFindPage and
// BenchmarkExport read: go test -bench FindPage -args -rows=1000000.
var benchRows = flag.Int("rows", 100000, "rows in the collection of the read benchmarks")

// benchFile, when set, keeps the read benchmarks' database at that path and
// reuses it on later runs with the same -rows, since building a million
// rows takes a minute: go test -bench Find -args -benchdb=/tmp/k1m.db.
var benchFile = flag.String("benchdb", "", "database file of the read benchmarks, kept and reused")

// benchLabels are the distinct labels of the benchmark data; readers are
// allowed some of them.
var benchLabels = []*kizuna.AccessLabel{
	{TLP: kizuna.TLPClear},
	{TLP: kizuna.TLPGreen},
	{TLP: kizuna.TLPAmber, Releasable: true, ReleasableTo: []string{"JPN", "USA"}},
	{TLP: kizuna.TLPAmber, Classifications: []kizuna.Classification{{Scheme: "USA", Level: "SECRET"}}, Releasable: true, ReleasableTo: []string{"USA"}},
	{TLP: kizuna.TLPRed, Audience: []string{"identity--7d3a0c4e-7a57-4c8e-9f4b-2b0f0c1a9e01"}},
}

// benchRareLabel marks one object in a thousand: a reader allowed only
// this label sees 0.1 % of the collection.
var benchRareLabel = &kizuna.AccessLabel{TLP: kizuna.TLPRed, Audience: []string{"identity--0c4d3a7e-5f2b-4a1e-8c9d-6b7a8e9f0a1b"}}

// benchObject returns object n of the benchmark data: mostly indicators of
// a realistic size (about 700 bytes), some malware, SCOs and relationships,
// spread over the labels.
func benchObject(n int, version time.Time) *kizuna.Object {
	types := []string{"indicator", "indicator", "indicator", "indicator", "indicator", "indicator", "malware", "ipv4-addr", "ipv4-addr", "relationship"}
	typ := types[n%len(types)]
	id := fmt.Sprintf("%s--%08x-0000-4000-8000-%012x", typ, n>>12, n)
	created := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(n) * time.Second)
	raw := fmt.Sprintf(`{"type":%q,"spec_version":"2.1","id":%q,"created":%q,"modified":%q,`+
		`"created_by_ref":"identity--7d3a0c4e-7a57-4c8e-9f4b-2b0f0c1a9e01","name":"Malicious IP address %d",`+
		`"description":"Command and control server observed in the campaign against the energy sector; blocked at the perimeter of three operators.",`+
		`"indicator_types":["malicious-activity","attribution"],"pattern":"[ipv4-addr:value = '198.51.%d.%d'] OR [domain-name:value = 'c2-%d.example.net']",`+
		`"pattern_type":"stix","valid_from":%q,"kill_chain_phases":[{"kill_chain_name":"lockheed-martin-cyber-kill-chain","phase_name":"command-and-control"}],`+
		`"labels":["apt","critical-infrastructure"],"confidence":85,"object_marking_refs":["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"]}`,
		typ, id, created.Format(time.RFC3339), version.Format(time.RFC3339Nano), n, (n>>8)&255, n&255, n, created.Format(time.RFC3339))
	h := sha256.Sum256([]byte(raw))
	o := &kizuna.Object{
		ID: id, Type: typ, SpecVersion: "2.1", Created: created, Modified: version, Version: version,
		CreatedByRef: "identity--7d3a0c4e-7a57-4c8e-9f4b-2b0f0c1a9e01",
		MarkingRefs:  []string{"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"},
		Raw:          []byte(raw), Hash: hex.EncodeToString(h[:]),
		Label: benchLabels[(n/7)%len(benchLabels)],
	}
	if n%1000 == 998 { // one object in a thousand has a rare label
		o.Label = benchRareLabel
	}
	if typ == "ipv4-addr" {
		o.Created, o.Modified, o.Version = time.Time{}, time.Time{}, time.Time{}
	}
	return o
}

func BenchmarkPutObjects(b *testing.B) {
	db := MustOpen(b)
	defer db.Close()
	coll := storetest.MustCollection(b, db)
	const batch = 500
	version := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	n := 0
	objs := make([]*kizuna.Object, batch)
	cpu0 := cpuTime()
	var genCPU time.Duration // making the objects is not the store's work
	for b.Loop() {
		b.StopTimer()
		g0 := cpuTime()
		for i := range objs {
			objs[i] = benchObject(n, version)
			n++
		}
		genCPU += cpuSince(g0)
		b.StartTimer()
		rs, err := db.PutObjects(context.Background(), coll, objs)
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range rs {
			if r.Err != nil || !r.Created {
				b.Fatalf("put %s: %+v", r.ID, r)
			}
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "objects/s")
	b.ReportMetric((cpuSince(cpu0)-genCPU).Seconds()*1e6/float64(n), "cpu-µs/object")
}

// cpuTime returns the CPU time (user and system) the process has used. On a
// shared machine wall-clock figures vary with the load; CPU per object does
// much less.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func cpuSince(t0 time.Duration) time.Duration { return cpuTime() - t0 }

// benchDB returns a database holding *benchRows objects in one collection,
// a tenth of them with a second version, built once per process.
func benchDB(b *testing.B) (*DB, string) {
	b.Helper()
	if benchShared.db != nil && benchShared.rows == *benchRows {
		return benchShared.db, benchShared.coll
	}
	ctx := context.Background()
	path := *benchFile
	if path == "" {
		path = filepath.Join(b.TempDir(), "bench.db")
	}
	db, err := Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	if cs, err := db.FindCollections(ctx); err != nil {
		b.Fatal(err)
	} else if len(cs) == 1 && cs[0].Title == fmt.Sprintf("bench v2 %d", *benchRows) && benchCount(b, db) == *benchRows {
		benchShared.db, benchShared.coll, benchShared.rows = db, cs[0].ID, *benchRows
		return db, cs[0].ID
	} else if len(cs) > 0 {
		b.Fatalf("%s holds other data; remove it or pick another -benchdb", path)
	}
	c := &kizuna.Collection{Title: fmt.Sprintf("bench v2 %d", *benchRows)}
	if err := db.CreateCollection(ctx, c); err != nil {
		b.Fatal(err)
	}
	coll := c.ID
	v1 := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	v2 := v1.Add(24 * time.Hour)
	objs := make([]*kizuna.Object, 0, 1000)
	flush := func() {
		if _, err := db.PutObjects(ctx, coll, objs); err != nil {
			b.Fatal(err)
		}
		objs = objs[:0]
	}
	for i := 0; i < *benchRows; i++ {
		n := i
		version := v1
		if i%10 == 9 { // a new version of an earlier object
			n, version = i-5, v2
		}
		objs = append(objs, benchObject(n, version))
		if len(objs) == cap(objs) {
			flush()
		}
	}
	flush()
	benchShared.db, benchShared.coll, benchShared.rows = db, coll, *benchRows
	b.Cleanup(func() {}) // the database lives until the process ends
	return db, coll
}

// benchLabelID returns the stored id of a label.
func benchLabelID(b *testing.B, db *DB, l *kizuna.AccessLabel) int64 {
	ls, err := db.FindLabels(context.Background(), 0)
	if err != nil {
		b.Fatal(err)
	}
	for _, s := range ls {
		if reflect.DeepEqual(s.Label, *l) {
			return s.ID
		}
	}
	b.Fatalf("label %+v not stored", l)
	return 0
}

// benchCount returns the rows of the objects table.
func benchCount(b *testing.B, db *DB) int {
	var n int
	if err := db.read.QueryRow(`SELECT COUNT(*) FROM objects`).Scan(&n); err != nil {
		b.Fatal(err)
	}
	return n
}

var benchShared struct {
	db   *DB
	coll string
	rows int
}

// BenchmarkFindPage reads filtered pages of 1,000 from random positions of
// the collection and reports the latency percentiles.
func BenchmarkFindPage(b *testing.B) {
	db, coll := benchDB(b)
	first := storetest.MustFind(b, db, kizuna.ObjectFilter{Collection: coll, Access: kizuna.AccessScope{Unrestricted: true}, Limit: 1, Versions: kizuna.VersionMatch{All: true}})
	start := first.Objects[0].DateAdded
	scope := kizuna.AccessScope{LabelIDs: []int64{1, 2, 3}} // three of the five labels
	rare := kizuna.AccessScope{LabelIDs: []int64{benchLabelID(b, db, benchRareLabel)}}
	ids := make([]string, 100)
	for i := range ids {
		ids[i] = benchObject(rand.IntN(*benchRows), time.Time{}).ID
	}
	for _, tc := range []struct {
		name string
		f    kizuna.ObjectFilter
	}{
		{"type+scope+last", kizuna.ObjectFilter{Types: []string{"indicator"}, Access: scope}},
		{"types+scope+last", kizuna.ObjectFilter{Types: []string{"indicator", "malware"}, Access: scope}},
		{"type+narrow-scope+last", kizuna.ObjectFilter{Types: []string{"indicator"}, Access: kizuna.AccessScope{LabelIDs: []int64{4}}}},
		{"rare-scope+last", kizuna.ObjectFilter{Access: rare}},
		{"empty-scope", kizuna.ObjectFilter{Access: kizuna.AccessScope{LabelIDs: []int64{1 << 40}}}},
		{"scope+all", kizuna.ObjectFilter{Access: scope, Versions: kizuna.VersionMatch{All: true}}},
		{"scope+last+raw", kizuna.ObjectFilter{Access: scope, IncludeRaw: true}},
		{"ids100+scope", kizuna.ObjectFilter{IDs: ids, Access: scope}},
	} {
		b.Run(fmt.Sprintf("%s/rows=%d", tc.name, *benchRows), func(b *testing.B) {
			f := tc.f
			f.Collection, f.Limit = coll, 1000
			var lat []time.Duration
			got := 0
			cpu0 := cpuTime()
			for b.Loop() {
				// Start anywhere in the first 90% of the collection, so
				// that a full page follows.
				after := start.Add(time.Duration(rand.IntN(*benchRows*9/10)) * time.Microsecond)
				f.AddedAfter = &after
				t0 := time.Now()
				p, err := db.FindObjects(context.Background(), f)
				lat = append(lat, time.Since(t0))
				if err != nil {
					b.Fatal(err)
				}
				got += len(p.Objects)
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(got)/float64(len(lat)), "objects/page")
			b.ReportMetric(cpuSince(cpu0).Seconds()*1000/float64(len(lat)), "cpu-ms/page")
		})
	}
}

// BenchmarkExport reads the whole collection, every version with its raw
// JSON, in pages of MaxPageSize, as an operator's export does.
func BenchmarkExport(b *testing.B) {
	db, coll := benchDB(b)
	total := 0
	cpu0 := cpuTime()
	for b.Loop() {
		f := kizuna.ObjectFilter{Collection: coll, Access: kizuna.AccessScope{Unrestricted: true},
			Versions: kizuna.VersionMatch{All: true}, IncludeRaw: true}
		for {
			p, err := db.FindObjects(context.Background(), f)
			if err != nil {
				b.Fatal(err)
			}
			total += len(p.Objects)
			if !p.More {
				break
			}
			f.Next = p.Next
		}
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "objects/s")
	b.ReportMetric(cpuSince(cpu0).Seconds()*1e6/float64(total), "cpu-µs/object")
}
