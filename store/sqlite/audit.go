package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/kizuna-dev/kizuna"
)

// AppendAudit appends the events in order, filling in Seq, Time (when
// zero), PrevHash and Hash (see kizuna.AuditEvent.ComputeHash). Reading the
// last hash and appending happen in one write transaction, so the chain has
// no fork even with several writers.
func (db *DB) AppendAudit(ctx context.Context, events ...*kizuna.AuditEvent) error {
	if len(events) == 0 {
		return nil
	}
	for i, e := range events {
		if e == nil {
			return kizuna.Errorf(kizuna.EINVALID, "audit event %d is missing", i)
		}
	}
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var seq int64
	var prev string
	err = tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1`).Scan(&seq, &prev)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return formatError(err, "reading the audit log")
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO audit (seq, time, principal, action, object, decision, reason,
		prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return formatError(err, "appending to the audit log")
	}
	filled := make([]kizuna.AuditEvent, len(events))
	for i, e := range events {
		f := *e
		seq++
		f.Seq, f.PrevHash = seq, prev
		if f.Time.IsZero() {
			f.Time = tx.now
		}
		f.Time = f.Time.UTC().Truncate(time.Microsecond)
		f.Hash = f.ComputeHash()
		if _, err := stmt.ExecContext(ctx, f.Seq, micros(f.Time), f.Principal, f.Action, f.Object, f.Decision,
			f.Reason, f.PrevHash, f.Hash); err != nil {
			return formatError(err, "appending to the audit log")
		}
		prev = f.Hash
		filled[i] = f
	}
	if err := tx.commit(); err != nil {
		return formatError(err, "appending to the audit log")
	}
	for i, e := range events {
		*e = filled[i]
	}
	return nil
}

// FindAudit returns up to limit events with Seq > afterSeq, in order. A
// limit of zero or less returns up to MaxPageSize events.
func (db *DB) FindAudit(ctx context.Context, afterSeq int64, limit int) ([]*kizuna.AuditEvent, error) {
	if limit <= 0 || limit > MaxPageSize {
		limit = MaxPageSize
	}
	rows, err := db.read.QueryContext(ctx, `SELECT seq, time, principal, action, object, decision, reason, prev_hash, hash
		FROM audit WHERE seq > ? ORDER BY seq LIMIT ?`, afterSeq, limit)
	if err != nil {
		return nil, formatError(err, "reading the audit log")
	}
	defer rows.Close()
	out := []*kizuna.AuditEvent{}
	for rows.Next() {
		var e kizuna.AuditEvent
		var t int64
		if err := rows.Scan(&e.Seq, &t, &e.Principal, &e.Action, &e.Object, &e.Decision, &e.Reason, &e.PrevHash, &e.Hash); err != nil {
			return nil, formatError(err, "reading the audit log")
		}
		e.Time = fromMicros(t)
		out = append(out, &e)
	}
	if err := rows.Err(); err != nil {
		return nil, formatError(err, "reading the audit log")
	}
	return out, nil
}
