package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/store/storetest"
)

// MustOpen opens a new database in a temporary directory and closes it when
// the test ends.
func MustOpen(tb testing.TB) *DB {
	tb.Helper()
	db, err := Open(context.Background(), filepath.Join(tb.TempDir(), "kizuna.db"))
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	return db
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) kizuna.Store { return MustOpen(t) })
}

// TestStoreWalkOnly runs the suite with every scoped page walking the
// collection in date_added order: the suite's collections are small, so
// TestStore reads them all through the sparse plan.
func TestStoreWalkOnly(t *testing.T) {
	storetest.Run(t, func(t *testing.T) kizuna.Store {
		db := MustOpen(t)
		db.sparseBelow = 0
		return db
	})
}

var unrestricted = kizuna.AccessScope{Unrestricted: true}

// TestCursorSurvivesRestart checks that a cursor made by one process
// continues in another.
func TestCursorSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kizuna.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	coll := storetest.MustCollection(t, db)
	var objs []*kizuna.Object
	for i := 0; i < 5; i++ {
		objs = append(objs, storetest.NewSCO(storetest.ObjectID("ipv4-addr", i), fmt.Sprintf("192.0.2.%d", i), storetest.LabelGreen))
	}
	storetest.MustPut(t, db, coll, objs...)
	p := storetest.MustFind(t, db, kizuna.ObjectFilter{Collection: coll, Access: unrestricted, Limit: 2})
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rest := storetest.MustFindAll(t, db, kizuna.ObjectFilter{Collection: coll, Access: unrestricted, Next: p.Next})
	if len(rest) != 3 || rest[0].ID != objs[2].ID {
		t.Errorf("after restart: %d objects", len(rest))
	}
}

// TestDateAddedWithClockSteps checks date_added stays strictly increasing
// when the clock stands still or steps back.
func TestDateAddedWithClockSteps(t *testing.T) {
	db := MustOpen(t)
	defer db.Close()
	coll := storetest.MustCollection(t, db)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := []time.Time{base, base, base.Add(-time.Hour), base.Add(time.Nanosecond), base.Add(time.Second)}
	var last time.Time
	for i, now := range clock {
		db.now = func() time.Time { return now }
		r := storetest.MustPut(t, db, coll, storetest.NewSCO(storetest.ObjectID("ipv4-addr", i), fmt.Sprintf("192.0.2.%d", i), storetest.LabelGreen))[0]
		if !r.DateAdded.After(last) {
			t.Fatalf("put %d at clock %v: date_added %v not after %v", i, now, r.DateAdded, last)
		}
		last = r.DateAdded
	}
	if !last.Equal(base.Add(time.Second)) {
		t.Errorf("a clock ahead of the last date_added is used as is: got %v", last)
	}
}

