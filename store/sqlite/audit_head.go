package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/store/internal/rowcodec"
)

// Signed heads, receipts, witnessed heads and alarms live in the audit
// database beside the log; their SQL is shared with PostgreSQL (rowcodec).

var (
	_ kizuna.AuditHeadStore = (*DB)(nil)
	_ kizuna.WitnessStore   = (*DB)(nil)
)

// q converts a shared statement to SQLite's placeholders.
func q(stmt string) string { return rowcodec.SQLitePlaceholders(stmt) }

// AuditChainHead returns the seq and hash of the log's last entry.
func (db *DB) AuditChainHead(ctx context.Context) (int64, string, error) {
	var seq int64
	var hash string
	err := db.auditR.QueryRowContext(ctx, rowcodec.ChainHead).Scan(&seq, &hash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, "", formatError(err, "reading the audit log")
	}
	return seq, hash, nil
}

// AuditHashes returns the hashes of the entries of seqs the log holds.
func (db *DB) AuditHashes(ctx context.Context, seqs []int64) (map[int64]string, error) {
	out := make(map[int64]string, len(seqs))
	const batch = 500
	for len(seqs) > 0 {
		n := min(batch, len(seqs))
		args := make([]any, n)
		for i, s := range seqs[:n] {
			args[i] = s
		}
		rows, err := db.auditR.QueryContext(ctx, `SELECT seq, hash FROM audit WHERE seq IN (?`+strings.Repeat(", ?", n-1)+`)`, args...)
		if err != nil {
			return nil, formatError(err, "reading the audit log")
		}
		for rows.Next() {
			var s int64
			var h string
			if err := rows.Scan(&s, &h); err != nil {
				rows.Close()
				return nil, formatError(err, "reading the audit log")
			}
			out[s] = h
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, formatError(err, "reading the audit log")
		}
		seqs = seqs[n:]
	}
	return out, nil
}

// AddAuditHead stores a signed head of this node's log.
func (db *DB) AddAuditHead(ctx context.Context, h *kizuna.AuditHead) error {
	defer db.auditCkpt.writing()()
	if _, err := db.auditW.ExecContext(ctx, q(rowcodec.InsertAuditHead), rowcodec.AuditHeadArgs(h)...); err != nil {
		return formatError(err, "storing a signed audit head")
	}
	return nil
}

// LastAuditHead returns the head stored last.
func (db *DB) LastAuditHead(ctx context.Context) (*kizuna.AuditHead, error) {
	h, err := rowcodec.ScanAuditHead(db.auditR.QueryRowContext(ctx, rowcodec.LastAuditHead))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, kizuna.Errorf(kizuna.ENOTFOUND, "the audit log has no signed head")
	}
	if err != nil {
		return nil, formatError(err, "reading the signed audit heads")
	}
	return h, nil
}

// FindAuditHeads returns the heads with Seq > afterSeq, a page of about
// limit ending with every head of its last Seq.
func (db *DB) FindAuditHeads(ctx context.Context, afterSeq int64, limit int) ([]*kizuna.AuditHead, error) {
	return queryAll(ctx, db.auditR, q(rowcodec.FindAuditHeads), rowcodec.ScanAuditHead, "reading the signed audit heads",
		afterSeq, rowcodec.PageOffset(limit, MaxPageSize))
}

// AddAuditReceipt stores a witness's receipt of a head.
func (db *DB) AddAuditReceipt(ctx context.Context, r *kizuna.AuditReceipt) error {
	defer db.auditCkpt.writing()()
	if _, err := db.auditW.ExecContext(ctx, q(rowcodec.InsertAuditReceipt), rowcodec.AuditReceiptArgs(r)...); err != nil {
		return formatError(err, "storing an audit receipt")
	}
	return nil
}

// FindAuditReceipts pages the receipts by Head.Seq as FindAuditHeads does.
func (db *DB) FindAuditReceipts(ctx context.Context, afterSeq int64, limit int) ([]*kizuna.AuditReceipt, error) {
	return queryAll(ctx, db.auditR, q(rowcodec.FindAuditReceipts), rowcodec.ScanAuditReceipt, "reading the audit receipts",
		afterSeq, rowcodec.PageOffset(limit, MaxPageSize))
}

