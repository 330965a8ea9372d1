package ingest_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"net/url"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/ingest"
	"github.com/kizuna-dev/kizuna/internal/synth"
	"github.com/kizuna-dev/kizuna/policy"
	"github.com/kizuna-dev/kizuna/store/postgres"
	"github.com/kizuna-dev/kizuna/store/sqlite"
	"github.com/kizuna-dev/kizuna/store/storetest"
)

// importObjects is the number of objects BenchmarkImport imports per
// iteration; importStore, when set, is the PostgreSQL database it imports
// into (a new schema, dropped afterwards) instead of a new SQLite file.
var (
	importObjects = flag.Int("ingest.objects", 100_000, "objects BenchmarkImport imports per iteration")
	importStore   = flag.String("ingest.store", "", "PostgreSQL URL BenchmarkImport imports into (default: SQLite in a temporary directory)")
)

// importApp is the application_name of the benchmark's connections, by
// which storetest.ServerCPU finds their backends.
const importApp = "kizuna-bench-import"

// importBatch is the batch of `kizuna import`.
const importBatch = 5000

// BenchmarkImport measures what `kizuna bench ingest` measures, on either
// store: indicator-sized objects parsed, validated, labelled and stored by
// the operator, in batches of 5,000, the next batch prepared while the
// current one commits. It reports objects per second, the CPU of this
// process per object and, on PostgreSQL, the CPU of the server per object
// (storetest.ServerCPU).
//
//	go test ./ingest -run '^$' -bench Import -benchtime 1x -args -ingest.objects=100000 \
//	    -ingest.store=postgres://postgres@127.0.0.1:5432/test
func BenchmarkImport(b *testing.B) {
	batches := syntheticBatches(*importObjects)
	var elapsed, cpu, server time.Duration
	n := 0
	for b.Loop() {
		b.StopTimer()
		svc, coll, closeStore := importTarget(b)
		b.StartTimer()
		var srv *storetest.ServerCPU
		if *importStore != "" {
			srv = storetest.StartServerCPU(*importStore, importApp)
		}
		start, cpu0 := time.Now(), processCPU()
		n += importPipelined(b, svc, coll, batches)
		elapsed += time.Since(start)
		cpu += processCPU() - cpu0
		if srv != nil {
			d, err := srv.Since()
			if err != nil {
				b.Fatal(err)
			}
			server += d
		}
		b.StopTimer()
		closeStore()
		b.StartTimer()
	}
	b.ReportMetric(float64(n)/elapsed.Seconds(), "objects/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(n), "cpu-µs/object")
	if *importStore != "" {
		b.ReportMetric(float64(server.Microseconds())/float64(n), "server-cpu-µs/object")
	}
}

// importPipelined imports the batches as `kizuna import` does: Prepare
// (parse and validate) of batch i+1 runs while batch i commits.
func importPipelined(b *testing.B, svc *ingest.Service, coll string, batches [][]json.RawMessage) int {
	ctx := ingest.AsOperator(context.Background())
	prepared := make(chan *ingest.Prepared, 1)
	go func() {
		defer close(prepared)
		for _, raws := range batches {
			prepared <- svc.Prepare(ctx, raws)
		}
	}()
	n := 0
	for pb := range prepared {
		results, err := svc.Commit(ctx, coll, pb)
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range results {
			if r.Err != nil || !r.Created {
				b.Fatalf("%s: %+v", r.ID, r)
			}
		}
		n += len(results)
	}
	return n
}

// importTarget opens a new, empty store and returns the ingest service
// over it, the collection to import into, and the function that removes
// the store.
func importTarget(b *testing.B) (*ingest.Service, string, func()) {
	ctx := context.Background()
	var db interface {
		kizuna.Store
		Close() error
	}
	drop := func() {}
	if *importStore == "" {
		sdb, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "kizuna.db"))
		if err != nil {
			b.Fatal(err)
		}
		db = sdb
	} else {
		dsn, dropSchema := newSchema(b, *importStore)
		pdb, err := postgres.Open(ctx, dsn)
		if err != nil {
			dropSchema()
			b.Fatal(err)
		}
		db, drop = pdb, dropSchema
	}
	pol, err := policy.New(policy.DefaultConfig(), db)
	if err != nil {
		b.Fatal(err)
	}
	svc := ingest.New(db, policy.NewGuard(pol, db), pol, nil)
	svc.SetOperatorOrganization("identity--" + kizuna.NewUUID())
	coll := &kizuna.Collection{
		Title: "import", CanRead: kizuna.AccessRule{Roles: []string{"reader"}},
		CanWrite: kizuna.AccessRule{Roles: []string{"publisher"}}, DefaultMarkingRefs: []string{tlpGreen},
	}
	if err := db.CreateCollection(ctx, coll); err != nil {
		b.Fatal(err)
	}
	return svc, coll.ID, func() {
		db.Close()
		drop()
	}
}

// newSchema creates an empty schema in the database at dsn and returns a
// DSN that selects it, and the function that drops it.
func newSchema(b *testing.B, dsn string) (string, func()) {
	ctx := context.Background()
	var r [6]byte
	rand.Read(r[:])
	schema := "kizuna_bench_" + hex.EncodeToString(r[:])
	exec := func(sql string) {
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			b.Fatal(err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, sql); err != nil {
			b.Fatal(err)
		}
	}
	exec("CREATE SCHEMA " + schema)
	u, err := url.Parse(dsn)
	if err != nil {
		b.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	q.Set("application_name", importApp)
	u.RawQuery = q.Encode()
	return u.String(), func() { exec("DROP SCHEMA " + schema + " CASCADE") }
}

// syntheticBatches returns the n indicators of `kizuna bench ingest`'s
// bundle in batches of importBatch.
func syntheticBatches(n int) [][]json.RawMessage {
	g := synth.New(1)
	var out [][]json.RawMessage
	for i := 0; i < n; i++ {
		if i%importBatch == 0 {
			out = append(out, make([]json.RawMessage, 0, importBatch))
		}
		out[len(out)-1] = append(out[len(out)-1], g.Next(nil))
	}
	return out
}

// processCPU returns the CPU time (user and system) this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
