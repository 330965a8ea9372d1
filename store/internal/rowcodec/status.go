package rowcodec

import (
	"context"
	"encoding/json"

	"github.com/kizuna-dev/kizuna"
)

// StatusColumns are the columns ScanStatus reads, in its order; the id is
// the key of the query, not a column read.
const StatusColumns = `collection, principal, status, request_time, total, successes, failures, pendings`

// CheckStatus fails with EINVALID when s cannot be stored: it is missing,
// has no id or has an unknown status.
func CheckStatus(s *kizuna.Status) error {
	if s == nil {
		return kizuna.Errorf(kizuna.EINVALID, "status is missing")
	}
	if s.ID == "" {
		return kizuna.Errorf(kizuna.EINVALID, "status has no id")
	}
	if s.Status != kizuna.StatusPending && s.Status != kizuna.StatusComplete {
		return kizuna.Errorf(kizuna.EINVALID, "status %s: unknown status %q", s.ID, s.Status)
	}
	return nil
}

// StatusArgs returns the values of StatusColumns for s, in order.
func StatusArgs(s *kizuna.Status) []any {
	return []any{s.Collection, s.Principal, s.Status, Micros(s.RequestTime), s.Total,
		jsonText(NonNil(s.Successes)), jsonText(NonNil(s.Failures)), jsonText(NonNil(s.Pendings))}
}

// ScanStatus maps a row of StatusColumns to the status with the id. dialect
// names the store in the error of a corrupt row.
func ScanStatus(dialect, id string, row Row) (*kizuna.Status, error) {
	var (
		s                             = kizuna.Status{ID: id}
		requested                     int64
		successes, failures, pendings string
	)
	if err := row.Scan(&s.Collection, &s.Principal, &s.Status, &requested, &s.Total, &successes, &failures, &pendings); err != nil {
		return nil, err
	}
	s.RequestTime = FromMicros(requested)
	for _, f := range []struct {
		src string
		dst *[]kizuna.StatusDetail
	}{{successes, &s.Successes}, {failures, &s.Failures}, {pendings, &s.Pendings}} {
		if err := json.Unmarshal([]byte(f.src), f.dst); err != nil {
			return nil, kizuna.WrapError(kizuna.EINTERNAL, err, "%s: stored status %s is corrupt", dialect, id)
		}
	}
	return &s, nil
}

// FindEachStatus looks each id up with find, in order: stores list the ids
// of the statuses a query selects, then read each as FindStatusByID does.
func FindEachStatus(ctx context.Context, ids []string, find func(context.Context, string) (*kizuna.Status, error)) ([]*kizuna.Status, error) {
	out := make([]*kizuna.Status, 0, len(ids))
	for _, id := range ids {
		s, err := find(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}
