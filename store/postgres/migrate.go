package postgres

import (
	"context"
	"embed"
	"io/fs"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/store/internal/rowcodec"
)

//go:embed migration/*.sql
var migrationFS embed.FS

// migration is one numbered SQL file; see rowcodec.Migration.
type migration = rowcodec.Migration

// embeddedMigrations returns the migrations compiled into this binary.
func embeddedMigrations() ([]migration, error) {
	return loadMigrations(migrationFS, "migration")
}

// loadMigrations reads the *.sql files of dir in fsys, ordered by number.
func loadMigrations(fsys fs.FS, dir string) ([]migration, error) {
	return rowcodec.LoadMigrations("postgres", fsys, dir)
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
			if m.Name == "" { // the first pass only checks the schema is not newer
				return checkSchemaNotNewer(ctx, tx, ms)
			}
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM migrations WHERE name = $1`, m.Name).Scan(&n); err != nil {
				return formatError(err, "reading the migrations table")
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return kizuna.WrapError(kizuna.EINTERNAL, err, "postgres: migration %s failed", m.Name)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO migrations (name, applied_at) VALUES ($1, $2)`, m.Name, rowcodec.Micros(now())); err != nil {
				return formatError(err, "recording migration %s", m.Name)
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
	rows, err := tx.Query(ctx, `SELECT name FROM migrations`)
	if err != nil {
		return formatError(err, "reading the migrations table")
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return formatError(err, "reading the migrations table")
	}
	return rowcodec.CheckNotNewer(ms, names)
}
