package sqlite

import (
	"context"
	"database/sql"
	"errors"

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
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO statuses (id, collection, principal, status, request_time, total,
		successes, failures, pendings) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, append([]any{s.ID}, rowcodec.StatusArgs(s)...)...); err != nil {
		return formatError(err, "creating status %s", s.ID)
	}
	return formatError(tx.commit(), "creating status %s", s.ID)
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
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE statuses SET collection = ?, principal = ?, status = ?, request_time = ?,
		total = ?, successes = ?, failures = ?, pendings = ? WHERE id = ?`, append(rowcodec.StatusArgs(s), s.ID)...)
	if err != nil {
		return formatError(err, "updating status %s", s.ID)
	}
	if n, err := res.RowsAffected(); err != nil {
		return formatError(err, "updating status %s", s.ID)
	} else if n == 0 {
		return kizuna.Errorf(kizuna.ENOTFOUND, "status %s not found", s.ID)
	}
	return formatError(tx.commit(), "updating status %s", s.ID)
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
