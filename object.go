package kizuna

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// Object is one version of a STIX object as the node keeps it: the exact JSON
// it was received as, plus the parsed common properties the node indexes.
type Object struct {
	ID          string // "type--UUID"
	Type        string
	SpecVersion string // "2.1"; "2.0" for objects of STIX 2.0

	// Created and Modified are zero when the object has no such property
	// (SCOs, and the created-only marking-definition has Modified zero).
	Created  time.Time
	Modified time.Time

	// Version identifies this version: Modified, else Created, else (SCOs
	// and other unversioned objects) the date the node first stored this
	// content, so that the version stays the same in every response.
	Version time.Time

	Revoked          bool
	CreatedByRef     string
	MarkingRefs      []string // object_marking_refs
	GranularMarkings []GranularMarking

	// Raw is the object's JSON exactly as received (one JSON object).
	Raw json.RawMessage
	// Hash is the hex SHA-256 of the object's canonical JSON (keys sorted,
	// no insignificant white space). Two versions with the same Hash are
	// the same content, whatever their formatting.
	Hash string

	// Set by the node.
	Collection string    // collection the version belongs to
	DateAdded  time.Time // strictly increasing per collection, microseconds
	Label      *AccessLabel
	LabelID    int64     // the stored label, filled in by the store
	Portions   []Portion // labels of the portions marked with granular_markings
	Origin     string    // node or peer the version came from; "" for local

	// WriteBasis, set by the write rules, is the stored state of the id
	// they judged this version against. nil: no write rule applies (the
	// host operator's own imports).
	WriteBasis *WriteBasis
	// Owner is the owner record of the id once this version is stored, set
	// by the write rules (by ingest for the operator's imports). The store
	// records it, in the transaction that stores the version, when the id
	// has no record yet; with a WriteBasis it also replaces the record the
	// basis names (an observable's owner storing a new content). nil: the
	// record is left as it is.
	Owner *Owner
}

// WriteBasis is the state of an id when the write rules judged a new
// version of it: the latest version stored in the collection, and the
// id's node-wide owner record. The store checks, inside the transaction
// that would store the new version, that both still hold, and refuses the
// version with ECONFLICT wrapping ErrStaleWrite if another writer has
// stored a version of the id in the collection since, or changed its owner
// record anywhere on the node (two first versions of one id in two
// collections at once): no version is stored on a decision made on stale
// state. The latest version is compared with the state before the batch
// the version belongs to; the owner record with the state as the batch
// proceeds, so that a batch's first version of an id makes the record its
// later versions are checked against.
type WriteBasis struct {
	Found   bool      // false: no version of the id was stored
	Version time.Time // the latest stored version, when Found
	// Owner is the owner record the rules judged on; nil when the id had
	// none.
	Owner *Owner
}

// ErrStaleWrite is wrapped in the ECONFLICT result of a version whose
// WriteBasis no longer held: judged again on the current state, it may
// pass or be refused.
var ErrStaleWrite = errors.New("the write rules judged this version on a state that has changed")

// GranularMarking is one entry of a STIX granular_markings list.
type GranularMarking struct {
	MarkingRef string   `json:"marking_ref,omitempty"`
	Lang       string   `json:"lang,omitempty"`
	Selectors  []string `json:"selectors"`
}

// Portion is a set of property selectors that carry their own access label.
type Portion struct {
	Selectors []string     `json:"selectors"`
	Label     *AccessLabel `json:"label,omitempty"`
	LabelID   int64        `json:"label_id"`
}

// VersionMatch selects versions of each object. The zero value selects the
// latest version, as TAXII's default match[version]=last.
type VersionMatch struct {
	All   bool
	First bool
	Last  bool
	At    []time.Time // exact versions, compared as instants
}

// AccessScope restricts a read to the labels a reader may see. It fails
// closed: the zero value sees nothing. Unrestricted is for the node's own
// internal work (migrations, exports by an operator on the host) only.
type AccessScope struct {
	Unrestricted bool
	LabelIDs     []int64
}

// ObjectFilter selects object versions of one collection. Results are in
// DateAdded order.
type ObjectFilter struct {
	Collection   string
	IDs          []string
	Types        []string
	SpecVersions []string
	Versions     VersionMatch
	AddedAfter   *time.Time
	// Next continues a previous page: the opaque cursor of ObjectPage.Next.
	Next string
	// Limit bounds the page; 0 means the store's maximum.
	Limit  int
	Access AccessScope
	// IncludeRaw is false for manifest and version listings that need only
	// the envelope fields.
	IncludeRaw bool
	// RawOnly, with IncludeRaw, says the caller needs of each version only
	// what a TAXII objects page and the access decision read: ID, Type,
	// Version, DateAdded, Collection, the labels (LabelID, Label,
	// Portions) and Raw. A store may then leave the other fields zero,
	// which spares it reading and decoding them.
	RawOnly bool
	// ForWrite says the lookup is made for a write: the stored versions the
	// write rules compare new versions with. A store may serve it apart
	// from the readers, so that a node answering many readers still takes
	// writes in.
	ForWrite bool
}

// ObjectPage is one page of object versions.
type ObjectPage struct {
	Objects []*Object
	// More is true when further versions match the filter.
	More bool
	// Next is a stateless cursor for the following page ("" when !More). It
	// stays valid across restarts and server instances.
	Next string
	// Fresh is true when the objects were made for this call and are shared
	// with nothing, so that the caller may change them in place. A store
	// that hands out objects it also keeps (a cache, a test double) leaves
	// it false.
	Fresh bool
}

// PutResult reports the outcome of storing one object version.
type PutResult struct {
	ID      string
	Version time.Time
	// Created is false when an identical version was already stored (a
	// no-op, which counts as a success).
	Created   bool
	DateAdded time.Time
	Err       error // nil on success; an *Error otherwise
}

// ObjectStore keeps every version of every STIX object, per collection.
type ObjectStore interface {
	// PutObjects stores each object version in its own transaction: one
	// object's failure leaves no trace of it and does not affect the others.
	// A version identical to a stored one (same id, version and Hash) is a
	// no-op; a different content under a stored (id, version) fails with
	// ECONFLICT. An object without a Label is refused (EINVALID): nothing
	// is stored that the access decision could not judge.
	// Errors: ENOTFOUND (collection), EINVALID, ECONFLICT.
	PutObjects(ctx context.Context, collection string, objs []*Object) ([]PutResult, error)

	// FindObjects returns a page of versions matching the filter.
	// Errors: EINVALID (malformed cursor), ENOTFOUND (collection).
	FindObjects(ctx context.Context, filter ObjectFilter) (*ObjectPage, error)

	// DeleteObject removes the selected versions of one object from a
	// collection and returns how many were removed. Versions outside the
	// access scope are neither removed nor counted.
	// Errors: ENOTFOUND when nothing matched.
	DeleteObject(ctx context.Context, collection, id string, versions VersionMatch, access AccessScope) (int, error)
}

// Ingester is the one way objects enter the node: it parses and validates
// each object, computes its access label from its markings, applies the
// write rules for the principal in ctx, and stores it. Each object is
// accepted or rejected on its own; a rejected one leaves no trace but its
// result (and the audit log).
type Ingester interface {
	// Ingest processes each raw JSON object. The error is non-nil only when
	// the whole call could not run (collection missing, store down).
	Ingest(ctx context.Context, collection string, objects []json.RawMessage) ([]PutResult, error)
}
