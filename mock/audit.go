package mock

import (
	"context"

	"github.com/kizuna-dev/kizuna"
)

var _ kizuna.AuditStore = (*AuditStore)(nil)

// AuditStore is a mock of kizuna.AuditStore.
type AuditStore struct {
	AppendAuditFn func(ctx context.Context, events ...*kizuna.AuditEvent) error
	FindAuditFn   func(ctx context.Context, afterSeq int64, limit int) ([]*kizuna.AuditEvent, error)
}

// AppendAudit calls AppendAuditFn.
func (s *AuditStore) AppendAudit(ctx context.Context, events ...*kizuna.AuditEvent) error {
	return s.AppendAuditFn(ctx, events...)
}

// FindAudit calls FindAuditFn.
func (s *AuditStore) FindAudit(ctx context.Context, afterSeq int64, limit int) ([]*kizuna.AuditEvent, error) {
	return s.FindAuditFn(ctx, afterSeq, limit)
}
