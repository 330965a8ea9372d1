package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/store/internal/rowcodec"
)

// AppendAudit appends the events in order, filling in Seq, Time (when
// zero), PrevHash and Hash (see kizuna.AuditEvent.ComputeHash). Reading the
// last hash and appending happen in one write transaction, so the chain has
// no fork even with several writers.
//
// Calls that arrive while another call's events are being written are
// written together, in one transaction, by the next of them to run (group
// commit): concurrent readers of classified material then share a commit
// instead of queueing for one each. Every call still returns only once its
// own events are committed, or with the error that kept them from it, so a
// read is never served on an audit record that was not written.
func (db *DB) AppendAudit(ctx context.Context, events ...*kizuna.AuditEvent) error {
	if len(events) == 0 {
		return nil
	}
	if err := rowcodec.CheckAudit(events); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return formatError(err, "appending to the audit log")
	}
	// The batch holds other callers' events too: one caller's cancellation
	// must not fail them.
	return db.audits.do(events, func(calls [][]*kizuna.AuditEvent) ([]error, error) {
		return nil, db.appendAudit(context.WithoutCancel(ctx), calls)
	})
}

// appendAudit writes the events of the calls, in order, in one transaction.
func (db *DB) appendAudit(ctx context.Context, calls [][]*kizuna.AuditEvent) error {
	var events []*kizuna.AuditEvent
	for _, c := range calls {
		events = append(events, c...)
	}
	defer db.auditCkpt.writing()()
	tx, err := db.auditW.BeginTx(ctx, nil)
	if err != nil {
		return formatError(err, "appending to the audit log")
	}
	defer tx.Rollback()
	var seq int64
	var prev string
	err = tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1`).Scan(&seq, &prev)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return formatError(err, "reading the audit log")
	}
	stmt, err := tx.PrepareContext(ctx, insertAudit)
	if err != nil {
		return formatError(err, "appending to the audit log")
	}
	filled := rowcodec.ChainAudit(events, seq, prev, db.now().UTC())
	for i := range filled {
		if _, err := stmt.ExecContext(ctx, rowcodec.AuditArgs(&filled[i])...); err != nil {
			return formatError(err, "appending to the audit log")
		}
	}
	if err := tx.Commit(); err != nil {
		return formatError(err, "appending to the audit log")
	}
	for i, e := range events {
		*e = filled[i]
	}
	if hook := db.auditHook.Load(); hook != nil {
		(*hook)(filled[len(filled)-1].Seq)
	}
	return nil
}

// OnAuditAppend sets a function called with the seq of the last entry of
// each committed append (nil: none), such as the signer of audit heads
// counting entries. It runs on the appending goroutine and must not block.
func (db *DB) OnAuditAppend(fn func(seq int64)) {
	if fn == nil {
		db.auditHook.Store(nil)
		return
	}
	db.auditHook.Store(&fn)
}

// FindAudit returns up to limit events with Seq > afterSeq, in order. A
// limit of zero or less returns up to MaxPageSize events.
func (db *DB) FindAudit(ctx context.Context, afterSeq int64, limit int) ([]*kizuna.AuditEvent, error) {
	if limit <= 0 || limit > MaxPageSize {
		limit = MaxPageSize
	}
	rows, err := db.auditR.QueryContext(ctx, `SELECT `+rowcodec.AuditColumns+`
		FROM audit WHERE seq > ? ORDER BY seq LIMIT ?`, afterSeq, limit)
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
