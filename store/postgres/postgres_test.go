package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/jackc/pgx/v5"
	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/store/internal/rowcodec"
	"github.com/kizuna-dev/kizuna/store/storetest"
)

// MustSchema creates an empty schema in the database of
// KIZUNA_TEST_POSTGRES, drops it when the test ends, and returns a DSN that
// selects it. The test is skipped when the variable is unset.
func MustSchema(tb testing.TB) string {
	tb.Helper()
	dsn := os.Getenv("KIZUNA_TEST_POSTGRES")
	if dsn == "" {
		tb.Skip("KIZUNA_TEST_POSTGRES is not set (e.g. postgres://postgres@127.0.0.1:5432/test)")
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "kizuna_test_" + hex.EncodeToString(b[:])
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		tb.Fatalf("connect: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			tb.Errorf("connect: %v", err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			tb.Errorf("drop schema: %v", err)
		}
	})
	return withSearchPath(tb, dsn, schema)
}

// withSearchPath adds search_path to a URL or key=value DSN.
func withSearchPath(tb testing.TB, dsn, schema string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			tb.Fatalf("KIZUNA_TEST_POSTGRES: %v", err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return dsn + " search_path=" + schema
}

// MustOpen opens a store in a new, empty schema.
func MustOpen(tb testing.TB) *DB {
	tb.Helper()
	db, err := Open(context.Background(), MustSchema(tb))
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	return db
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) kizuna.Store { return MustOpen(t) })
}

func TestMigrateAndRefuseNewer(t *testing.T) {
	ctx := context.Background()
	dsn := MustSchema(t)
	db, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	coll := storetest.MustCollection(t, db)
	db.Close()

	ms, _ := embeddedMigrations()
	fsys := fstest.MapFS{}
	for _, m := range ms {
		fsys["m/"+m.Name] = &fstest.MapFile{Data: []byte(m.SQL)}
	}
	// Numbers may have gaps: the future migration follows the last one.
	last, _ := rowcodec.MigrationNumber(ms[len(ms)-1].Name)
	fsys[fmt.Sprintf("m/%04d_future.sql", last+1)] = &fstest.MapFile{Data: []byte(`ALTER TABLE objects ADD COLUMN future BIGINT`)}
	newer, err := open(ctx, dsn, func() ([]migration, error) { return loadMigrations(fsys, "m") })
	if err != nil {
		t.Fatalf("newer binary: %v", err)
	}
	if _, err := newer.FindCollectionByID(ctx, coll); err != nil {
		t.Errorf("data lost by the migration: %v", err)
	}
	if _, err := newer.pool.Exec(ctx, `SELECT future FROM objects`); err != nil {
		t.Errorf("new migration not applied: %v", err)
	}
	newer.Close()

	_, err = Open(ctx, dsn)
	want := fmt.Sprintf("data directory was written by a newer kizuna (schema %d > %d); upgrade kizuna", last+1, last)
	if kizuna.ErrorCode(err) != kizuna.ESCHEMA || kizuna.ErrorMessage(err) != want {
		t.Fatalf("older binary: %v, want ESCHEMA: %s", err, want)
	}
}

func TestAuditIsAppendOnly(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	defer db.Close()
	if err := db.AppendAudit(ctx, &kizuna.AuditEvent{Action: "read", Object: "x"}); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{`UPDATE audit SET reason = 'forged'`, `DELETE FROM audit`, `TRUNCATE audit`} {
		_, err := db.pool.Exec(ctx, stmt)
		if code := kizuna.ErrorCode(formatError(err, "test")); code != kizuna.EFORBIDDEN {
			t.Errorf("%s: %v (code %q), want the append-only trigger to refuse", stmt, err, code)
		}
	}
}

// TestConcurrentWritersOrder runs several writers on one collection through
// separate pools, as separate instances would: date_added must be strictly
// increasing in commit order.
func TestConcurrentWritersOrder(t *testing.T) {
	ctx := context.Background()
	dsn := MustSchema(t)
	var dbs []*DB
	for i := 0; i < 3; i++ {
		db, err := Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		dbs = append(dbs, db)
	}
	coll := storetest.MustCollection(t, dbs[0])
	done := make(chan error, len(dbs))
	for w, db := range dbs {
		go func() {
			for i := 0; i < 40; i++ {
				o := storetest.NewSCO(storetest.ObjectID("ipv4-addr", w*1000+i), fmt.Sprintf("10.%d.0.%d", w, i), storetest.LabelGreen)
				if _, err := db.PutObjects(ctx, coll, []*kizuna.Object{o}); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	for range dbs {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	got := storetest.MustFindAll(t, dbs[0], kizuna.ObjectFilter{Collection: coll, Access: kizuna.AccessScope{Unrestricted: true}, Versions: kizuna.VersionMatch{All: true}})
	if len(got) != 120 {
		t.Fatalf("%d objects, want 120", len(got))
	}
	for i := 1; i < len(got); i++ {
		if !got[i].DateAdded.After(got[i-1].DateAdded) {
			t.Fatalf("date_added not increasing at %d", i)
		}
	}
}
