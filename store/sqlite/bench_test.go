package sqlite

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
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
			objs[i] = storetest.BenchObject(n, version)
			n++
		}
		genCPU += cpuSince(g0)
		b.StartTimer()
		storetest.MustPutNew(b, db, coll, objs)
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
		objs = append(objs, storetest.BenchObject(n, version))
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
	rare := kizuna.AccessScope{LabelIDs: []int64{benchLabelID(b, db, storetest.BenchRareLabel)}}
	ids := make([]string, 100)
	for i := range ids {
		ids[i] = storetest.BenchObject(rand.IntN(*benchRows), time.Time{}).ID
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
			cpu0 := cpuTime()
			pages := storetest.BenchFindPages(b, db, f, start, *benchRows)
			b.ReportMetric(cpuSince(cpu0).Seconds()*1000/float64(pages), "cpu-ms/page")
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

// BenchmarkAppendAuditParallel appends one audit event per call from
// several goroutines at once, as concurrent readers of classified material
// do (one record per page), and reports the CPU per call.
func BenchmarkAppendAuditParallel(b *testing.B) {
	db := MustOpen(b)
	defer db.Close()
	b.SetParallelism(8)
	cpu0 := cpuTime()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			e := &kizuna.AuditEvent{Action: "read", Principal: "principal--bench", Object: "collection", Decision: "allow", Reason: "1 classified version read"}
			if err := db.AppendAudit(context.Background(), e); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(cpuSince(cpu0).Seconds()*1e6/float64(b.N), "cpu-µs/call")
}
