package mock

import (
	"context"

	"github.com/kizuna-dev/kizuna"
)

var _ kizuna.CollectionStore = (*CollectionStore)(nil)

// CollectionStore is a mock of kizuna.CollectionStore.
type CollectionStore struct {
	CreateCollectionFn   func(ctx context.Context, c *kizuna.Collection) error
	FindCollectionByIDFn func(ctx context.Context, id string) (*kizuna.Collection, error)
	FindCollectionsFn    func(ctx context.Context) ([]*kizuna.Collection, error)
}

// CreateCollection calls CreateCollectionFn.
func (s *CollectionStore) CreateCollection(ctx context.Context, c *kizuna.Collection) error {
	return s.CreateCollectionFn(ctx, c)
}

// FindCollectionByID calls FindCollectionByIDFn.
func (s *CollectionStore) FindCollectionByID(ctx context.Context, id string) (*kizuna.Collection, error) {
	return s.FindCollectionByIDFn(ctx, id)
}

// FindCollections calls FindCollectionsFn.
func (s *CollectionStore) FindCollections(ctx context.Context) ([]*kizuna.Collection, error) {
	return s.FindCollectionsFn(ctx)
}

var _ kizuna.Authorizer = (*Authorizer)(nil)

// Authorizer is a mock of kizuna.Authorizer.
type Authorizer struct {
	CanReadFn  func(ctx context.Context, c *kizuna.Collection) bool
	CanWriteFn func(ctx context.Context, c *kizuna.Collection) bool
}

// CanRead calls CanReadFn.
func (a *Authorizer) CanRead(ctx context.Context, c *kizuna.Collection) bool {
	return a.CanReadFn(ctx, c)
}

// CanWrite calls CanWriteFn.
func (a *Authorizer) CanWrite(ctx context.Context, c *kizuna.Collection) bool {
	return a.CanWriteFn(ctx, c)
}
