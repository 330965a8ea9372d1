package postgres

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/jackc/pgx/v5"

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
	defer tx.rollback()
	if _, err := tx.Exec(ctx, `INSERT INTO statuses (id, collection, principal, status, request_time, total,
		successes, failures, pendings) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, append([]any{s.ID}, statusArgs(s)...)...); err != nil {
		return formatError(err, "creating status %s", s.ID)
	}
	return formatError(tx.Commit(ctx), "creating status %s", s.ID)
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
	defer tx.rollback()
	res, err := tx.Exec(ctx, `UPDATE statuses SET collection = $1, principal = $2, status = $3, request_time = $4,
		total = $5, successes = $6, failures = $7, pendings = $8 WHERE id = $9`, append(statusArgs(s), s.ID)...)
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
	var (
		s                             = kizuna.Status{ID: id}
		requested                     int64
		successes, failures, pendings string
	)
	err := db.pool.QueryRow(ctx, `SELECT collection, principal, status, request_time, total, successes,
		failures, pendings FROM statuses WHERE id = $1`, id).Scan(&s.Collection, &s.Principal, &s.Status, &requested,
		&s.Total, &successes, &failures, &pendings)
	if errors.Is(err, pgx.ErrNoRows) {
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
			return nil, kizuna.WrapError(kizuna.EINTERNAL, err, "postgres: stored status %s is corrupt", id)
		}
	}
	return &s, nil
}
