package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/store/internal/rowcodec"
)

// CreateStatus stores a new status resource.
func (db *DB) CreateStatus(ctx context.Context, s *kizuna.Status) error {
	if err := rowcodec.CheckStatus(s); err != nil {
		return err
	}
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	if _, err := tx.Exec(ctx, `INSERT INTO statuses (id, collection, principal, status, request_time, total,
		successes, failures, pendings) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, append([]any{s.ID}, rowcodec.StatusArgs(s)...)...); err != nil {
		return formatError(err, "creating status %s", s.ID)
	}
	return formatError(tx.Commit(ctx), "creating status %s", s.ID)
}

// UpdateStatus replaces the stored status of s.ID.
func (db *DB) UpdateStatus(ctx context.Context, s *kizuna.Status) error {
	if err := rowcodec.CheckStatus(s); err != nil {
		return err
	}
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	res, err := tx.Exec(ctx, `UPDATE statuses SET collection = $1, principal = $2, status = $3, request_time = $4,
		total = $5, successes = $6, failures = $7, pendings = $8 WHERE id = $9`, append(rowcodec.StatusArgs(s), s.ID)...)
	if err != nil {
		return formatError(err, "updating status %s", s.ID)
	}
	if res.RowsAffected() == 0 {
		return kizuna.Errorf(kizuna.ENOTFOUND, "status %s not found", s.ID)
	}
	return formatError(tx.Commit(ctx), "updating status %s", s.ID)
}

// FindStatusByID returns a status resource.
func (db *DB) FindStatusByID(ctx context.Context, id string) (*kizuna.Status, error) {
	s, err := rowcodec.ScanStatus("postgres", id, db.pool.QueryRow(ctx, `SELECT `+rowcodec.StatusColumns+` FROM statuses WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, kizuna.Errorf(kizuna.ENOTFOUND, "status %s not found", id)
	} else if err != nil {
		return nil, formatError(err, "finding status %s", id)
	}
	return s, nil
}

// FindPendingStatuses returns every pending status, oldest request first
// (migration 0003 indexes them).
func (db *DB) FindPendingStatuses(ctx context.Context) ([]*kizuna.Status, error) {
	rows, err := db.pool.Query(ctx, `SELECT id FROM statuses WHERE status = $1 ORDER BY request_time, id`, kizuna.StatusPending)
	if err != nil {
		return nil, formatError(err, "listing pending statuses")
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, formatError(err, "listing pending statuses")
	}
	return rowcodec.FindEachStatus(ctx, ids, db.FindStatusByID)
}