// LastAuditReceipts returns each witness's receipt of the highest Seq.
func (db *DB) LastAuditReceipts(ctx context.Context) ([]*kizuna.AuditReceipt, error) {
	return queryAll(ctx, db.auditR, rowcodec.LastAuditReceipts, rowcodec.ScanAuditReceipt, "reading the audit receipts")
}

// AddWitnessedHead stores a peer's head this node witnessed; another hash
// at a stored node and seq is ECONFLICT.
func (db *DB) AddWitnessedHead(ctx context.Context, w *kizuna.WitnessedHead) error {
	defer db.auditCkpt.writing()()
	res, err := db.auditW.ExecContext(ctx, q(rowcodec.InsertWitnessedHead), rowcodec.WitnessedHeadArgs(w)...)
	if err != nil {
		return formatError(err, "storing a witnessed audit head")
	}
	if n, err := res.RowsAffected(); err != nil || n > 0 {
		return nil
	}
	var hash string
	if err := db.auditW.QueryRowContext(ctx, q(rowcodec.WitnessedHash), w.Node, w.Seq).Scan(&hash); err != nil {
		return formatError(err, "reading the witnessed audit heads")
	}
	if hash != w.Hash {
		return kizuna.Errorf(kizuna.ECONFLICT, "node %s: a head with seq %d and another hash was witnessed", w.Node, w.Seq)
	}
	return nil
}

// FindWitnessedHeads returns up to limit heads of node with Seq > afterSeq.
func (db *DB) FindWitnessedHeads(ctx context.Context, node string, afterSeq int64, limit int) ([]*kizuna.WitnessedHead, error) {
	if limit <= 0 || limit > MaxPageSize {
		limit = MaxPageSize
	}
	return queryAll(ctx, db.auditR, q(rowcodec.FindWitnessedHeads), rowcodec.ScanWitnessedHead, "reading the witnessed audit heads",
		node, afterSeq, limit)
}

// LastWitnessedHead returns the head of node with the highest Seq.
func (db *DB) LastWitnessedHead(ctx context.Context, node string) (*kizuna.WitnessedHead, error) {
	w, err := rowcodec.ScanWitnessedHead(db.auditR.QueryRowContext(ctx, q(rowcodec.LastWitnessedHead), node))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, kizuna.Errorf(kizuna.ENOTFOUND, "no audit head of node %s was witnessed", node)
	}
	if err != nil {
		return nil, formatError(err, "reading the witnessed audit heads")
	}
	return w, nil
}

// AddWitnessAlarm stores an alarm about a peer's head.
func (db *DB) AddWitnessAlarm(ctx context.Context, a *kizuna.WitnessAlarm) error {
	defer db.auditCkpt.writing()()
	if _, err := db.auditW.ExecContext(ctx, q(rowcodec.InsertWitnessAlarm), rowcodec.WitnessAlarmArgs(a)...); err != nil {
		return formatError(err, "storing a witness alarm")
	}
	return nil
}

// FindWitnessAlarms returns up to limit alarms about node ("": all), the
// most recent first.
func (db *DB) FindWitnessAlarms(ctx context.Context, node string, limit int) ([]*kizuna.WitnessAlarm, error) {
	if limit <= 0 || limit > MaxPageSize {
		limit = MaxPageSize
	}
	return queryAll(ctx, db.auditR, q(rowcodec.FindWitnessAlarms), rowcodec.ScanWitnessAlarm, "reading the witness alarms", node, limit)
}

// queryAll runs a query and maps every row with scan.
func queryAll[T any](ctx context.Context, conn *sql.DB, stmt string, scan func(rowcodec.Row) (T, error), what string, args ...any) ([]T, error) {
	rows, err := conn.QueryContext(ctx, stmt, args...)
	if err != nil {
		return nil, formatError(err, "%s", what)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, formatError(err, "%s", what)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, formatError(err, "%s", what)
	}
	return out, nil
}
