// Package sqlite implements kizuna.Store on an embedded SQLite database, the
// default store of a node: `kizuna serve` needs nothing else.
//
// The database runs in WAL mode with one writer connection and a pool of
// readers. Every write runs in a BEGIN IMMEDIATE transaction on the writer,
// so writes are serialised (across processes too) and the date_added a
// write assigns inside its transaction follows commit order: a reader paging
// by date_added never skips a version committed after its page.
package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/store/internal/rowcodec"
	_ "modernc.org/sqlite" // registers the cgo-free "sqlite" driver
)

var _ kizuna.Store = (*DB)(nil)

// busyTimeout is how long a connection waits for a lock held by another
// connection or process before failing with EUNAVAILABLE. Writes are short
// (a batch of objects is a few milliseconds), so five seconds means the
// database is wedged, not merely busy.
const busyTimeout = 5 * time.Second

// DB is a kizuna store in one SQLite database file. It is safe for
// concurrent use.
type DB struct {
	path  string
	write *sql.DB   // one connection: writes are serialised
	read  *readPool // query-only connections for every read
	// lookup serves the reads made for a write (readpool.go).
	lookup *readPool

	// now returns the current time; tests replace it to provoke equal and
	// backward clock readings.
	now func() time.Time

	// labelCache holds committed access labels, so that reading objects
	// and storing them need no label lookup.
	labelCache rowcodec.LabelCache

	// The audit database (auditfile.go): its writer connection and readers.
	auditW, auditR *sql.DB
	// audits groups concurrent audit appends into one transaction.
	audits groupCommit[[]*kizuna.AuditEvent]
	// auditHook, when set, learns the last seq of each committed append.
	auditHook atomic.Pointer[func(seq int64)]
	// statuses groups concurrent status writes into one transaction.
	statuses groupCommit[statusWrite]

	// sparseBelow is the number of admitted rows below which a scoped page
	// reads them directly (sparseRows; 0 never does). Tests change it to
	// run the suite through both plans.
	sparseBelow int

	// The background checkpointers of the object and the audit database
	// (checkpoint.go).
	ckpt, auditCkpt checkpointer
}

// Open opens the SQLite database at path, creating it if needed, and brings
// its schema up to date. It fails with ESCHEMA when the database was written
// by a newer kizuna whose migrations this binary does not know.
func Open(ctx context.Context, path string) (*DB, error) {
	return open(ctx, path, embeddedMigrations)
}

