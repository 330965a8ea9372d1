package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"strings"

	"github.com/kizuna-dev/kizuna/store/internal/rowcodec"
)

// The audit log lives in a database file of its own, beside the object
// database: every commit to a SQLite database makes each other connection
// to it drop its page cache, and the audit log is written on reads (one
// record per page of classified reads). In the object database each such
// commit would send every object reader back for the pages of the id
// index; in a file of its own it leaves them alone, and an audit append
// never queues behind an import's write transaction either.

//go:embed audit_migration/*.sql
var auditMigrationFS embed.FS

// auditMigrations returns the audit database's migrations compiled into
// this binary.
func auditMigrations() ([]migration, error) {
	return loadMigrations(auditMigrationFS, "audit_migration")
}

// AuditPath returns the path of the audit database that goes with the
// object database at path: "kizuna.db" keeps its audit log in
// "kizuna-audit.db". Both files (and their -wal and -shm companions while
// open) make up the store.
func AuditPath(path string) string {
	if p, ok := strings.CutSuffix(path, ".db"); ok {
		return p + "-audit.db"
	}
	return path + "-audit"
}

// openAudit opens the audit database with its own writer connection and a
// small pool of query-only readers, and brings its schema up to date.
func (db *DB) openAudit(ctx context.Context) error {
	path := AuditPath(db.path)
	if err := makePrivate(path); err != nil {
		return err
	}
	busy := fmt.Sprintf("_pragma=busy_timeout(%d)", busyTimeout.Milliseconds())
	// The same durability as the object database (see open), and the same
	// background checkpointer instead of SQLite's own (checkpoint.go).
	w, err := sql.Open("sqlite", path+"?_txlock=immediate&"+busy+
		"&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=wal_autocheckpoint(0)")
	if err != nil {
		return formatError(err, "opening the audit database %s", path)
	}
	db.auditW = w
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	if err := w.PingContext(ctx); err != nil {
		return formatError(err, "opening the audit database %s", path)
	}
	ms, err := auditMigrations()
	if err != nil {
		return err
	}
	if err := migrate(ctx, w, ms, db.now); err != nil {
		return err
	}
	r, err := sql.Open("sqlite", path+"?"+busy+"&_pragma=query_only(1)")
	if err != nil {
		return formatError(err, "opening the audit database %s", path)
	}
	db.auditR = r
	r.SetMaxOpenConns(2)
	r.SetMaxIdleConns(2)
	if err := r.PingContext(ctx); err != nil {
		return formatError(err, "opening the audit database %s", path)
	}
	return nil
}

// moveAudit copies into the audit database the rows of the object
// database's own audit table, which databases written before migration
// 0004 hold, that the audit database lacks; migration 0004 then drops that
// table. The copy is one committed transaction, so a crash before 0004
// leaves both copies, and the next Open copies nothing more.
func (db *DB) moveAudit(ctx context.Context) error {
	var n int
	if err := db.write.QueryRowContext(ctx,
		`SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table' AND name = 'audit'`).Scan(&n); err != nil {
		return formatError(err, "reading the schema")
	}
	if n == 0 {
		return nil
	}
	tx, err := db.auditW.BeginTx(ctx, nil)
	if err != nil {
		return formatError(err, "moving the audit log")
	}
	defer tx.Rollback()
	var last int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM audit`).Scan(&last); err != nil {
		return formatError(err, "moving the audit log")
	}
	rows, err := db.write.QueryContext(ctx, `SELECT `+rowcodec.AuditColumns+` FROM audit WHERE seq > ? ORDER BY seq`, last)
	if err != nil {
		return formatError(err, "moving the audit log")
	}
	defer rows.Close()
	stmt, err := tx.PrepareContext(ctx, insertAudit)
	if err != nil {
		return formatError(err, "moving the audit log")
	}
	for rows.Next() {
		e, err := rowcodec.ScanAudit(rows)
		if err != nil {
			return formatError(err, "moving the audit log")
		}
		if _, err := stmt.ExecContext(ctx, rowcodec.AuditArgs(e)...); err != nil {
			return formatError(err, "moving the audit log")
		}
	}
	if err := rows.Err(); err != nil {
		return formatError(err, "moving the audit log")
	}
	if err := tx.Commit(); err != nil {
		return formatError(err, "moving the audit log")
	}
	return nil
}

// closeAudit closes the audit database, folding its WAL back into the file.
func (db *DB) closeAudit() { closePair(db.auditR, db.auditW) }

// insertAudit appends one row of rowcodec.AuditColumns.
const insertAudit = `INSERT INTO audit (` + rowcodec.AuditColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
