package ingest_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
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
)

// importObjects is the number of objects BenchmarkImport imports per
// iteration; importStore, when set, is the PostgreSQL database it imports
// into (a new schema, dropped afterwards) instead of a new SQLite file.
var (
	importObjects = flag.Int("ingest.objects", 100_000, "objects BenchmarkImport imports per iteration")
	importStore   = flag.String("ingest.store", "", "PostgreSQL URL BenchmarkImport imports into (default: SQLite in a temporary directory)")
)

// importApp is the application_name of the benchmark's connections, by
// which serverCPU finds their backends.
const importApp = "kizuna-bench-import"

// importBatch is the batch of `kizuna import`.
const importBatch = 5000

// BenchmarkImport measures what `kizuna bench ingest` measures, on either
// store: indicator-sized objects parsed, validated, labelled and stored by
// the operator, in batches of 5,000, the next batch prepared while the
// current one commits. It reports objects per second, the CPU of this
// process per object and, on PostgreSQL, the CPU of the server per object
// (serverCPU).
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
		start, cpu0, srv0 := time.Now(), processCPU(), serverProcesses()
		n += importPipelined(b, svc, coll, batches)
		elapsed += time.Since(start)
		cpu += processCPU() - cpu0
		if *importStore != "" {
			server += serverCPU(b, *importStore, srv0)
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

// serverProcesses returns the ticks (10 ms) of CPU time (user and
// system) of every process named postgres on this machine, by pid.
func serverProcesses() map[int]int64 {
	out := map[int]int64{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		s := string(stat)
		open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || end < open || s[open+1:end] != "postgres" {
			continue
		}
		f := strings.Fields(s[end+1:])
		if len(f) < 13 {
			continue
		}
		// utime and stime are fields 14 and 15 of stat; f starts at field 3.
		u, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		out[pid] = u + st
	}
	return out
}

// serverCPU returns the CPU time the server spent for the import since
// the snapshot before: that of the backends of the benchmark's
// connections (named by their application_name) and of the WAL writer,
// checkpointer and background writer, which every writer shares; not
// that of autovacuum, which comes and goes, nor of other clients'
// backends. The server must run on this machine.
func serverCPU(b *testing.B, dsn string, before map[int]int64) time.Duration {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT pid FROM pg_stat_activity WHERE application_name = $1
		OR backend_type IN ('walwriter', 'checkpointer', 'background writer')`, importApp)
	if err != nil {
		b.Fatal(err)
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		b.Fatal(err)
	}
	after := serverProcesses()
	var ticks int64
	for _, pid := range pids {
		ticks += after[int(pid)] - before[int(pid)]
	}
	return time.Duration(ticks) * 10 * time.Millisecond
}
