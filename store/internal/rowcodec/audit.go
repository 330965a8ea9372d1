package rowcodec

import (
	"time"

	"github.com/kizuna-dev/kizuna"
)

// AuditColumns are the columns of an audit row, in the order of AuditArgs
// and ScanAudit.
const AuditColumns = `seq, time, principal, action, object, decision, reason, prev_hash, hash`

// CheckAudit fails with EINVALID when one of the events is missing.
func CheckAudit(events []*kizuna.AuditEvent) error {
	for i, e := range events {
		if e == nil {
			return kizuna.Errorf(kizuna.EINVALID, "audit event %d is missing", i)
		}
	}
	return nil
}

// ChainAudit returns copies of the events as they follow the stored event
// with the seq and hash (0 and "" for an empty log): numbered in order, each
// holding the hash of the one before, stamped with now when their time is
// zero, times truncated to what the store keeps, and hashed (see
// kizuna.AuditEvent.ComputeHash). The events themselves are left alone, so
// that the caller updates them only once the chain is committed.
func ChainAudit(events []*kizuna.AuditEvent, seq int64, prev string, now time.Time) []kizuna.AuditEvent {
	filled := make([]kizuna.AuditEvent, len(events))
	for i, e := range events {
		f := *e
		seq++
		f.Seq, f.PrevHash = seq, prev
		if f.Time.IsZero() {
			f.Time = now
		}
		f.Time = f.Time.UTC().Truncate(time.Microsecond)
		f.Hash = f.ComputeHash()
		prev = f.Hash
		filled[i] = f
	}
	return filled
}

// AuditArgs returns the values of AuditColumns for e, in order.
func AuditArgs(e *kizuna.AuditEvent) []any {
	return []any{e.Seq, Micros(e.Time), e.Principal, e.Action, e.Object, e.Decision, e.Reason, e.PrevHash, e.Hash}
}

// ScanAudit maps a row of AuditColumns to an audit event.
func ScanAudit(row Row) (*kizuna.AuditEvent, error) {
	var e kizuna.AuditEvent
	var t int64
	if err := row.Scan(&e.Seq, &t, &e.Principal, &e.Action, &e.Object, &e.Decision, &e.Reason, &e.PrevHash, &e.Hash); err != nil {
		return nil, err
	}
	e.Time = FromMicros(t)
	return &e, nil
}
