package sqlite

import (
	"context"
	"database/sql"
	"fmt"
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
// write transaction back (writeGate) while it copies the last frames, so
// that transaction starts the WAL over. The pause is the copy of that
// transaction's frames and two fsyncs: 65,536 frames (256 MiB at 4 KiB
// pages, some 60,000 objects of a large import) makes it rare: in a
// 1,000,000-object import on a loaded machine (load 5-7), the writer waited
// at the gate 25 times, 7.6 s of 112 s (at 32,768 frames, 5.1 s of the
// first 60 s).
const walRestartFrames = 65536

// startCheckpointer opens the checkpoint connection and starts the
// goroutine; stopCheckpointer ends both.
func (db *DB) startCheckpointer(ctx context.Context) error {
	dsn := db.path + fmt.Sprintf("?_pragma=busy_timeout(%d)", busyTimeout.Milliseconds())
	ckpt, err := sql.Open("sqlite", dsn)
	if err != nil {
		return formatError(err, "opening database %s", db.path)
	}
	ckpt.SetMaxOpenConns(1)
	ckpt.SetMaxIdleConns(1)
	ckpt.SetConnMaxIdleTime(0)
	ckpt.SetConnMaxLifetime(0)
	if err := ckpt.PingContext(ctx); err != nil {
		ckpt.Close()
		return formatError(err, "opening database %s", db.path)
	}
	db.ckpt = ckpt
	db.kick = make(chan struct{}, 1)
	db.stop = make(chan struct{})
	db.stopped = make(chan struct{})
	go db.checkpointLoop()
	db.kickCheckpoint() // the migrations may have left frames
	return nil
}

// kickCheckpoint asks for a checkpoint soon; it never blocks.
func (db *DB) kickCheckpoint() {
	if db.kick == nil {
		return
	}
	select {
	case db.kick <- struct{}{}:
	default:
	}
}

func (db *DB) checkpointLoop() {
	defer close(db.stopped)
	gateAt := 0 // past walLimit, the WAL length at which the gate closes
	for {
		select {
		case <-db.stop:
			return
		case <-db.kick:
		}
		// A checkpoint that fails (the disk is full, say) is tried again
		// after the next commit.
		limit := int(db.walLimit.Load())
		frames, done := db.checkpoint()
		switch {
		case frames < limit:
			gateAt = 0 // the WAL started over
		case frames >= gateAt:
			// Even a pass that copied every frame leaves the WAL as it is
			// when a write transaction was in flight, as one nearly always
			// is during an import: that transaction began before the pass
			// and its commit adds frames. Writes are held off only
			// briefly: for that transaction and the pass after it.
			db.writeGate.Lock()
			frames, done = db.checkpoint()
			db.writeGate.Unlock()
			if done < frames {
				// A reader's snapshot keeps frames in the WAL; try
				// again once it has grown by as much again.
				gateAt = frames + limit
			}
		}
		t := time.NewTimer(checkpointEvery)
		select {
		case <-db.stop:
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// checkpoint runs a PASSIVE checkpoint, which copies every frame that no
// reader still needs without waiting for readers or the writer, and returns
// the WAL's length and how much of it is copied, in frames.
func (db *DB) checkpoint() (frames, done int) {
	var busy int
	db.ckpt.QueryRow("PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &done)
	return frames, done
}

func (db *DB) stopCheckpointer() error {
	if db.stop == nil {
		return nil
	}
	var err error
	db.stopOnce.Do(func() {
		close(db.stop)
		<-db.stopped
		err = db.ckpt.Close()
	})
	return err
}

// commit commits a write transaction and asks for a checkpoint.
func (tx *writeTx) commit() error {
	defer tx.release()
	if err := tx.Tx.Commit(); err != nil {
		return err
	}
	tx.db.kickCheckpoint()
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
		tx.db.writeGate.RUnlock()
	}
}
