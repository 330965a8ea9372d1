package kizuna

import (
	"context"
	"encoding/json"
)

// MatchRequest asks which indicators match a principal's observations: STIX
// bundles (observed-data with their SCOs) and plain observable values (IP
// addresses and CIDR blocks, domain names, URLs, e-mail addresses, file
// hashes).
type MatchRequest struct {
	Bundles []json.RawMessage `json:"bundles,omitempty"`
	Values  []string          `json:"values,omitempty"`
	// RecordSightings stores a STIX sighting for each matched indicator,
	// marked at least as restrictively as the indicator (its portions
	// included) and the observations that matched it.
	RecordSightings bool `json:"record_sightings,omitempty"`
	// Anonymous leaves the principal's organisation out of the sightings.
	Anonymous bool `json:"anonymous,omitempty"`
}

// Match is one indicator matched by one observation.
type Match struct {
	Indicator  string `json:"indicator"`
	Collection string `json:"collection"`
	// ObservedData is the id of the matching observed-data; Value is the
	// plain value that matched. One of the two is set.
	ObservedData string `json:"observed_data,omitempty"`
	Value        string `json:"value,omitempty"`
}

// MatchResult answers a MatchRequest with only what the principal may read.
type MatchResult struct {
	Matches []Match `json:"matches"`
	// Indicators holds each matched indicator once, as the principal may
	// read it (portions redacted).
	Indicators []json.RawMessage `json:"indicators"`
	// Sightings lists the ids of the sightings recorded.
	Sightings []string `json:"sightings,omitempty"`
	// RefusedSightings lists the sightings asked for and not recorded,
	// with the reason (nothing of them is stored).
	RefusedSightings []SightingRefusal `json:"refused_sightings,omitempty"`
	// Unrecognized lists the plain values of no known observable shape.
	Unrecognized []string `json:"unrecognized,omitempty"`
}

// SightingRefusal reports a sighting of a matched indicator that was not
// recorded: the write rules refused it, or it could not be marked at least
// as restrictively as the indicator and the observations it reveals.
type SightingRefusal struct {
	Indicator  string `json:"indicator"`
	Collection string `json:"collection"`
	Reason     string `json:"reason"`
}

// Matcher matches observations against the indicators the principal in ctx
// may read.
type Matcher interface {
	// Match answers the request. Errors: EINVALID (malformed bundle or
	// request, naming what and where), EUNAUTHORIZED.
	Match(ctx context.Context, req *MatchRequest) (*MatchResult, error)
}
