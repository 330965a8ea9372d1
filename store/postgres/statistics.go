package postgres

import (
	"context"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// statistics gathers the planner's statistics of objects (ANALYZE) when
// its first rows are stored, then each time this instance has stored as
// many rows as the last statistics counted, and at least analyzeMin: the
// table has doubled. A page query
// planned without statistics expects a handful of matching rows and sorts
// every match instead of walking the date_added index under the LIMIT:
// 3.7 s instead of 2.5 ms for a page of 1,000 from 1,000,000 objects,
// measured. PostgreSQL's autovacuum would gather them too, but it may be
// turned off, and it looks once a minute, which a bulk import outruns.
// Between two ANALYZEs the planner scales the row counts by the table's
// current size, so statistics of half the table plan alike. They are
// drawn from a sample of 6,000 rows (statistics target 20): the page
// plans depend on the counts of a few types and labels, and ANALYZE of
// the default 30,000 rows took 3.4 s at 1,000,000 objects on a loaded
// machine, 0.3–0.8 s with 6,000.
type statistics struct {
	mu      sync.Mutex
	pool    *pgxpool.Pool
	counted float64 // rows of objects the last statistics counted
	since   int64   // rows this instance stored since
	running bool
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

// analyzeMin is the fewest rows stored between two ANALYZEs.
const analyzeMin = 1000

// init reads the size of objects the current statistics counted, and
// gathers statistics now if the table has rows but none counted: a
// database written while they were not kept.
func (s *statistics) init(ctx context.Context, pool *pgxpool.Pool) error {
	s.pool = pool
	var tuples float32
	var rows bool
	if err := pool.QueryRow(ctx, `SELECT reltuples, EXISTS (SELECT 1 FROM objects) FROM pg_class WHERE oid = 'objects'::regclass`).Scan(&tuples, &rows); err != nil {
		return formatError(err, "reading the statistics of objects")
	}
	s.counted = max(float64(tuples), 0)
	if rows && s.counted == 0 {
		counted, err := s.analyze(ctx)
		if err != nil {
			return formatError(err, "gathering the statistics of objects")
		}
		s.counted = counted
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return nil
}

// stored counts n rows stored. The first rows of the table have their
// statistics gathered at once, before the writer returns: until then the
// planner knows nothing of objects, and its plan for a page's "no newer
// version" joins every row with every row of its label (a page of a
// 10,000-row collection ran for minutes, measured). Past the threshold,
// the statistics are gathered in the background unless that is already
// under way.
func (s *statistics) stored(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.since += int64(n)
	if s.running || s.ctx.Err() != nil || s.since == 0 {
		return
	}
	if s.counted == 0 {
		// Statistics only steer plans: a failure leaves none, and the
		// next write tries again.
		if counted, err := s.analyze(s.ctx); err == nil {
			s.counted, s.since = counted, 0
		}
		return
	}
	if float64(s.since) < max(analyzeMin, s.counted) {
		return
	}
	counted := s.counted + float64(s.since)
	s.running, s.since = true, 0
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		tuples, err := s.analyze(s.ctx)
		s.mu.Lock()
		defer s.mu.Unlock()
		s.running = false
		if err == nil {
			s.counted = tuples
		} else {
			// The next threshold tries again.
			s.counted = counted
		}
	}()
}

// analyze gathers the statistics of objects and returns the rows they
// count.
func (s *statistics) analyze(ctx context.Context) (float64, error) {
	var tuples float32
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL default_statistics_target = 20`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `ANALYZE objects`); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT reltuples FROM pg_class WHERE oid = 'objects'::regclass`).Scan(&tuples)
	})
	return max(float64(tuples), 0), err
}

// wait waits for the statistics being gathered.
func (s *statistics) wait() { s.wg.Wait() }

// close stops statistics being gathered and waits for them.
func (s *statistics) close() {
	s.cancel()
	s.wg.Wait()
}
