package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/store/storetest"
)

// withExtra returns a migration source of the embedded migrations plus one
// more, as a newer binary would have.
func withExtra(tb testing.TB) func() ([]migration, error) {
	tb.Helper()
	ms, err := embeddedMigrations()
	if err != nil {
		tb.Fatal(err)
	}
	last := ms[len(ms)-1].number
	fsys := fstest.MapFS{}
	for _, m := range ms {
		fsys["m/"+m.name] = &fstest.MapFile{Data: []byte(m.sql)}
	}
	name := fmt.Sprintf("%04d_future.sql", last+1)
	fsys["m/"+name] = &fstest.MapFile{Data: []byte(`CREATE TABLE future (x INTEGER); ALTER TABLE objects ADD COLUMN future INTEGER;`)}
	return func() ([]migration, error) { return loadMigrations(fsys, "m") }
}

func TestMigrateOlderDatabase(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kizuna.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	coll := storetest.MustCollection(t, db)
	storetest.MustPut(t, db, coll, storetest.NewSCO(storetest.ObjectID("ipv4-addr", 1), "192.0.2.1", storetest.LabelGreen))
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	// A newer binary applies its new migration and keeps the data.
	newer, err := open(ctx, path, withExtra(t))
	if err != nil {
		t.Fatalf("newer binary: %v", err)
	}
	var n int
	if err := newer.read.QueryRow(`SELECT COUNT(*) FROM migrations`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	ms, _ := embeddedMigrations()
	if n != len(ms)+1 {
		t.Errorf("%d migrations recorded, want %d", n, len(ms)+1)
	}
	if _, err := newer.read.Exec(`SELECT future FROM objects`); err != nil {
		t.Errorf("new migration not applied: %v", err)
	}
	if got := storetest.MustFindAll(t, newer, kizuna.ObjectFilter{Collection: coll, Access: kizuna.AccessScope{Unrestricted: true}}); len(got) != 1 {
		t.Errorf("%d objects after migration, want 1", len(got))
	}
	if err := newer.Close(); err != nil {
		t.Fatal(err)
	}
	// Opening again is a no-op.
	again, err := open(ctx, path, withExtra(t))
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	again.Close()

	// The older binary refuses the database.
	_, err = Open(ctx, path)
	if kizuna.ErrorCode(err) != kizuna.ESCHEMA {
		t.Fatalf("older binary: %v, want ESCHEMA", err)
	}
	want := "data directory was written by a newer kizuna (schema 2 > 1"
	if msg := kizuna.ErrorMessage(err); !strings.Contains(msg, want) || !strings.Contains(msg, "upgrade kizuna") {
		t.Errorf("message %q, want it to contain %q and \"upgrade kizuna\"", msg, want)
	}
}

func TestMigrationFailureLeavesNoTrace(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kizuna.db")
	ms, _ := embeddedMigrations()
	fsys := fstest.MapFS{}
	for _, m := range ms {
		fsys["m/"+m.name] = &fstest.MapFile{Data: []byte(m.sql)}
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
