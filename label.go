package kizuna

import "context"

// TLP levels of FIRST TLP 2.0; TLP 1.0 markings map onto them (WHITE is
// CLEAR).
const (
	TLPClear       = "clear"
	TLPGreen       = "green"
	TLPAmber       = "amber"
	TLPAmberStrict = "amber+strict"
	TLPRed         = "red"
)

// Classification is a level in a national (or NATO) classification scheme.
type Classification struct {
	Scheme string `json:"scheme"` // "USA", "JPN", "NATO", ...
	Level  string `json:"level"`  // a level id of the scheme: "SECRET", "gokuhi"
}

// AccessLabel is what a reader needs to see an object version, computed at
// ingest from all of its markings. Every condition must hold ("most
// restrictive wins").
type AccessLabel struct {
	// TLP is the most restrictive TLP marking, or "" when none applies.
	TLP string `json:"tlp,omitempty"`
	// Classifications must each be met by a clearance of the reader (in
	// the same scheme or one the node's agreements declare equivalent).
	Classifications []Classification `json:"classifications,omitempty"`
	// Releasable, when true, limits the object to readers whose nation is
	// in ReleasableTo (the intersection of every releasability marking).
	// An empty ReleasableTo with Releasable set releases to nobody.
	Releasable   bool     `json:"releasable,omitempty"`
	ReleasableTo []string `json:"releasable_to,omitempty"`
	// Communities must all be held by the reader.
	Communities []string `json:"communities,omitempty"`
	// Audience names the identity ids of the organisations (or principals'
	// organisations) that may read under TLP:AMBER, AMBER+STRICT and RED.
	Audience []string `json:"audience,omitempty"`
	// AudienceLimited, when true, limits the object to readers whose
	// organisation (or principal id) is in Audience, whatever the TLP. It
	// tells "no audience named" apart from "an audience that no one is in"
	// (the intersection of disjoint audiences), which admits nobody.
	AudienceLimited bool `json:"audience_limited,omitempty"`
	// Uninterpretable lists the markings the node could not interpret; any
	// entry denies every reader (fail closed).
	Uninterpretable []string `json:"uninterpretable,omitempty"`
}

// StoredLabel is an AccessLabel with the id the store gave it. Labels are
// few (one per distinct combination of markings), so a reader's access
// scope is the list of label ids the policy allows.
type StoredLabel struct {
	ID    int64
	Label AccessLabel
}

// LabelStore lists the distinct access labels in the store.
type LabelStore interface {
	// FindLabels returns every label with an id greater than afterID, in
	// id order, so that a cache can catch up incrementally.
	FindLabels(ctx context.Context, afterID int64) ([]*StoredLabel, error)
}

// MarkingStore finds marking-definitions, whatever collection holds them.
// A marking-definition id means one definition on the whole node: the one
// its owner record names (Owner.Content), never another copy.
type MarkingStore interface {
	// FindMarkingDefinition returns a stored copy of the definition the
	// id's owner record names. Errors: ENOTFOUND (no record, a contested
	// one, or no stored copy of the definition).
	FindMarkingDefinition(ctx context.Context, id string) (*Object, error)
}

// Authorizer answers the collection-level questions of the access decision
// for the principal in ctx. Object-level filtering is applied by the policy's
// guard around the stores, so that no read path can bypass it.
type Authorizer interface {
	// CanRead reports whether the principal may read from the collection.
	CanRead(ctx context.Context, c *Collection) bool
	// CanWrite reports whether the principal may write to the collection.
	CanWrite(ctx context.Context, c *Collection) bool
}
