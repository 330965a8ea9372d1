// Package postgres implements kizuna.Store on PostgreSQL, for deployments
// that outgrow one machine: several stateless `kizuna serve` instances share
// one database, and PostgreSQL's replication carries the rest.
//
// Writers of a collection serialise on its row (SELECT ... FOR UPDATE, held
// to commit), so date_added, computed inside the transaction, follows commit
// order even with many writers in many processes: a reader paging by
// date_added never skips a version committed after its page.
package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/store/internal/rowcodec"
)

var _ kizuna.Store = (*DB)(nil)

// DB is a kizuna store in a PostgreSQL database. It is safe for concurrent
// use, by several processes too.
type DB struct {
	pool *pgxpool.Pool

	// now returns the current time; tests replace it.
	now func() time.Time

	// Caches of committed access labels, which are immutable and never
	// deleted: by id for reads, by encoding for writes.
	labelCache rowcodec.LabelCache

	// stats keeps the planner's statistics of objects and owners up to
	// date as this instance writes.
	stats statistics
}

// Open connects to the database of the DSN (a PostgreSQL URL or key=value
// string; a search_path parameter selects the schema) and brings its schema
// up to date. It fails with ESCHEMA when the database was written by a
// newer kizuna whose migrations this binary does not know.
func Open(ctx context.Context, dsn string) (*DB, error) {
	return open(ctx, dsn, embeddedMigrations)
}

func open(ctx context.Context, dsn string, source func() ([]migration, error)) (*DB, error) {
	migrations, err := source()
	if err != nil {
		return nil, err
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// The DSN may hold a password: the message does not repeat it.
		return nil, kizuna.WrapError(kizuna.EINVALID, err, "postgres: invalid connection string")
	}
	// Page queries are short and index-driven; the JIT compiler costs
	// them far more (tens of milliseconds) than it could save.
	// A page query's best plan depends on its lists (one type or several,
	// a narrow or wide scope), so every execution is planned with its own
	// values rather than with a generic plan.
	// A parallel plan starts worker processes for every page (30 ms
	// measured, where the page itself takes 2.5 ms).
	for k, v := range map[string]string{"jit": "off", "plan_cache_mode": "force_custom_plan", "max_parallel_workers_per_gather": "0"} {
		if _, set := cfg.ConnConfig.RuntimeParams[k]; !set {
			cfg.ConnConfig.RuntimeParams[k] = v
		}
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, formatError(err, "connecting to the database")
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, formatError(err, "connecting to the database")
	}
	db := &DB{pool: pool, now: time.Now}
	if err := migrate(ctx, pool, migrations, db.now); err != nil {
		pool.Close()
		return nil, err
	}
	if err := db.stats.init(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	return db, nil
}

// Close closes the connections, once statistics being gathered are.
func (db *DB) Close() error {
	db.stats.close()
	db.pool.Close()
	return nil
}

// writeTx is a write transaction with the one "now" every row it writes
// uses.
type writeTx struct {
	pgx.Tx
	db  *DB
	now time.Time
}

func (db *DB) beginWrite(ctx context.Context) (*writeTx, error) {
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return nil, formatError(err, "starting a write transaction")
	}
	return &writeTx{Tx: tx, db: db, now: db.now().UTC()}, nil
}

// rollback ends tx, ignoring the error of a transaction already ended.
func (tx *writeTx) rollback() { tx.Rollback(context.Background()) }

// nullMicros stores the zero time as NULL.
func nullMicros(t time.Time) *int64 {
	if t.IsZero() {
		return nil
	}
	us := rowcodec.Micros(t)
	return &us
}

func timeOrZero(us *int64) time.Time {
	if us == nil {
		return time.Time{}
	}
	return rowcodec.FromMicros(*us)
}
