package postgres

import (
	"context"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// statistics gathers the planner's statistics of objects (ANALYZE) each
// time this instance has stored as many rows as the last statistics
// counted, and at least analyzeMin: the table has doubled. A page query
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
const analyzeMin = 10_000

// init reads the size of objects the current statistics counted.
func (s *statistics) init(ctx context.Context, pool *pgxpool.Pool) {
	s.pool = pool
	s.ctx, s.cancel = context.WithCancel(context.Background())
	var tuples float32
	if err := pool.QueryRow(ctx, `SELECT reltuples FROM pg_class WHERE oid = 'objects'::regclass`).Scan(&tuples); err == nil && tuples > 0 {
		s.counted = float64(tuples)
	}
}

// stored counts n rows stored and, past the threshold, gathers the
// statistics in the background unless that is already under way.
func (s *statistics) stored(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.since += int64(n)
	if s.running || s.ctx.Err() != nil || float64(s.since) < max(analyzeMin, s.counted) {
		return
	}
	counted := s.counted + float64(s.since)
	s.running, s.since = true, 0
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		// Statistics only steer plans: a failure leaves the previous
		// ones, and the next threshold tries again.
		var tuples float32
		err := pgx.BeginFunc(s.ctx, s.pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(s.ctx, `SET LOCAL default_statistics_target = 20`); err != nil {
				return err
			}
			if _, err := tx.Exec(s.ctx, `ANALYZE objects`); err != nil {
				return err
			}
			return tx.QueryRow(s.ctx, `SELECT reltuples FROM pg_class WHERE oid = 'objects'::regclass`).Scan(&tuples)
		})
		s.mu.Lock()
		defer s.mu.Unlock()
		s.running = false
		if err == nil {
			s.counted = float64(tuples)
		} else {
			s.counted = counted
		}
	}()
}

// wait waits for the statistics being gathered.
func (s *statistics) wait() { s.wg.Wait() }

// close stops statistics being gathered and waits for them.
func (s *statistics) close() {
	s.cancel()
	s.wg.Wait()
}
