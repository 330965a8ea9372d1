package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/store/internal/rowcodec"
	"github.com/kizuna-dev/kizuna/store/storetest"
)

// firstMigrations returns a migration source of the first n embedded
// migrations, as an older binary would have.
func firstMigrations(tb testing.TB, n int) func() ([]migration, error) {
	tb.Helper()
	ms, err := embeddedMigrations()
	if err != nil {
		tb.Fatal(err)
	}
	if len(ms) < n {
		tb.Fatalf("only %d migrations", len(ms))
	}
	return func() ([]migration, error) { return ms[:n], nil }
}

func TestMigrateOlderDatabase(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kizuna.db")
	// A binary from before migration 0004, which moved the audit log.
	db, all := openBefore(t, path, 4)
	older := 3
	coll := storetest.MustCollection(t, db)
	sdo := func(name string) *kizuna.Object {
		return storetest.NewObject(storetest.ObjectID("indicator", 1), storetest.MustTime(t, "2025-06-01T00:00:00Z"), storetest.LabelGreen, name)
	}
	putOlder(t, db, coll, storetest.NewSCO(storetest.ObjectID("ipv4-addr", 1), "192.0.2.1", storetest.LabelGreen), sdo("first"))
	// An older binary kept its audit log in the object database.
	older3 := olderAuditLog(t, db, 3)
	// A newer binary that copied the log and stopped before migration
	// 0004: the next one must not copy it twice.
	if err := db.moveAudit(ctx); err != nil {
		t.Fatalf("copying the audit log: %v", err)
	}

	// The current binary applies the migration the database lacks and
	// keeps the data.
	db = reopen(t, db, path)
	var n int
	if err := db.read.QueryRow(`SELECT COUNT(*) FROM migrations`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != len(all) {
		t.Errorf("%d migrations recorded, want %d", n, len(all))
	}
	if err := db.read.QueryRow(`SELECT COUNT(*) FROM sqlite_schema WHERE name = 'objects_label_page'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("migration 0002 not applied: %d, %v", n, err)
	}
	if err := db.read.QueryRow(`SELECT COUNT(*) FROM sqlite_schema WHERE name IN ('objects_version_unique', 'objects_version_scope')`).Scan(&n); err != nil || n != 1 {
		t.Errorf("migration 0003 not applied: %d, %v", n, err)
	}
	// A version stored before the migration is still one of a kind: the
	// same content again stores nothing, another content conflicts.
	rs, err := db.PutObjects(ctx, coll, []*kizuna.Object{sdo("first"), sdo("second")})
	if err != nil || rs[0].Err != nil || rs[0].Created || kizuna.ErrorCode(rs[1].Err) != kizuna.ECONFLICT {
		t.Errorf("putting the stored version again: %+v, %v", rs, err)
	}
	if got := storetest.MustFindAll(t, db, kizuna.ObjectFilter{Collection: coll, Access: kizuna.AccessScope{Unrestricted: true}}); len(got) != 2 {
		t.Errorf("%d objects after migration, want 2", len(got))
	}
	// The audit log moved to its own file, whole, and its chain goes on.
	if err := db.read.QueryRow(`SELECT COUNT(*) FROM sqlite_schema WHERE name = 'audit'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("migration 0004 left the audit table in the object database: %d, %v", n, err)
	}
	next := &kizuna.AuditEvent{Action: "read", Object: "after the move"}
	if err := db.AppendAudit(ctx, next); err != nil {
		t.Fatal(err)
	}
	got, err := db.FindAudit(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(older3)+1 {
		t.Fatalf("%d audit events after the move, want %d", len(got), len(older3)+1)
	}
	for i, e := range older3 {
		if *got[i] != e {
			t.Errorf("audit event %d after the move: %+v, want %+v", i, *got[i], e)
		}
	}
	if next.Seq != older3[2].Seq+1 || next.PrevHash != older3[2].Hash {
		t.Errorf("the chain does not go on after the move: %+v", next)
	}

	// Opening again applies nothing and copies nothing again.
	db = reopen(t, db, path)
	if got, err := db.FindAudit(ctx, 0, 0); err != nil || len(got) != len(older3)+1 {
		t.Errorf("after reopening: %d audit events, %v", len(got), err)
	}
	db.Close()

	// The older binary refuses the database.
	_, err = open(ctx, path, firstMigrations(t, older))
	if kizuna.ErrorCode(err) != kizuna.ESCHEMA {
		t.Fatalf("older binary: %v, want ESCHEMA", err)
	}
	want := fmt.Sprintf("data directory was written by a newer kizuna (schema %d > %d); upgrade kizuna", all[len(all)-1].Number, all[older-1].Number)
	if msg := kizuna.ErrorMessage(err); msg != want {
		t.Errorf("message %q, want %q", msg, want)
	}
}

// TestRefuseUnknownMigration checks a database that records a migration
// this binary has never heard of, numbered far ahead.
func TestRefuseUnknownMigration(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kizuna.db")
	ms, _ := embeddedMigrations()
	fsys := fstest.MapFS{}
	for _, m := range ms {
		fsys["m/"+m.Name] = &fstest.MapFile{Data: []byte(m.SQL)}
	}
	fsys["m/0042_future.sql"] = &fstest.MapFile{Data: []byte(`CREATE TABLE future (x INTEGER)`)}
	db, err := open(ctx, path, func() ([]migration, error) { return loadMigrations(fsys, "m") })
	if err != nil {
		t.Fatalf("newer binary: %v", err)
	}
	db.Close()
	_, err = Open(ctx, path)
	want := fmt.Sprintf("data directory was written by a newer kizuna (schema 42 > %d); upgrade kizuna", ms[len(ms)-1].Number)
	if kizuna.ErrorCode(err) != kizuna.ESCHEMA || kizuna.ErrorMessage(err) != want {
		t.Fatalf("Open: %v, want ESCHEMA %q", err, want)
	}
}

func TestMigrationFailureLeavesNoTrace(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kizuna.db")
	ms, _ := embeddedMigrations()
	fsys := fstest.MapFS{}
	for _, m := range ms {
		fsys["m/"+m.Name] = &fstest.MapFile{Data: []byte(m.SQL)}
	}
	fsys["m/9999_broken.sql"] = &fstest.MapFile{Data: []byte(`CREATE TABLE half (x INTEGER); THIS IS NOT SQL;`)}
	_, err := open(ctx, path, func() ([]migration, error) { return loadMigrations(fsys, "m") })
	if err == nil || !strings.Contains(kizuna.ErrorMessage(err), "9999_broken.sql") {
		t.Fatalf("broken migration: %v, want an error naming it", err)
	}
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open after a failed migration: %v", err)
	}
	defer db.Close()
	if _, err := db.read.Exec(`SELECT x FROM half`); err == nil {
		t.Errorf("a failed migration left its table")
	}
}

func TestLoadMigrationsRejectsBadNames(t *testing.T) {
	for name, fsys := range map[string]fstest.MapFS{
		"no number": {"m/init.sql": {Data: []byte("SELECT 1")}},
		"duplicate": {"m/0001_a.sql": {Data: []byte("SELECT 1")}, "m/01_b.sql": {Data: []byte("SELECT 1")}},
	} {
		if _, err := loadMigrations(fsys, "m"); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// openBefore creates a database at path as a binary without migration
// number and the later ones would, and returns it with every embedded
// migration.
func openBefore(t *testing.T, path string, number int) (*DB, []migration) {
	t.Helper()
	all, err := embeddedMigrations()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for n < len(all) && all[n].Number < number {
		n++
	}
	db, err := open(context.Background(), path, firstMigrations(t, n))
	if err != nil {
		t.Fatalf("older binary creating the database: %v", err)
	}
	return db, all
}

// reopen closes db and opens the database at path again, as the current
// binary.
func reopen(t *testing.T, db *DB, path string) *DB {
	t.Helper()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatalf("reopening %s: %v", path, err)
	}
	return db
}

// olderAuditLog writes n chained audit events into the object database's
// own audit table, as a binary from before migration 0004 did, and returns
// them as stored.
func olderAuditLog(t *testing.T, db *DB, n int) []kizuna.AuditEvent {
	t.Helper()
	var events []*kizuna.AuditEvent
	for i := range n {
		events = append(events, &kizuna.AuditEvent{Principal: "p", Action: "read", Object: fmt.Sprintf("indicator %d", i), Decision: "allow"})
	}
	filled := rowcodec.ChainAudit(events, 0, "", db.now().UTC())
	for i := range filled {
		if _, err := db.write.Exec(insertAudit, rowcodec.AuditArgs(&filled[i])...); err != nil {
			t.Fatalf("older binary writing its audit log: %v", err)
		}
	}
	return filled
}
