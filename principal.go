package kizuna

import (
	"context"
	"time"
)

// Roles a principal can hold.
const (
	RoleReader    = "reader"
	RolePublisher = "publisher"
	RoleAdmin     = "admin"
	RolePeer      = "peer"
	RolePOC       = "poc" // consultation point of contact
)

// Principal is a person, an API client or a peer node.
type Principal struct {
	ID           string // "principal--UUID"
	Name         string // unique; the HTTP Basic user name
	Organization string // an identity id
	Nation       string // ISO 3166-1 alpha-3
	Clearances   []Classification
	Communities  []string
	Roles        []string
	CreatedAt    time.Time
	RevokedAt    *time.Time
}

// HasRole reports whether p holds the role.
func (p *Principal) HasRole(role string) bool {
	if p == nil {
		return false
	}
	for _, r := range p.Roles {
		if r == role {
			return true
		}
	}
	return false
}

// PrincipalStore keeps principals and the hashes of their tokens. Tokens
// themselves are never stored.
type PrincipalStore interface {
	// CreatePrincipal stores p with the hash of its token.
	// Errors: EINVALID, ECONFLICT (name taken).
	CreatePrincipal(ctx context.Context, p *Principal, tokenHash []byte) error
	// FindPrincipalByTokenHash returns the unrevoked principal with the
	// token hash. Errors: ENOTFOUND.
	FindPrincipalByTokenHash(ctx context.Context, tokenHash []byte) (*Principal, error)
	// FindPrincipalByName returns the principal with the name, revoked or
	// not. Errors: ENOTFOUND.
	FindPrincipalByName(ctx context.Context, name string) (*Principal, error)
	// FindPrincipals lists every principal, ordered by name.
	FindPrincipals(ctx context.Context) ([]*Principal, error)
	// RevokePrincipal revokes the named principal. Errors: ENOTFOUND.
	RevokePrincipal(ctx context.Context, name string) error
}
