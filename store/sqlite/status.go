package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/store/internal/rowcodec"
)

// CreateStatus stores a new status resource. Concurrent status writes are
// committed together (statusWrites).
func (db *DB) CreateStatus(ctx context.Context, s *kizuna.Status) error {
	return db.writeStatus(ctx, statusWrite{create: true, s: s})
}

// UpdateStatus replaces the stored status of s.ID.
func (db *DB) UpdateStatus(ctx context.Context, s *kizuna.Status) error {
	return db.writeStatus(ctx, statusWrite{s: s})
}

// statusWrite is one CreateStatus or UpdateStatus call.
type statusWrite struct {
	create bool
	s      *kizuna.Status
}

// writeStatus checks the status and writes it with the status writes that
// arrive meanwhile, in one transaction. A node taking POSTs writes a status
// when it accepts each and when it has ingested it: one transaction each
// had them queue for the writer with the ingest itself, and in
// BenchmarkConcurrentClients they took two thirds of the writer's
// transactions.
func (db *DB) writeStatus(ctx context.Context, w statusWrite) error {
	if err := rowcodec.CheckStatus(w.s); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return formatError(err, "writing status %s", w.s.ID)
	}
	// The batch holds other callers' statuses too: one caller's
	// cancellation must not fail them.
	return db.statuses.do(w, func(batch []statusWrite) ([]error, error) {
		return db.statusWrites(context.WithoutCancel(ctx), batch)
	})
}

// statusWrites writes a batch of status writes in one transaction. A write
// that a constraint refuses (a status id used twice), or an update of a
// status that does not exist, fails alone: SQLite undoes only the
// statement. Any other error fails the batch.
func (db *DB) statusWrites(ctx context.Context, batch []statusWrite) ([]error, error) {
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	each := make([]error, len(batch))
	for i, w := range batch {
		if w.create {
			_, err := tx.ExecContext(ctx, `INSERT INTO statuses (id, collection, principal, status, request_time, total,
				successes, failures, pendings) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, append([]any{w.s.ID}, rowcodec.StatusArgs(w.s)...)...)
			if err != nil && !isConstraint(err) {
				return nil, formatError(err, "creating status %s", w.s.ID)
			}
			each[i] = formatError(err, "creating status %s", w.s.ID)
			continue
		}
		res, err := tx.ExecContext(ctx, `UPDATE statuses SET collection = ?, principal = ?, status = ?, request_time = ?,
			total = ?, successes = ?, failures = ?, pendings = ? WHERE id = ?`, append(rowcodec.StatusArgs(w.s), w.s.ID)...)
		if err != nil {
			if !isConstraint(err) {
				return nil, formatError(err, "updating status %s", w.s.ID)
			}
			each[i] = formatError(err, "updating status %s", w.s.ID)
			continue
		}
		if n, err := res.RowsAffected(); err != nil {
			return nil, formatError(err, "updating status %s", w.s.ID)
		} else if n == 0 {
			each[i] = kizuna.Errorf(kizuna.ENOTFOUND, "status %s not found", w.s.ID)
		}
	}
	if err := tx.commit(); err != nil {
		return nil, formatError(err, "writing statuses")
	}
	return each, nil
}

// FindStatusByID returns a status resource.
func (db *DB) FindStatusByID(ctx context.Context, id string) (*kizuna.Status, error) {
	s, err := rowcodec.ScanStatus("sqlite", id, db.read.QueryRowContext(ctx, `SELECT `+rowcodec.StatusColumns+` FROM statuses WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, kizuna.Errorf(kizuna.ENOTFOUND, "status %s not found", id)
	} else if err != nil {
		return nil, formatError(err, "finding status %s", id)
	}
	return s, nil
}

// FindPendingStatuses returns every pending status, oldest request first
// (migration 0006 indexes them).
func (db *DB) FindPendingStatuses(ctx context.Context) ([]*kizuna.Status, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id FROM statuses WHERE status = ? ORDER BY request_time, id`, kizuna.StatusPending)
	if err != nil {
		return nil, formatError(err, "listing pending statuses")
	}
	ids, err := scanIDs(rows)
	if err != nil {
		return nil, formatError(err, "listing pending statuses")
	}
	return rowcodec.FindEachStatus(ctx, ids, db.FindStatusByID)
}

// scanIDs reads a column of strings and closes rows.
func scanIDs(rows *sql.Rows) ([]string, error) {
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
