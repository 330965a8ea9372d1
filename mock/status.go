package mock

import (
	"context"

	"github.com/kizuna-dev/kizuna"
)

var _ kizuna.StatusStore = (*StatusStore)(nil)

// StatusStore is a mock of kizuna.StatusStore.
type StatusStore struct {
	CreateStatusFn   func(ctx context.Context, s *kizuna.Status) error
	UpdateStatusFn   func(ctx context.Context, s *kizuna.Status) error
	FindStatusByIDFn func(ctx context.Context, id string) (*kizuna.Status, error)

	FindPendingStatusesFn func(ctx context.Context) ([]*kizuna.Status, error)
}

// CreateStatus calls CreateStatusFn.
func (m *StatusStore) CreateStatus(ctx context.Context, s *kizuna.Status) error {
	return m.CreateStatusFn(ctx, s)
}

// UpdateStatus calls UpdateStatusFn.
func (m *StatusStore) UpdateStatus(ctx context.Context, s *kizuna.Status) error {
	return m.UpdateStatusFn(ctx, s)
}

// FindStatusByID calls FindStatusByIDFn.
func (m *StatusStore) FindStatusByID(ctx context.Context, id string) (*kizuna.Status, error) {
	return m.FindStatusByIDFn(ctx, id)
}

// FindPendingStatuses calls FindPendingStatusesFn.
func (m *StatusStore) FindPendingStatuses(ctx context.Context) ([]*kizuna.Status, error) {
	return m.FindPendingStatusesFn(ctx)
}
