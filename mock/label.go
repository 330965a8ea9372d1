package mock

import (
	"context"

	"github.com/kizuna-dev/kizuna"
)

var _ kizuna.LabelStore = (*LabelStore)(nil)

// LabelStore is a mock of kizuna.LabelStore.
type LabelStore struct {
	FindLabelsFn func(ctx context.Context, afterID int64) ([]*kizuna.StoredLabel, error)
}

// FindLabels calls FindLabelsFn.
func (s *LabelStore) FindLabels(ctx context.Context, afterID int64) ([]*kizuna.StoredLabel, error) {
	return s.FindLabelsFn(ctx, afterID)
}

var _ kizuna.MarkingStore = (*MarkingStore)(nil)

// MarkingStore is a mock of kizuna.MarkingStore.
type MarkingStore struct {
	FindMarkingDefinitionFn func(ctx context.Context, id string) (*kizuna.Object, error)
}

// FindMarkingDefinition calls FindMarkingDefinitionFn.
func (s *MarkingStore) FindMarkingDefinition(ctx context.Context, id string) (*kizuna.Object, error) {
	return s.FindMarkingDefinitionFn(ctx, id)
}

var _ kizuna.OwnerStore = (*OwnerStore)(nil)

// OwnerStore is a mock of kizuna.OwnerStore.
type OwnerStore struct {
	FindOwnersFn func(ctx context.Context, ids []string) (map[string]*kizuna.Owner, error)
}

// FindOwners calls FindOwnersFn.
func (s *OwnerStore) FindOwners(ctx context.Context, ids []string) (map[string]*kizuna.Owner, error) {
	return s.FindOwnersFn(ctx, ids)
}
