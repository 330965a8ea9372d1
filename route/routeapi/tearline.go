package routeapi

import (
	"context"
	"encoding/json"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/route"
)

// TearlineRequest is a releaser's decision as the API and the command
// line take it.
type TearlineRequest struct {
	Approved    []route.Approval `json:"approved"`
	MarkingRefs []string         `json:"marking_refs"`
	Rationale   string           `json:"rationale,omitempty"`
}

// TearlineResult is a released tearline as stored.
type TearlineResult struct {
	Tearline json.RawMessage `json:"tearline"`
	Link     json.RawMessage `json:"link"`
	Release  route.Release   `json:"release"`
}

// source returns the latest version of id that pr may read through the
// guard, with the collection it is in. Errors: ENOTFOUND.
func (s *Service) source(ctx context.Context, pr *kizuna.Principal, id string) (*kizuna.Object, error) {
	ctx = kizuna.NewContextWithPrincipal(ctx, pr)
	cols, err := s.n.Guard.FindCollections(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range cols {
		page, err := s.n.Guard.FindObjects(ctx, kizuna.ObjectFilter{Collection: c.ID, IDs: []string{id}, IncludeRaw: true, Limit: 1})
		if kizuna.ErrorCode(err) == kizuna.EFORBIDDEN || kizuna.ErrorCode(err) == kizuna.ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, err
		}
		if len(page.Objects) > 0 {
			return page.Objects[0], nil
		}
	}
	return nil, kizuna.Errorf(kizuna.ENOTFOUND, "%s not found", id)
}

// Draft proposes the approvals of a tearline of id for pr: the content of
// the source as pr reads it. Errors: ENOTFOUND.
func (s *Service) Draft(ctx context.Context, pr *kizuna.Principal, id string) ([]route.Approval, error) {
	src, err := s.source(ctx, pr, id)
	if err != nil {
		return nil, err
	}
	return route.DraftApprovals(src)
}

// Release releases a tearline of id on pr's decision: it builds it
// (route.BuildTearline, through the node's access decision), ingests the
// tearline and its derived-from link into the source's collection as pr,
// and records the release in the audit log. The tearline then routes like
// any object. Errors: those of BuildTearline, and of ingest.
func (s *Service) Release(ctx context.Context, pr *kizuna.Principal, id string, req TearlineRequest) (*TearlineResult, error) {
	src, err := s.source(ctx, pr, id)
	if err != nil {
		return nil, err
	}
	t, err := route.BuildTearline(route.TearlineRequest{Source: src, Releaser: pr, Approved: req.Approved,
		MarkingRefs: req.MarkingRefs, Rationale: req.Rationale, Now: time.Now()}, route.NewGuardAccess(ctx, s.n.Guard))
	if err != nil {
		return nil, err
	}
	pctx := kizuna.NewContextWithPrincipal(ctx, pr)
	res, err := s.n.Ingest.Ingest(pctx, src.Collection, []json.RawMessage{t.Object})
	if err == nil && res[0].Err != nil {
		err = res[0].Err
	}
	if err != nil {
		return nil, err
	}
	// Released from here on: the decision is recorded whatever becomes of
	// the link.
	s.n.Audit(ctx, t.Release.AuditEvent())
	res, err = s.n.Ingest.Ingest(pctx, src.Collection, []json.RawMessage{t.Link})
	if err == nil && res[0].Err != nil {
		err = res[0].Err
	}
	if err != nil {
		return nil, kizuna.WrapError(kizuna.ErrorCode(err), err, "tearline %s was released, but its link to %s was not stored: %s", t.Release.Tearline, src.ID, kizuna.ErrorMessage(err))
	}
	return &TearlineResult{Tearline: t.Object, Link: t.Link, Release: t.Release}, nil
}
