package sqlite

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
)

// readPool is a pool of query-only connections to the database, with its
// own cache of prepared statements (a statement belongs to one pool).
//
// A node has two: the readers, which serve every read, and the lookups
// (ObjectFilter.ForWrite), which serve only the reads a write needs first:
// the stored versions the write rules compare a new version with. Waiting
// connection requests are served in random order, so with the lookups in
// the readers' pool a node busy with hundreds of concurrent readers held
// each POST's lookup some 10 ms behind them, and its writers fell behind:
// in BenchmarkConcurrentClients, 482 of 71,203 requests were refused (503)
// because the POST queue filled up.
type readPool struct {
	*sql.DB
	stmts  sync.Map // string -> *sql.Stmt
	nstmts atomic.Int64
}

// openReadPool opens a pool of at most conns connections and checks that
// it can reach the database.
func openReadPool(ctx context.Context, dsn string, conns int) (*readPool, error) {
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	db.SetConnMaxIdleTime(0)
	db.SetConnMaxLifetime(0)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return &readPool{DB: db}, nil
}

// maxCachedStmts bounds a pool's statement cache. Filters combine into a
// few hundred query texts at most, and a handful in practice; past the
// bound a query is prepared for its one use.
const maxCachedStmts = 256

// stmt returns the prepared statement of the query text, and whether the
// caller must close it after use. Compiling a page query costs more than
// running it on a small page; the set of texts is small, since list
// filters are bound as one JSON parameter.
func (p *readPool) stmt(ctx context.Context, query string) (stmt *sql.Stmt, once bool, err error) {
	if s, ok := p.stmts.Load(query); ok {
		return s.(*sql.Stmt), false, nil
	}
	s, err := p.PrepareContext(ctx, query)
	if err != nil {
		return nil, false, formatError(err, "preparing a query")
	}
	if p.nstmts.Load() >= maxCachedStmts {
		return s, true, nil
	}
	if prev, loaded := p.stmts.LoadOrStore(query, s); loaded {
		s.Close()
		return prev.(*sql.Stmt), false, nil
	}
	p.nstmts.Add(1)
	return s, false, nil
}

// close closes the cached statements and the connections; p may be nil.
func (p *readPool) close() error {
	if p == nil {
		return nil
	}
	var first error
	p.stmts.Range(func(_, v any) bool {
		if err := v.(*sql.Stmt).Close(); err != nil && first == nil {
			first = err
		}
		return true
	})
	if err := p.DB.Close(); err != nil && first == nil {
		first = err
	}
	return first
}