// TestTwoHandlesShareOrder opens the same file twice, as two processes
// would, and writes through both: date_added stays strictly increasing and
// matches commit order.
func TestTwoHandlesShareOrder(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kizuna.db")
	a, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	coll := storetest.MustCollection(t, a)
	var wg sync.WaitGroup
	for w, db := range []*DB{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				o := storetest.NewSCO(storetest.ObjectID("ipv4-addr", w*1000+i), fmt.Sprintf("10.%d.0.%d", w, i), storetest.LabelGreen)
				if _, err := db.PutObjects(ctx, coll, []*kizuna.Object{o}); err != nil {
					t.Errorf("writer %d: %v", w, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	got := storetest.MustFindAll(t, b, kizuna.ObjectFilter{Collection: coll, Access: unrestricted, Versions: kizuna.VersionMatch{All: true}})
	if len(got) != 100 {
		t.Fatalf("%d objects, want 100", len(got))
	}
	for i := 1; i < len(got); i++ {
		if !got[i].DateAdded.After(got[i-1].DateAdded) {
			t.Fatalf("date_added not increasing at %d", i)
		}
	}
}

func TestAuditIsAppendOnly(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	defer db.Close()
	if err := db.AppendAudit(ctx, &kizuna.AuditEvent{Action: "read", Object: "x"}); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{`UPDATE audit SET reason = 'forged'`, `DELETE FROM audit`} {
		_, err := db.auditW.ExecContext(ctx, stmt)
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v, want the append-only trigger to refuse", stmt, err)
		}
		if code := kizuna.ErrorCode(formatError(err, "test")); code != kizuna.EFORBIDDEN {
			t.Errorf("%s: mapped to %q, want EFORBIDDEN", stmt, code)
		}
	}
}

func TestOpenRejectsBadPath(t *testing.T) {
	for _, p := range []string{"", "a?mode=memory", "file:x.db", "x#y"} {
		if _, err := Open(context.Background(), p); kizuna.ErrorCode(err) != kizuna.EINVALID {
			t.Errorf("Open(%q): %v, want EINVALID", p, err)
		}
	}
	if _, err := Open(context.Background(), filepath.Join(t.TempDir(), "missing", "dir", "kizuna.db")); err == nil {
		t.Errorf("Open in a missing directory succeeded")
	}
}

func TestPragmas(t *testing.T) {
	db := MustOpen(t)
	defer db.Close()
	for _, tc := range []struct {
		conn   *sql.DB
		pragma string
		want   string
	}{
		{db.write, "journal_mode", "wal"},
		{db.write, "synchronous", "1"},
		{db.write, "foreign_keys", "1"},
		{db.read.DB, "foreign_keys", "1"},
		{db.read.DB, "query_only", "1"},
		{db.lookup.DB, "query_only", "1"},
		{db.write, "busy_timeout", "5000"},
		{db.write, "wal_autocheckpoint", "0"},
	} {
		var got string
		if err := tc.conn.QueryRow("PRAGMA " + tc.pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("PRAGMA %s = %s, want %s", tc.pragma, got, tc.want)
		}
	}
}

// TestQueryPlans checks that filtered pages read an index in date_added
// order (or look ids up) instead of scanning and sorting the collection.
func TestQueryPlans(t *testing.T) {
	db := MustOpen(t)
	defer db.Close()
	coll := storetest.MustCollection(t, db)
	for _, tc := range []struct {
		name   string
		f      kizuna.ObjectFilter
		sparse bool
		want   string // an index the plan must use
	}{
		{"plain", kizuna.ObjectFilter{}, false, "objects_page"},
		{"one type", kizuna.ObjectFilter{Types: []string{"indicator"}}, false, "objects_type_page"},
		{"two types", kizuna.ObjectFilter{Types: []string{"indicator", "malware"}}, false, "objects_page"},
		{"ids", kizuna.ObjectFilter{IDs: []string{"indicator--1"}}, false, "objects_version"},
		{"all versions", kizuna.ObjectFilter{Versions: kizuna.VersionMatch{All: true}}, false, "objects_page"},
		{"sparse", kizuna.ObjectFilter{Types: []string{"indicator"}}, true, "objects_label_page"},
	} {
		tc.f.Collection = coll
		tc.f.Access = kizuna.AccessScope{LabelIDs: []int64{1, 2}}
		plan := explain(t, db, tc.f, tc.sparse)
		if first, _, _ := strings.Cut(plan, "\n"); !strings.Contains(first, "SEARCH o USING INDEX "+tc.want+" ") {
			t.Errorf("%s: plan does not use %s:\n%s", tc.name, tc.want, plan)
		}
		if !tc.f.Versions.All && !strings.Contains(plan, "SEARCH v USING COVERING INDEX objects_version ") {
			t.Errorf("%s: the version subquery reads the table:\n%s", tc.name, plan)
		}
		if tc.f.IDs == nil && !tc.sparse && strings.Contains(plan, "TEMP B-TREE FOR ORDER BY") {
			t.Errorf("%s: plan sorts:\n%s", tc.name, plan)
		}
		for _, line := range strings.Split(plan, "\n") {
			if strings.Contains(line, "SCAN o") && !strings.Contains(line, "INDEX") {
				t.Errorf("%s: plan scans the table:\n%s", tc.name, plan)
			}
		}
	}
}

// TestCountAdmittedPlan checks that counting a scope's rows reads the
// label index alone.
func TestCountAdmittedPlan(t *testing.T) {
	db := MustOpen(t)
	defer db.Close()
	rows, err := db.read.Query("EXPLAIN QUERY PLAN "+countAdmittedSQL, 1, "[1,2]", 0, 2000)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan strings.Builder
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		plan.WriteString(detail + "\n")
	}
	if !strings.Contains(plan.String(), "COVERING INDEX objects_label_page (collection=? AND label_id=? AND date_added>?)") {
		t.Errorf("count plan:\n%s", plan.String())
	}
}

// explain returns the query plan of the page query for f, one step a line.
func explain(tb testing.TB, db *DB, f kizuna.ObjectFilter, sparse bool) string {
	tb.Helper()
	seq, err := db.read.collectionSeq(context.Background(), f.Collection)
	if err != nil {
		tb.Fatal(err)
	}
	q, args := findQuery(seq, f, 0, 1001, sparse)
	rows, err := db.read.Query("EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		tb.Fatalf("explain: %v", err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			tb.Fatal(err)
		}
		fmt.Fprintf(&b, "%d %d %s\n", id, parent, detail)
	}
	return b.String()
}

