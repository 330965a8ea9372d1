package mock

import (
	"context"

	"github.com/kizuna-dev/kizuna"
)

var _ kizuna.PrincipalStore = (*PrincipalStore)(nil)

// PrincipalStore is a mock of kizuna.PrincipalStore.
type PrincipalStore struct {
	CreatePrincipalFn          func(ctx context.Context, p *kizuna.Principal, tokenHash []byte) error
	FindPrincipalByTokenHashFn func(ctx context.Context, tokenHash []byte) (*kizuna.Principal, error)
	FindPrincipalByNameFn      func(ctx context.Context, name string) (*kizuna.Principal, error)
	FindPrincipalsFn           func(ctx context.Context) ([]*kizuna.Principal, error)
	RevokePrincipalFn          func(ctx context.Context, name string) error
	SetPrincipalCommunitiesFn  func(ctx context.Context, name string, communities []string) error
}

// CreatePrincipal calls CreatePrincipalFn.
func (s *PrincipalStore) CreatePrincipal(ctx context.Context, p *kizuna.Principal, tokenHash []byte) error {
	return s.CreatePrincipalFn(ctx, p, tokenHash)
}

// FindPrincipalByTokenHash calls FindPrincipalByTokenHashFn.
func (s *PrincipalStore) FindPrincipalByTokenHash(ctx context.Context, tokenHash []byte) (*kizuna.Principal, error) {
	return s.FindPrincipalByTokenHashFn(ctx, tokenHash)
}

// FindPrincipalByName calls FindPrincipalByNameFn.
func (s *PrincipalStore) FindPrincipalByName(ctx context.Context, name string) (*kizuna.Principal, error) {
	return s.FindPrincipalByNameFn(ctx, name)
}

// FindPrincipals calls FindPrincipalsFn.
func (s *PrincipalStore) FindPrincipals(ctx context.Context) ([]*kizuna.Principal, error) {
	return s.FindPrincipalsFn(ctx)
}

// RevokePrincipal calls RevokePrincipalFn.
func (s *PrincipalStore) RevokePrincipal(ctx context.Context, name string) error {
	return s.RevokePrincipalFn(ctx, name)
}

// SetPrincipalCommunities calls SetPrincipalCommunitiesFn.
func (s *PrincipalStore) SetPrincipalCommunities(ctx context.Context, name string, communities []string) error {
	return s.SetPrincipalCommunitiesFn(ctx, name, communities)
}
