package kizuna

import "context"

// Owner is the node-wide record of one object id: the organisation that
// owns the id and, for the ids whose content is shared by design, the
// content every copy must have. The record of an id is made by the first
// version of the id stored anywhere on the node and outlives its versions
// (deleting every version leaves it).
type Owner struct {
	ID string
	// Organization is the identity id of the owning organisation: the
	// created_by_ref of the first version, else the organisation of the
	// principal that stored it (the node operator's for the operator's own
	// imports). "" when unknown: ids stored, without created_by_ref, before
	// the node recorded owners.
	Organization string
	// Content is, for a marking-definition, the Hash of its one definition
	// on the node; for a cyber observable, the key of the content its owner
	// stored last (policy.ContentKey); "" for other objects. The value
	// "contested" marks a marking-definition id that was stored with
	// several contents before the node recorded owners: it resolves to no
	// definition until the host operator imports the one that stands.
	Content string
}

// ContestedContent is the Content of an Owner record whose id was stored
// with several definitions before the node recorded owners.
const ContestedContent = "contested"

// SameOwner reports whether a and b are the same record (both nil, or
// equal fields).
func SameOwner(a, b *Owner) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// OwnerStore finds the owner records of ids, whatever collections hold
// them.
type OwnerStore interface {
	// FindOwners returns the records of the ids that have one, by id.
	FindOwners(ctx context.Context, ids []string) (map[string]*Owner, error)
}

// DefaultOwner is the record a store makes for the first version of an id
// stored without an Owner (a caller that made none): the organisation
// named by created_by_ref, and the definition's hash for a
// marking-definition. Nothing is stored without an owner record.
func DefaultOwner(o *Object) *Owner {
	rec := &Owner{ID: o.ID, Organization: o.CreatedByRef}
	if o.Type == "marking-definition" {
		rec.Content = o.Hash
	}
	return rec
}
