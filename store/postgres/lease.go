package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// Lease timing: how often an instance tries to take a lease another
// holds, and how often the holder checks that its session (which holds the
// lock) is alive.
const (
	leaseRetry = 500 * time.Millisecond
	leaseCheck = 500 * time.Millisecond
)

// Lease blocks until this process holds the session-level advisory lock
// of the name, on a connection of its own, or ctx ends. The lock lasts as
// long as that connection: when the process dies, or its connection to
// the database breaks, PostgreSQL ends the session and another instance
// takes the lease within leaseRetry. held ends when ctx ends or the
// session can no longer be shown alive; release unlocks and closes.
func (db *DB) Lease(ctx context.Context, name string) (held context.Context, release func(), err error) {
	key := LockKey("kizuna lease " + name)
	cfg := db.pool.Config().ConnConfig.Copy()
	for {
		conn, err := pgx.ConnectConfig(ctx, cfg)
		if err != nil {
			return nil, nil, formatError(err, "lease %q: connecting", name)
		}
		for {
			var ok bool
			if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, key).Scan(&ok); err != nil {
				conn.Close(context.Background())
				if ctx.Err() != nil {
					return nil, nil, ctx.Err()
				}
				break // a broken connection: connect again
			}
			if ok {
				return db.hold(ctx, conn, key)
			}
			t := time.NewTimer(leaseRetry)
			select {
			case <-ctx.Done():
				t.Stop()
				conn.Close(context.Background())
				return nil, nil, ctx.Err()
			case <-t.C:
			}
		}
		t := time.NewTimer(leaseRetry)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, nil, ctx.Err()
		case <-t.C:
		}
	}
}

// hold watches the session that holds a lease until ctx ends or release is
// called, and ends held as soon as the session cannot be shown alive.
func (db *DB) hold(ctx context.Context, conn *pgx.Conn, key int64) (context.Context, func(), error) {
	held, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(leaseCheck)
		defer t.Stop()
		for {
			select {
			case <-held.Done():
				return
			case <-t.C:
			}
			pctx, pcancel := context.WithTimeout(held, leaseCheck)
			err := conn.Ping(pctx)
			pcancel()
			if err != nil {
				cancel()
				return
			}
		}
	}()
	release := func() {
		cancel()
		<-done
		uctx, ucancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer ucancel()
		conn.Exec(uctx, `SELECT pg_advisory_unlock($1)`, key)
		conn.Close(uctx)
	}
	return held, release, nil
}

// Exclusive runs fn while this process holds the transaction-level
// advisory lock of the name, so that the calls of Exclusive with one name,
// by every instance sharing the database, run one after the other. The
// lock is held on a connection of the pool for as long as fn runs, and is
// given up when fn returns or the session ends.
func (db *DB) Exclusive(ctx context.Context, name string, fn func() error) error {
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return formatError(err, "exclusive %q: starting a transaction", name)
	}
	defer tx.Rollback(context.Background())
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, LockKey("kizuna exclusive "+name)); err != nil {
		return formatError(err, "exclusive %q: locking", name)
	}
	if err := fn(); err != nil {
		return err
	}
	return formatError(tx.Commit(ctx), "exclusive %q: unlocking", name)
}
