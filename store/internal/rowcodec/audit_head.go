package rowcodec

import (
	"strings"

	"github.com/kizuna-dev/kizuna"
)

// The SQL of signed heads, receipts, witnessed heads and alarms is the same
// in both stores but for placeholders: it is written here with PostgreSQL's
// $N, which SQLite reads as ?N after SQLitePlaceholders.

// SQLitePlaceholders turns the $N placeholders of q into SQLite's ?N.
func SQLitePlaceholders(q string) string { return strings.ReplaceAll(q, "$", "?") }

// headCols are the columns of a signed head, in the order of headArgs.
const headCols = `node, seq, hash, time, key, sig`

func headArgs(h *kizuna.AuditHead) []any {
	return []any{h.Node, h.Seq, h.Hash, Micros(h.Time), h.Key, h.Sig}
}

// Statements of the audit_head table (this node's signed heads).
const (
	InsertAuditHead = `INSERT INTO audit_head (` + headCols + `) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (seq, hash) DO NOTHING`
	LastAuditHead  = `SELECT ` + headCols + ` FROM audit_head ORDER BY id DESC LIMIT 1`
	FindAuditHeads = `SELECT ` + headCols + ` FROM audit_head
		WHERE seq > $1 AND seq <= COALESCE((SELECT seq FROM audit_head WHERE seq > $1 ORDER BY seq LIMIT 1 OFFSET $2), 9223372036854775807)
		ORDER BY seq, id`
	ChainHead = `SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1`
)

// AuditHeadArgs returns the values of InsertAuditHead for h.
func AuditHeadArgs(h *kizuna.AuditHead) []any { return headArgs(h) }

// ScanAuditHead maps a row of LastAuditHead or FindAuditHeads.
func ScanAuditHead(row Row) (*kizuna.AuditHead, error) {
	var h kizuna.AuditHead
	var t int64
	if err := row.Scan(&h.Node, &h.Seq, &h.Hash, &t, &h.Key, &h.Sig); err != nil {
		return nil, err
	}
	h.Time = FromMicros(t)
	return &h, nil
}

// PageOffset is the OFFSET argument of the paging queries for limit: the
// page ends with every row at the Seq of the limit-th row.
func PageOffset(limit, max int) int {
	if limit <= 0 || limit > max {
		limit = max
	}
	return limit - 1
}

// receiptCols are the columns of a receipt, in the order of ReceiptArgs.
const receiptCols = `witness, time, key, sig, node, seq, hash, head_time, head_key, head_sig`

