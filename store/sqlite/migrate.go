package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kizuna-dev/kizuna"
)

//go:embed migration/*.sql
var migrationFS embed.FS

// migration is one numbered SQL file. Migrations are plain SQL: they never
// use the domain types, whose later shape would otherwise change what an old
// migration does.
type migration struct {
	name   string // file name, e.g. "0001_init.sql"
	number int    // its leading number
	sql    string
}

// embeddedMigrations returns the migrations compiled into this binary.
func embeddedMigrations() ([]migration, error) {
	return loadMigrations(migrationFS, "migration")
}

// loadMigrations reads the *.sql files of dir in fsys, ordered by number.
// Numbers must be unique and start every name ("0002_observables.sql").
func loadMigrations(fsys fs.FS, dir string) ([]migration, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.sql"))
	if err != nil {
		return nil, kizuna.WrapError(kizuna.EINTERNAL, err, "sqlite: listing migrations")
	}
	var ms []migration
	seen := map[int]string{}
	for _, name := range names {
		base := path.Base(name)
		n, ok := migrationNumber(base)
		if !ok {
			return nil, kizuna.Errorf(kizuna.EINTERNAL, "sqlite: migration %q does not start with a number", base)
		}
		if other, dup := seen[n]; dup {
			return nil, kizuna.Errorf(kizuna.EINTERNAL, "sqlite: migrations %q and %q share number %d", other, base, n)
		}
		seen[n] = base
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, kizuna.WrapError(kizuna.EINTERNAL, err, "sqlite: reading migration %q", base)
		}
		ms = append(ms, migration{name: base, number: n, sql: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].number < ms[j].number })
	return ms, nil
}

// migrationNumber parses the leading decimal number of a migration name.
func migrationNumber(name string) (int, bool) {
	digits, _, _ := strings.Cut(name, "_")
	n, err := strconv.Atoi(digits)
	return n, err == nil && n > 0
}

// migrate applies the migrations the database lacks, each in its own
// transaction together with its row in the migrations table. It refuses a
// database that holds a migration this binary does not know: that database
// was written by a newer kizuna, and an older one could corrupt it.
func migrate(ctx context.Context, db *sql.DB, ms []migration, now func() time.Time) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS migrations (
		name       TEXT    PRIMARY KEY,
		applied_at INTEGER NOT NULL
	)`); err != nil {
		return formatError(err, "creating the migrations table")
	}
	if err := checkSchemaNotNewer(ctx, db, ms); err != nil {
		return err
	}
	for _, m := range ms {
		if err := applyMigration(ctx, db, m, now); err != nil {
			return err
		}
	}
	return nil
}

// checkSchemaNotNewer fails with ESCHEMA when the database records a
// migration that is not in ms.
func checkSchemaNotNewer(ctx context.Context, db *sql.DB, ms []migration) error {
	known := map[string]bool{}
	latest := 0
	for _, m := range ms {
		known[m.name] = true
		latest = max(latest, m.number)
	}
	rows, err := db.QueryContext(ctx, `SELECT name FROM migrations`)
	if err != nil {
		return formatError(err, "reading the migrations table")
	}
	defer rows.Close()
	newest, unknown := 0, ""
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return formatError(err, "reading the migrations table")
		}
		if known[name] {
			continue
		}
		n, _ := migrationNumber(name)
		if unknown == "" || n > newest {
			newest, unknown = n, name
		}
	}
	if err := rows.Err(); err != nil {
		return formatError(err, "reading the migrations table")
	}
	if unknown != "" {
		return kizuna.WrapError(kizuna.ESCHEMA, fmt.Errorf("unknown migration %q", unknown),
			"data directory was written by a newer kizuna (schema %d > %d); upgrade kizuna",
			max(newest, latest+1), latest)
	}
	return nil
}

// applyMigration runs m unless it is already recorded. The check runs inside
// the write transaction, so two processes opening the same new database do
// not both apply it.
func applyMigration(ctx context.Context, db *sql.DB, m migration, now func() time.Time) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return formatError(err, "starting migration %s", m.name)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM migrations WHERE name = ?`, m.name).Scan(&n); err != nil {
		return formatError(err, "reading the migrations table")
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return kizuna.WrapError(kizuna.EINTERNAL, err, "sqlite: migration %s failed", m.name)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO migrations (name, applied_at) VALUES (?, ?)`,
		m.name, micros(now())); err != nil {
		return formatError(err, "recording migration %s", m.name)
	}
	if err := tx.Commit(); err != nil {
		return formatError(err, "committing migration %s", m.name)
	}
	return nil
}
