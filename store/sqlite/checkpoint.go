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
	for {
		select {
		case <-db.stop:
			return
		case <-db.kick:
		}
		// PASSIVE copies every frame that no reader still needs, without
		// waiting for readers or the writer. A checkpoint that fails (the
		// disk is full, say) is tried again after the next commit.
		var busy, frames, done int
		db.ckpt.QueryRow("PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &done)
		t := time.NewTimer(checkpointEvery)
		select {
		case <-db.stop:
			t.Stop()
			return
		case <-t.C:
		}
	}
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
	if err := tx.Tx.Commit(); err != nil {
		return err
	}
	tx.db.kickCheckpoint()
	return nil
}
