package kizuna

import (
	"context"
	"time"
)

// Status values of a TAXII status resource.
const (
	StatusPending  = "pending"
	StatusComplete = "complete"
)

// Status tracks the processing of one POST of objects.
type Status struct {
	ID          string // a UUID
	Collection  string
	Principal   string // id of the principal that posted; only it may read the status
	Status      string // StatusPending or StatusComplete
	RequestTime time.Time
	Total       int
	Successes   []StatusDetail
	Failures    []StatusDetail
	Pendings    []StatusDetail
}

// StatusDetail is the outcome for one object version.
type StatusDetail struct {
	ID      string    `json:"id"`
	Version time.Time `json:"version"`
	Message string    `json:"message,omitempty"`
}

// StatusStore keeps status resources.
type StatusStore interface {
	// CreateStatus stores a new status resource. Errors: ECONFLICT.
	CreateStatus(ctx context.Context, s *Status) error
	// UpdateStatus replaces the stored status of s.ID. Errors: ENOTFOUND.
	UpdateStatus(ctx context.Context, s *Status) error
	// FindStatusByID returns a status resource. Errors: ENOTFOUND.
	FindStatusByID(ctx context.Context, id string) (*Status, error)
	// FindPendingStatuses returns every status still StatusPending, oldest
	// request first.
	FindPendingStatuses(ctx context.Context) ([]*Status, error)
}
