package nodetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

// PostgresEnv names the PostgreSQL database the tests may use, as a
// postgres:// URL.
const PostgresEnv = "KIZUNA_TEST_POSTGRES"

// Postgres returns the URL of a new, empty schema in the database of
// KIZUNA_TEST_POSTGRES, dropped when the test ends; the test is skipped
// when the variable is unset.
func Postgres(tb testing.TB) string {
	tb.Helper()
	dsn := os.Getenv(PostgresEnv)
	if dsn == "" {
		tb.Skip(PostgresEnv + " is not set (e.g. postgres://postgres@127.0.0.1:5432/test)")
	}
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		tb.Fatalf("%s: want a postgres:// URL", PostgresEnv)
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "kizuna_node_" + hex.EncodeToString(b[:])
	exec := func(sql string) error {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, sql)
		return err
	}
	if err := exec("CREATE SCHEMA " + schema); err != nil {
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		if err := exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			tb.Errorf("drop schema: %v", err)
		}
	})
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Stores returns the stores a node test runs on: SQLite, and PostgreSQL
// (a new schema) when KIZUNA_TEST_POSTGRES is set. Use the name for
// subtests.
func Stores(tb testing.TB) map[string]string {
	tb.Helper()
	stores := map[string]string{"sqlite": ""}
	if os.Getenv(PostgresEnv) != "" {
		stores["postgres"] = Postgres(tb)
	}
	return stores
}
