package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/store/internal/rowcodec"
)

// auditLock is the advisory lock key of audit appends.
const auditLock = 0x6b7a61756474

// AppendAudit appends the events in order, filling in Seq, Time (when
// zero), PrevHash and Hash (see kizuna.AuditEvent.ComputeHash). Reading the
// last hash and appending happen in one write transaction, so the chain has
// no fork even with several writers and instances.
func (db *DB) AppendAudit(ctx context.Context, events ...*kizuna.AuditEvent) error {
	if len(events) == 0 {
		return nil
	}
	if err := rowcodec.CheckAudit(events); err != nil {
		return err
	}
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	var seq int64
	var prev string
	// The lock serialises appenders of every instance: the chain has one
	// head.
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(auditLock)); err != nil {
		return formatError(err, "locking the audit log")
	}
	err = tx.QueryRow(ctx, `SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1`).Scan(&seq, &prev)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return formatError(err, "reading the audit log")
	}
	filled := rowcodec.ChainAudit(events, seq, prev, tx.now)
	for i := range filled {
		if _, err := tx.Exec(ctx, `INSERT INTO audit (`+rowcodec.AuditColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, rowcodec.AuditArgs(&filled[i])...); err != nil {
			return formatError(err, "appending to the audit log")
		}
	}
	if err := tx.Commit(ctx); err != nil {
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
	rows, err := db.pool.Query(ctx, `SELECT `+rowcodec.AuditColumns+`
		FROM audit WHERE seq > $1 ORDER BY seq LIMIT $2`, afterSeq, limit)
	if err != nil {
		return nil, formatError(err, "reading the audit log")
	}
	defer rows.Close()
	out := []*kizuna.AuditEvent{}
	for rows.Next() {
		e, err := rowcodec.ScanAudit(rows)
		if err != nil {
			return nil, formatError(err, "reading the audit log")
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, formatError(err, "reading the audit log")
	}
	return out, nil
}
