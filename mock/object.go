package mock

import (
	"context"
	"encoding/json"

	"github.com/kizuna-dev/kizuna"
)

var _ kizuna.ObjectStore = (*ObjectStore)(nil)

// ObjectStore is a mock of kizuna.ObjectStore.
type ObjectStore struct {
	PutObjectsFn   func(ctx context.Context, collection string, objs []*kizuna.Object) ([]kizuna.PutResult, error)
	FindObjectsFn  func(ctx context.Context, filter kizuna.ObjectFilter) (*kizuna.ObjectPage, error)
	DeleteObjectFn func(ctx context.Context, collection, id string, versions kizuna.VersionMatch, access kizuna.AccessScope) (int, error)
}

// PutObjects calls PutObjectsFn.
func (s *ObjectStore) PutObjects(ctx context.Context, collection string, objs []*kizuna.Object) ([]kizuna.PutResult, error) {
	return s.PutObjectsFn(ctx, collection, objs)
}

// FindObjects calls FindObjectsFn.
func (s *ObjectStore) FindObjects(ctx context.Context, filter kizuna.ObjectFilter) (*kizuna.ObjectPage, error) {
	return s.FindObjectsFn(ctx, filter)
}

// DeleteObject calls DeleteObjectFn.
func (s *ObjectStore) DeleteObject(ctx context.Context, collection, id string, versions kizuna.VersionMatch, access kizuna.AccessScope) (int, error) {
	return s.DeleteObjectFn(ctx, collection, id, versions, access)
}

var _ kizuna.Ingester = (*Ingester)(nil)

// Ingester is a mock of kizuna.Ingester.
type Ingester struct {
	IngestFn func(ctx context.Context, collection string, objects []json.RawMessage) ([]kizuna.PutResult, error)
}

// Ingest calls IngestFn.
func (i *Ingester) Ingest(ctx context.Context, collection string, objects []json.RawMessage) ([]kizuna.PutResult, error) {
	return i.IngestFn(ctx, collection, objects)
}
