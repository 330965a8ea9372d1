package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/kizuna-dev/kizuna"
)

// statusArgs returns the stored columns of s after the id.
func statusArgs(s *kizuna.Status) []any {
	enc := func(d []kizuna.StatusDetail) string {
		b, _ := json.Marshal(nonNil(d)) // strings and times always encode
		return string(b)
	}
	return []any{s.Collection, s.Principal, s.Status, micros(s.RequestTime), s.Total,
		enc(s.Successes), enc(s.Failures), enc(s.Pendings)}
}

func validateStatus(s *kizuna.Status) error {
	if s == nil {
		return kizuna.Errorf(kizuna.EINVALID, "status is missing")
	}
	if s.ID == "" {
		return kizuna.Errorf(kizuna.EINVALID, "status has no id")
	}
	if s.Status != kizuna.StatusPending && s.Status != kizuna.StatusComplete {
		return kizuna.Errorf(kizuna.EINVALID, "status %s: unknown status %q", s.ID, s.Status)
	}
	return nil
}

// CreateStatus stores a new status resource.
func (db *DB) CreateStatus(ctx context.Context, s *kizuna.Status) error {
	if err := validateStatus(s); err != nil {
		return err
	}
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO statuses (id, collection, principal, status, request_time, total,
		successes, failures, pendings) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, append([]any{s.ID}, statusArgs(s)...)...); err != nil {
		return formatError(err, "creating status %s", s.ID)
	}
	return formatError(tx.commit(), "creating status %s", s.ID)
}

// UpdateStatus replaces the stored status of s.ID.
func (db *DB) UpdateStatus(ctx context.Context, s *kizuna.Status) error {
	if err := validateStatus(s); err != nil {
		return err
	}
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE statuses SET collection = ?, principal = ?, status = ?, request_time = ?,
		total = ?, successes = ?, failures = ?, pendings = ? WHERE id = ?`, append(statusArgs(s), s.ID)...)
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
	var (
		s                             = kizuna.Status{ID: id}
		requested                     int64
		successes, failures, pendings string
	)
	err := db.read.QueryRowContext(ctx, `SELECT collection, principal, status, request_time, total, successes,
		failures, pendings FROM statuses WHERE id = ?`, id).Scan(&s.Collection, &s.Principal, &s.Status, &requested,
		&s.Total, &successes, &failures, &pendings)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, kizuna.Errorf(kizuna.ENOTFOUND, "status %s not found", id)
	} else if err != nil {
		return nil, formatError(err, "finding status %s", id)
	}
	s.RequestTime = fromMicros(requested)
	for _, f := range []struct {
		src string
		dst *[]kizuna.StatusDetail
	}{{successes, &s.Successes}, {failures, &s.Failures}, {pendings, &s.Pendings}} {
		if err := json.Unmarshal([]byte(f.src), f.dst); err != nil {
			return nil, kizuna.WrapError(kizuna.EINTERNAL, err, "sqlite: stored status %s is corrupt", id)
		}
	}
	return &s, nil
}
