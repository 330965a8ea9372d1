package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/kizuna-dev/kizuna"
)

//go:embed migration/*.sql
var migrationFS embed.FS

// migration is one numbered SQL file. Migrations are plain SQL: they never
// use the domain types, whose later shape would otherwise change what an old
// migration does.
type migration struct {
	name   string
	number int
	sql    string
}

func embeddedMigrations() ([]migration, error) {
	return loadMigrations(migrationFS, "migration")
}

// loadMigrations reads the *.sql files of dir in fsys, ordered by number.
func loadMigrations(fsys fs.FS, dir string) ([]migration, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.sql"))
	if err != nil {
		return nil, kizuna.WrapError(kizuna.EINTERNAL, err, "postgres: listing migrations")
	}
	var ms []migration
	seen := map[int]string{}
	for _, name := range names {
		base := path.Base(name)
		n, ok := migrationNumber(base)
		if !ok {
			return nil, kizuna.Errorf(kizuna.EINTERNAL, "postgres: migration %q does not start with a number", base)
		}
		if other, dup := seen[n]; dup {
			return nil, kizuna.Errorf(kizuna.EINTERNAL, "postgres: migrations %q and %q share number %d", other, base, n)
		}
		seen[n] = base
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, kizuna.WrapError(kizuna.EINTERNAL, err, "postgres: reading migration %q", base)
		}
		ms = append(ms, migration{name: base, number: n, sql: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].number < ms[j].number })
	return ms, nil
}

func migrationNumber(name string) (int, bool) {
	digits, _, _ := strings.Cut(name, "_")
	n, err := strconv.Atoi(digits)
	return n, err == nil && n > 0
}

// migrationLock is the advisory lock key that serialises migrations of
// several instances starting at once ("kizuna" in ASCII).
const migrationLock = 0x6b697a756e61

// migrate applies the migrations the database lacks, each in its own
// transaction with its row in the migrations table, under an advisory lock.
// It refuses a database that holds a migration this binary does not know.
func migrate(ctx context.Context, pool *pgxpool.Pool, ms []migration, now func() time.Time) error {
	if _, err := pool.Exec(ctx, `CREATE TABLE IF NOT EXISTS migrations (
		name       TEXT   PRIMARY KEY,
		applied_at BIGINT NOT NULL
	)`); err != nil {
		return formatError(err, "creating the migrations table")
	}
	for _, m := range append([]migration{{}}, ms...) {
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrationLock)); err != nil {
				return formatError(err, "locking the migrations")
			}
			if m.name == "" { // the first pass only checks the schema is not newer
				return checkSchemaNotNewer(ctx, tx, ms)
			}
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM migrations WHERE name = $1`, m.name).Scan(&n); err != nil {
				return formatError(err, "reading the migrations table")
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return kizuna.WrapError(kizuna.EINTERNAL, err, "postgres: migration %s failed", m.name)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO migrations (name, applied_at) VALUES ($1, $2)`, m.name, micros(now())); err != nil {
				return formatError(err, "recording migration %s", m.name)
			}
			return nil
		})
		if err != nil {
			return formatError(err, "migrating the database")
		}
	}
	return nil
}

// checkSchemaNotNewer fails with ESCHEMA when the database records a
// migration that is not in ms.
func checkSchemaNotNewer(ctx context.Context, tx pgx.Tx, ms []migration) error {
	known := map[string]bool{}
	latest := 0
	for _, m := range ms {
		known[m.name] = true
		latest = max(latest, m.number)
	}
	rows, err := tx.Query(ctx, `SELECT name FROM migrations`)
	if err != nil {
		return formatError(err, "reading the migrations table")
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return formatError(err, "reading the migrations table")
	}
	newest, unknown := 0, ""
	for _, name := range names {
		if known[name] {
			continue
		}
		n, _ := migrationNumber(name)
		if unknown == "" || n > newest {
			newest, unknown = n, name
		}
	}
	if unknown != "" {
		return kizuna.WrapError(kizuna.ESCHEMA, fmt.Errorf("unknown migration %q", unknown),
			"data directory was written by a newer kizuna (schema %d > %d); upgrade kizuna",
			max(newest, latest+1), latest)
	}
	return nil
}
