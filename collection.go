package kizuna

import (
	"context"
	"time"
)

// Collection is a TAXII collection: a named set of object versions with its
// own read and write rules.
type Collection struct {
	ID          string // a UUID, as TAXII requires
	Title       string
	Description string
	Alias       string
	// CanRead and CanWrite say which principals may read from and write to
	// the collection. Objects inside are further limited by their labels.
	CanRead  AccessRule
	CanWrite AccessRule
	// DefaultMarkingRefs apply to objects that carry no marking at all.
	DefaultMarkingRefs []string
	CreatedAt          time.Time
}

// AccessRule admits a principal when it has one of Roles and, where the other
// lists are set, its nation is in Nations, its organisation in
// Organizations and it holds every one of Communities. The zero rule admits
// nobody.
type AccessRule struct {
	Roles         []string `json:"roles,omitempty"`
	Nations       []string `json:"nations,omitempty"`
	Organizations []string `json:"organizations,omitempty"`
	Communities   []string `json:"communities,omitempty"`
}

// CollectionStore keeps collections.
type CollectionStore interface {
	// CreateCollection stores c; a zero ID is replaced by a new UUID.
	// Errors: EINVALID, ECONFLICT (id or alias taken).
	CreateCollection(ctx context.Context, c *Collection) error
	// FindCollectionByID returns the collection with the id or alias.
	// Errors: ENOTFOUND.
	FindCollectionByID(ctx context.Context, id string) (*Collection, error)
	// FindCollections returns every collection, ordered by creation.
	FindCollections(ctx context.Context) ([]*Collection, error)
}