// TestStatementCacheBound checks that queries still run, uncached, once
// the statement cache is full.
func TestStatementCacheBound(t *testing.T) {
	db := MustOpen(t)
	defer db.Close()
	coll := storetest.MustCollection(t, db)
	storetest.MustPut(t, db, coll, storetest.NewSCO(storetest.ObjectID("ipv4-addr", 1), "192.0.2.1", storetest.LabelGreen))
	db.read.nstmts.Store(maxCachedStmts)
	for i := 0; i < 3; i++ {
		p := storetest.MustFind(t, db, kizuna.ObjectFilter{Collection: coll, Access: unrestricted, Types: []string{"ipv4-addr", "x"}})
		if len(p.Objects) != 1 {
			t.Fatalf("%d objects, want 1", len(p.Objects))
		}
	}
	n := 0
	db.read.stmts.Range(func(any, any) bool { n++; return true })
	if n != 0 {
		t.Errorf("%d statements cached past the bound", n)
	}
}

// TestBackgroundCheckpoint checks that committed pages reach the database
// file without the writer checkpointing, and that Close may be called twice.
func TestBackgroundCheckpoint(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kizuna.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	coll := storetest.MustCollection(t, db)
	time.Sleep(3 * checkpointEvery)
	before := fileSize(t, path)
	var objs []*kizuna.Object
	for i := 0; i < 2000; i++ {
		objs = append(objs, storetest.NewSCO(storetest.ObjectID("ipv4-addr", i), fmt.Sprintf("10.0.%d.%d", i/256, i%256), storetest.LabelGreen))
	}
	storetest.MustPut(t, db, coll, objs...)
	deadline := time.Now().Add(10 * time.Second)
	for fileSize(t, path) <= before {
		if time.Now().After(deadline) {
			t.Fatalf("database file still %d bytes: no checkpoint ran", before)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db.Close() // a second Close must not panic
}

func fileSize(tb testing.TB, path string) int64 {
	tb.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		tb.Fatal(err)
	}
	return fi.Size()
}

// TestWALStartsOver checks that writes one after another, as an import
// makes them, do not grow the WAL without bound: each rewrites the pages of
// the id index, and the checkpointer makes the WAL start over once it is
// long. Without that, the WAL outgrew the database file several times over.
func TestWALStartsOver(t *testing.T) {
	db := MustOpen(t)
	defer db.Close()
	db.ckpt.walLimit.Store(64)
	coll := storetest.MustCollection(t, db)
	version := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	objs := make([]*kizuna.Object, 100)
	for n := 0; n < 20000; {
		for i := range objs {
			objs[i] = storetest.BenchObject(n, version)
			n++
		}
		storetest.MustPutNew(t, db, coll, objs)
	}
	// Without the restart the WAL ends at about twice the database file (it
	// holds every frame written); with it, at about a third (the frames of
	// the commits between two checkpoints), or a little more when the
	// background checkpointer lags on a busy machine: the bound sits between.
	if wal, dbSize := fileSize(t, db.path+"-wal"), fileSize(t, db.path); wal > dbSize*3/2 {
		t.Errorf("WAL %d bytes, database file %d bytes: the WAL did not start over", wal, dbSize)
	}
}

// TestLookupForWriteBesideBusyReaders holds every reader connection, as a
// node answering many readers does, and checks that a lookup made for a
// write is still answered (from its own connections), while a read waits.
func TestLookupForWriteBesideBusyReaders(t *testing.T) {
	db := MustOpen(t)
	defer db.Close()
	coll := storetest.MustCollection(t, db)
	id := storetest.ObjectID("ipv4-addr", 1)
	storetest.MustPut(t, db, coll, storetest.NewSCO(id, "192.0.2.1", storetest.LabelGreen))
	ctx := context.Background()
	for range db.read.Stats().MaxOpenConnections {
		conn, err := db.read.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
	}
	f := kizuna.ObjectFilter{Collection: coll, IDs: []string{id}, Versions: kizuna.VersionMatch{Last: true}, Access: unrestricted}

	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := db.FindObjects(short, f); err == nil {
		t.Fatal("a read was answered although every reader connection was held")
	}
	f.ForWrite = true
	short, cancel = context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	page, err := db.FindObjects(short, f)
	if err != nil {
		t.Fatalf("lookup for a write: %v", err)
	}
	if len(page.Objects) != 1 || page.Objects[0].ID != id {
		t.Fatalf("lookup for a write = %+v", page.Objects)
	}
}
