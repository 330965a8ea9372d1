package kizuna

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
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
	// SetPrincipalCommunities replaces the communities of the named
	// principal. Errors: ENOTFOUND, EINVALID.
	SetPrincipalCommunities(ctx context.Context, name string, communities []string) error
}

// MaxPrincipalName is the longest principal name, in bytes.
const MaxPrincipalName = 128

// CheckPrincipalName fails with EINVALID, saying why, when name cannot name
// a principal: it is empty or longer than MaxPrincipalName bytes, is not
// UTF-8, or holds a space, a control or formatting character (a
// right-to-left override, a zero-width space) or a colon. A name is the
// HTTP Basic user name, which ends at the first colon, and it is what
// principal lists and the audit log show: two names that look alike, or
// one that displays as another, would mislead whoever reads them.
func CheckPrincipalName(name string) error {
	switch {
	case name == "":
		return Errorf(EINVALID, "a principal name is required")
	case len(name) > MaxPrincipalName:
		return Errorf(EINVALID, "principal name %.40q…: longer than %d bytes", name, MaxPrincipalName)
	case !utf8.ValidString(name):
		return Errorf(EINVALID, "principal name %q: not UTF-8", name)
	case strings.Contains(name, ":"):
		return Errorf(EINVALID, "principal name %q: a colon ends the HTTP Basic user name", name)
	}
	for i, r := range name {
		if unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return Errorf(EINVALID, "principal name %q: %s at byte %d (spaces, control and formatting characters would make names that look alike)", name, fmt.Sprintf("%U", r), i)
		}
	}
	return nil
}