// Statements of the audit_receipt table (receipts of this node's heads).
const (
	InsertAuditReceipt = `INSERT INTO audit_receipt (` + receiptCols + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT (witness, seq, hash) DO NOTHING`
	FindAuditReceipts = `SELECT ` + receiptCols + ` FROM audit_receipt
		WHERE seq > $1 AND seq <= COALESCE((SELECT seq FROM audit_receipt WHERE seq > $1 ORDER BY seq LIMIT 1 OFFSET $2), 9223372036854775807)
		ORDER BY seq, id`
	LastAuditReceipts = `SELECT ` + receiptCols + ` FROM audit_receipt WHERE id IN (
		SELECT (SELECT r.id FROM audit_receipt r WHERE r.witness = w.witness ORDER BY r.seq DESC, r.id DESC LIMIT 1)
		FROM (SELECT DISTINCT witness FROM audit_receipt) w) ORDER BY witness`
)

// AuditReceiptArgs returns the values of InsertAuditReceipt for r.
func AuditReceiptArgs(r *kizuna.AuditReceipt) []any {
	h := &r.Head
	return []any{r.Witness, Micros(r.Time), r.Key, r.Sig, h.Node, h.Seq, h.Hash, Micros(h.Time), h.Key, h.Sig}
}

// ScanAuditReceipt maps a row of FindAuditReceipts or LastAuditReceipts.
func ScanAuditReceipt(row Row) (*kizuna.AuditReceipt, error) {
	var r kizuna.AuditReceipt
	var t, ht int64
	h := &r.Head
	if err := row.Scan(&r.Witness, &t, &r.Key, &r.Sig, &h.Node, &h.Seq, &h.Hash, &ht, &h.Key, &h.Sig); err != nil {
		return nil, err
	}
	r.Time, h.Time = FromMicros(t), FromMicros(ht)
	return &r, nil
}

// Statements of the audit_witnessed table (peers' heads this node
// witnessed).
const (
	InsertWitnessedHead = `INSERT INTO audit_witnessed (` + headCols + `, peer, witnessed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (node, seq) DO NOTHING`
	WitnessedHash      = `SELECT hash FROM audit_witnessed WHERE node = $1 AND seq = $2`
	FindWitnessedHeads = `SELECT ` + headCols + `, peer, witnessed_at FROM audit_witnessed
		WHERE node = $1 AND seq > $2 ORDER BY seq LIMIT $3`
	LastWitnessedHead = `SELECT ` + headCols + `, peer, witnessed_at FROM audit_witnessed
		WHERE node = $1 ORDER BY seq DESC LIMIT 1`
)

// WitnessedHeadArgs returns the values of InsertWitnessedHead for w.
func WitnessedHeadArgs(w *kizuna.WitnessedHead) []any {
	return append(headArgs(&w.AuditHead), w.Peer, Micros(w.WitnessedAt))
}

// ScanWitnessedHead maps a row of FindWitnessedHeads or LastWitnessedHead.
func ScanWitnessedHead(row Row) (*kizuna.WitnessedHead, error) {
	var w kizuna.WitnessedHead
	var t, at int64
	h := &w.AuditHead
	if err := row.Scan(&h.Node, &h.Seq, &h.Hash, &t, &h.Key, &h.Sig, &w.Peer, &at); err != nil {
		return nil, err
	}
	h.Time, w.WitnessedAt = FromMicros(t), FromMicros(at)
	return &w, nil
}

// alarmCols are the columns of an alarm, in the order of WitnessAlarmArgs.
const alarmCols = `kind, peer, time, ` +
	`node, seq, hash, head_time, key, sig, ` +
	`earlier_seq, earlier_hash, earlier_time, earlier_key, earlier_sig`

// Statements of the audit_witness_alarm table.
const (
	InsertWitnessAlarm = `INSERT INTO audit_witness_alarm (` + alarmCols + `)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
		ON CONFLICT (node, kind, seq, hash) DO NOTHING`
	FindWitnessAlarms = `SELECT ` + alarmCols + ` FROM audit_witness_alarm
		WHERE $1 = '' OR node = $1 ORDER BY id DESC LIMIT $2`
)

// WitnessAlarmArgs returns the values of InsertWitnessAlarm for a. The
// earlier head is of the same node.
func WitnessAlarmArgs(a *kizuna.WitnessAlarm) []any {
	h, e := &a.Head, &a.Earlier
	return []any{a.Kind, a.Peer, Micros(a.Time),
		h.Node, h.Seq, h.Hash, Micros(h.Time), h.Key, h.Sig,
		e.Seq, e.Hash, Micros(e.Time), e.Key, e.Sig}
}

// ScanWitnessAlarm maps a row of FindWitnessAlarms.
func ScanWitnessAlarm(row Row) (*kizuna.WitnessAlarm, error) {
	var a kizuna.WitnessAlarm
	var t, ht, et int64
	h, e := &a.Head, &a.Earlier
	if err := row.Scan(&a.Kind, &a.Peer, &t, &h.Node, &h.Seq, &h.Hash, &ht, &h.Key, &h.Sig,
		&e.Seq, &e.Hash, &et, &e.Key, &e.Sig); err != nil {
		return nil, err
	}
	e.Node = h.Node
	a.Time, h.Time, e.Time = FromMicros(t), FromMicros(ht), FromMicros(et)
	return &a, nil
}
