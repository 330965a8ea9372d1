package kizuna

import (
	"context"
	"time"
)

// AuditEvent is one entry of the append-only audit log. Entries are chained:
// each carries the hash of the previous one, so that a removed or altered
// entry is detected by verification.
type AuditEvent struct {
	Seq       int64
	Time      time.Time
	Principal string // principal id, or "" for the node itself
	Action    string // "read", "deny", "ingest", "reject", "principal.create", ...
	Object    string // object id, collection id or principal name concerned
	Decision  string // "allow", "deny" or ""
	Reason    string
	PrevHash  string
	Hash      string
}

// AuditStore appends to and reads the audit log.
type AuditStore interface {
	// AppendAudit appends the events, filling in Seq, PrevHash and Hash.
	AppendAudit(ctx context.Context, events ...*AuditEvent) error
	// FindAudit returns up to limit events with Seq > afterSeq.
	FindAudit(ctx context.Context, afterSeq int64, limit int) ([]*AuditEvent, error)
}