func open(ctx context.Context, path string, source func() ([]migration, error)) (*DB, error) {
	if path == "" || strings.ContainsAny(path, "?#") || strings.HasPrefix(path, "file:") {
		return nil, kizuna.Errorf(kizuna.EINVALID, "sqlite: invalid database path %q: it must be a plain file path without '?' or '#'", path)
	}
	migrations, err := source()
	if err != nil {
		return nil, err
	}
	if err := makePrivate(path); err != nil {
		return nil, err
	}
	db := &DB{path: path, now: time.Now, sparseBelow: sparseRows}

	// synchronous=NORMAL: in WAL mode a commit is durable against a crash of
	// the process and consistent against a power loss, which may lose only
	// the last transactions before it. Objects arriving by TAXII are
	// re-sent by their publisher or peer (puts are idempotent), and FULL
	// would cost an fsync per commit.
	// foreign_keys=ON: SQLite leaves foreign keys unchecked unless told, per
	// connection; an object row must never point to a missing label.
	// wal_autocheckpoint=0: checkpoints run in the background instead
	// (checkpoint.go).
	writeDSN := path + "?_txlock=immediate" +
		fmt.Sprintf("&_pragma=busy_timeout(%d)", busyTimeout.Milliseconds()) +
		"&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)" +
		"&_pragma=wal_autocheckpoint(0)" + cachePragmas
	if db.write, err = sql.Open("sqlite", writeDSN); err != nil {
		return nil, formatError(err, "opening database %s", path)
	}
	db.write.SetMaxOpenConns(1)
	db.write.SetMaxIdleConns(1)
	db.write.SetConnMaxLifetime(0)
	db.write.SetConnMaxIdleTime(0)
	if err := db.write.PingContext(ctx); err != nil {
		db.write.Close()
		return nil, formatError(err, "opening database %s", path)
	}
	if err := db.prepareSchema(ctx, migrations); err != nil {
		db.closeAudit()
		db.write.Close()
		return nil, err
	}

	// Readers are query-only: a bug on a read path cannot write.
	readDSN := path + fmt.Sprintf("?_pragma=busy_timeout(%d)", busyTimeout.Milliseconds()) +
		"&_pragma=query_only(1)&_pragma=foreign_keys(1)" + cachePragmas
	readers := max(4, 2*runtime.GOMAXPROCS(0))
	if db.read, err = openReadPool(ctx, readDSN, readers); err == nil {
		db.lookup, err = openReadPool(ctx, readDSN, lookupConns)
	}
	if err != nil {
		db.Close()
		return nil, formatError(err, "opening database %s", path)
	}
	if err := db.ckpt.start(ctx, db.path); err == nil {
		err = db.auditCkpt.start(ctx, AuditPath(db.path))
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// prepareSchema brings both database files up to date. A database written
// by a newer kizuna is refused before anything is touched. The audit
// database is brought up to date, and given the rows of an older object
// database's audit table, before the object database's migrations drop
// that table.
func (db *DB) prepareSchema(ctx context.Context, migrations []migration) error {
	if err := refuseNewer(ctx, db.write, migrations); err != nil {
		return err
	}
	if err := db.openAudit(ctx); err != nil {
		return err
	}
	if err := db.moveAudit(ctx); err != nil {
		return err
	}
	return applyMigrations(ctx, db.write, migrations, db.now)
}

// Close closes the database. A final checkpoint folds the WAL back into the
// database file, so that a copied data directory is self-contained.
func (db *DB) Close() error {
	errs := []error{db.ckpt.close(), db.auditCkpt.close(), db.lookup.close(), db.read.close()}
	errs = append(errs, closePair(nil, db.write)...)
	errs = append(errs, closePair(db.auditR, db.auditW)...)
	for _, err := range errs {
		if err != nil {
			return formatError(err, "closing database %s", db.path)
		}
	}
	return nil
}

// closePair closes the readers and then the writer of one database file,
// folding its WAL back into the file first; either may be nil.
func closePair(read, write *sql.DB) []error {
	var errs []error
	if read != nil {
		errs = append(errs, read.Close())
	}
	if write != nil {
		if _, err := write.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
			errs = append(errs, err)
		}
		errs = append(errs, write.Close())
	}
	return errs
}

// writeTx is a write transaction with the one "now" every row it writes uses.
type writeTx struct {
	*sql.Tx
	db       *DB
	now      time.Time
	released bool // the checkpointer's gate released
}

// beginWrite starts a write transaction on the writer connection. The
// driver issues BEGIN IMMEDIATE, which takes the write lock at once, so a
// transaction never fails halfway on a lock upgrade.
func (db *DB) beginWrite(ctx context.Context) (*writeTx, error) {
	db.ckpt.gate.RLock()
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		db.ckpt.gate.RUnlock()
		return nil, formatError(err, "starting a write transaction")
	}
	return &writeTx{Tx: tx, db: db, now: db.now().UTC()}, nil
}

// nullMicros stores the zero time as NULL.
func nullMicros(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: rowcodec.Micros(t), Valid: true}
}

// timeOrZero reads a nullable timestamp.
func timeOrZero(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return rowcodec.FromMicros(n.Int64)
}

// lookupConns is the size of the pool that serves the reads made for a
// write: one per ingest worker of the default configuration (two), which
// a federation pull shares.
const lookupConns = 2

// cachePragmas give each connection a 32 MiB page cache (the default is
// 2 MiB): index pages of a million-object collection then stay in memory
// across transactions. Temporary b-trees (sorts of id lookups) stay in
// memory too.
const cachePragmas = "&_pragma=cache_size(-32768)&_pragma=temp_store(MEMORY)"
