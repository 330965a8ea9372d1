package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"io/fs"
	"time"

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
	return rowcodec.LoadMigrations("sqlite", fsys, dir)
}

// migrate applies the migrations the database lacks, each in its own
// transaction together with its row in the migrations table. It refuses a
// database that holds a migration this binary does not know: that database
// was written by a newer kizuna, and an older one could corrupt it.
func migrate(ctx context.Context, db *sql.DB, ms []migration, now func() time.Time) error {
	if err := refuseNewer(ctx, db, ms); err != nil {
		return err
	}
	return applyMigrations(ctx, db, ms, now)
}

// applyMigrations applies the migrations of ms that the database lacks;
// refuseNewer has checked it.
func applyMigrations(ctx context.Context, db *sql.DB, ms []migration, now func() time.Time) error {
	for _, m := range ms {
		if err := applyMigration(ctx, db, m, now); err != nil {
			return err
		}
	}
	return nil
}

// refuseNewer creates the migrations table if the database has none, and
// fails with ESCHEMA when the database records a migration not in ms.
func refuseNewer(ctx context.Context, db *sql.DB, ms []migration) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS migrations (
		name       TEXT    PRIMARY KEY,
		applied_at INTEGER NOT NULL
	)`); err != nil {
		return formatError(err, "creating the migrations table")
	}
	return checkSchemaNotNewer(ctx, db, ms)
}

// checkSchemaNotNewer fails with ESCHEMA when the database records a
// migration that is not in ms.
func checkSchemaNotNewer(ctx context.Context, db *sql.DB, ms []migration) error {
	rows, err := db.QueryContext(ctx, `SELECT name FROM migrations`)
	if err != nil {
		return formatError(err, "reading the migrations table")
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return formatError(err, "reading the migrations table")
		}
		names = append(names, name)
	}
	if err := rows.Err(); err != nil {
		return formatError(err, "reading the migrations table")
	}
	return rowcodec.CheckNotNewer(ms, names)
}

// applyMigration runs m unless it is already recorded. The check runs inside
// the write transaction, so two processes opening the same new database do
// not both apply it.
func applyMigration(ctx context.Context, db *sql.DB, m migration, now func() time.Time) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return formatError(err, "starting migration %s", m.Name)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM migrations WHERE name = ?`, m.Name).Scan(&n); err != nil {
		return formatError(err, "reading the migrations table")
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return kizuna.WrapError(kizuna.EINTERNAL, err, "sqlite: migration %s failed", m.Name)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO migrations (name, applied_at) VALUES (?, ?)`,
		m.Name, rowcodec.Micros(now())); err != nil {
		return formatError(err, "recording migration %s", m.Name)
	}
	if err := tx.Commit(); err != nil {
		return formatError(err, "committing migration %s", m.Name)
	}
	return nil
}
