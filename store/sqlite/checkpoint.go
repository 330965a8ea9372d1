package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// checkpointEvery is how often, at most, the background checkpointer folds
// the WAL back into the database file while writes go on.
//
// SQLite's own automatic checkpoint runs inside the commit that crosses its
// threshold, on the writer, and took about a tenth of the writer's CPU in
// BenchmarkPutObjects. The writer turns it off (wal_autocheckpoint=0) and
// this goroutine runs it on its own connection, on the other core, after
// commits.
const checkpointEvery = 100 * time.Millisecond

// walRestartFrames is the length of the WAL, in frames (pages), past which
// the checkpointer makes the WAL start over. A checkpoint that runs while
// the writer goes on never catches up with it, and SQLite restarts the WAL
// only at the start of a write transaction that finds it wholly
// checkpointed: without a pause, a bulk import grew the WAL to gigabytes
// (8 GB after 400,000 objects), and every page lookup searched the WAL
// index of all of it. Past this length, the checkpointer holds the next
// write transaction back (its gate) while it copies the last frames, so
// that transaction starts the WAL over. The pause is the copy of that
// transaction's frames and two fsyncs: 65,536 frames (256 MiB at 4 KiB
// pages, some 60,000 objects of a large import) makes it rare: in a
// 1,000,000-object import on a loaded machine (load 5-7), the writer waited
// at the gate 25 times, 7.6 s of 112 s (at 32,768 frames, 5.1 s of the
// first 60 s).
const walRestartFrames = 65536

// checkpointer folds the WAL of one database file back into the file on
// its own connection, after commits, so that no commit pays for it. The
// object database and the audit database each have one: the audit record
// of a page of classified reads is committed before the page is served, and
// SQLite's own checkpoint inside that commit would make every few hundredth
// page wait for a copy and two fsyncs.
type checkpointer struct {
	path string
	conn *sql.DB
	kick chan struct{}
	// gate is held (shared) by each write, and exclusively by the
	// checkpointer when the WAL must start over.
	gate sync.RWMutex
	// walLimit is walRestartFrames; tests lower it.
	walLimit      atomic.Int64
	stop, stopped chan struct{}
	stopOnce      sync.Once
}

// start opens the checkpoint connection to path and starts the goroutine;
// close ends both.
func (c *checkpointer) start(ctx context.Context, path string) error {
	c.path = path
	if c.walLimit.Load() == 0 {
		c.walLimit.Store(walRestartFrames)
	}
	dsn := path + fmt.Sprintf("?_pragma=busy_timeout(%d)", busyTimeout.Milliseconds())
	conn, err := sql.Open("sqlite", dsn)
	if err != nil {
		return formatError(err, "opening database %s", path)
	}
	conn.SetMaxOpenConns(1)
	conn.SetMaxIdleConns(1)
	conn.SetConnMaxIdleTime(0)
	conn.SetConnMaxLifetime(0)
	if err := conn.PingContext(ctx); err != nil {
		conn.Close()
		return formatError(err, "opening database %s", path)
	}
	c.conn = conn
	c.kick = make(chan struct{}, 1)
	c.stop = make(chan struct{})
	c.stopped = make(chan struct{})
	go c.loop()
	c.kickNow() // the migrations may have left frames
	return nil
}

// kickNow asks for a checkpoint soon; it never blocks.
func (c *checkpointer) kickNow() {
	if c.kick == nil {
		return
	}
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// writing holds the gate for one write outside a writeTx and returns its
// release, which asks for a checkpoint.
func (c *checkpointer) writing() (release func()) {
	c.gate.RLock()
	return func() {
		c.gate.RUnlock()
		c.kickNow()
	}
}

func (c *checkpointer) loop() {
	defer close(c.stopped)
	gateAt := 0 // past walLimit, the WAL length at which the gate closes
	for {
		select {
		case <-c.stop:
			return
		case <-c.kick:
		}
		// A checkpoint that fails (the disk is full, say) is tried again
		// after the next commit.
		limit := int(c.walLimit.Load())
		frames, done := c.checkpoint()
		switch {
		case frames < limit:
			gateAt = 0 // the WAL started over
		case frames >= gateAt:
			// Even a pass that copied every frame leaves the WAL as it is
			// when a write transaction was in flight, as one nearly always
			// is during an import: that transaction began before the pass
			// and its commit adds frames. Writes are held off only
			// briefly: for that transaction and the pass after it.
			c.gate.Lock()
			frames, done = c.checkpoint()
			c.gate.Unlock()
			if done < frames {
				// A reader's snapshot keeps frames in the WAL; try
				// again once it has grown by as much again.
				gateAt = frames + limit
			}
		}
		t := time.NewTimer(checkpointEvery)
		select {
		case <-c.stop:
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// checkpoint runs a PASSIVE checkpoint, which copies every frame that no
// reader still needs without waiting for readers or the writer, and returns
// the WAL's length and how much of it is copied, in frames.
func (c *checkpointer) checkpoint() (frames, done int) {
	var busy int
	c.conn.QueryRow("PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &done)
	return frames, done
}

// close stops the goroutine and closes the connection.
func (c *checkpointer) close() error {
	if c.stop == nil {
		return nil
	}
	var err error
	c.stopOnce.Do(func() {
		close(c.stop)
		<-c.stopped
		err = c.conn.Close()
	})
	return err
}

// commit commits a write transaction and asks for a checkpoint.
func (tx *writeTx) commit() error {
	defer tx.release()
	if err := tx.Tx.Commit(); err != nil {
		return err
	}
	tx.db.ckpt.kickNow()
	return nil
}

// Rollback rolls the transaction back unless it is already over.
func (tx *writeTx) Rollback() error {
	defer tx.release()
	return tx.Tx.Rollback()
}

// release lets the checkpointer's gate close again; it runs once.
func (tx *writeTx) release() {
	if !tx.released {
		tx.released = true
		tx.db.ckpt.gate.RUnlock()
	}
}
