package taxii

import (
	"context"
	"log/slog"
	"slices"

	"github.com/kizuna-dev/kizuna"
)

// process ingests a job in batches, with the rights its principal holds
// now, updating the status after each batch so that a client polling a
// large POST sees the pendings shrink. It returns the final status.
func (q *ingestQueue) process(job *ingestJob) *kizuna.Status {
	ctx, cancel := context.WithCancel(job.ctx)
	defer cancel()
	stop := context.AfterFunc(q.base, cancel)
	defer stop()

	s, st := q.s, job.status
	p, err := s.currentPrincipal(ctx)
	if err != nil {
		st.Failures = append(st.Failures, failAll(st.Pendings, kizuna.ErrorMessage(err))...)
		st.Pendings = nil
		st.Status = kizuna.StatusComplete
		s.updateStatus(ctx, st)
		return snapshot(st)
	}
	ctx = kizuna.NewContextWithPrincipal(ctx, p)

	batch := s.cfg.IngestBatch
	for start := 0; start < len(job.objects); start += batch {
		end := min(start+batch, len(job.objects))
		results, err := s.Ingester.Ingest(ctx, st.Collection, job.objects[start:end])
		if err != nil && kizuna.ErrorCode(err) == kizuna.EINTERNAL {
			s.Logger.ErrorContext(ctx, "taxii ingest failed", slog.String("status", st.ID),
				slog.String("collection", st.Collection), slog.String("request_id", kizuna.RequestIDFromContext(ctx)),
				slog.String("error", err.Error()))
		}
		for i := start; i < end; i++ {
			claimed := st.Pendings[i-start]
			switch {
			case err != nil:
				claimed.Message = kizuna.ErrorMessage(err)
				st.Failures = append(st.Failures, claimed)
			case i-start >= len(results):
				claimed.Message = "Internal error: the ingester returned no result for this object."
				st.Failures = append(st.Failures, claimed)
			default:
				d := resultDetail(results[i-start], claimed)
				if results[i-start].Err != nil {
					st.Failures = append(st.Failures, d)
				} else {
					st.Successes = append(st.Successes, d)
				}
			}
		}
		st.Pendings = st.Pendings[end-start:]
		if end == len(job.objects) {
			st.Status = kizuna.StatusComplete
		}
		s.updateStatus(ctx, st)
	}
	return snapshot(st)
}

// currentPrincipal returns the principal of the envelope as the store holds
// it now, not as it was when the envelope was accepted: a principal revoked
// meanwhile stores nothing, and one whose roles or clearances changed writes
// with the new ones.
func (s *Server) currentPrincipal(ctx context.Context) (*kizuna.Principal, error) {
	posted := kizuna.PrincipalFromContext(ctx)
	if posted == nil {
		return nil, kizuna.Errorf(kizuna.EUNAUTHORIZED, "Not stored: the envelope has no principal.")
	}
	p, err := s.Principals.FindPrincipalByName(ctx, posted.Name)
	switch {
	case kizuna.ErrorCode(err) == kizuna.ENOTFOUND, err == nil && (p.ID != posted.ID || p.RevokedAt != nil):
		return nil, kizuna.Errorf(kizuna.EUNAUTHORIZED, "Not stored: principal %q was revoked before this envelope was processed.", posted.Name)
	case err != nil:
		s.Logger.ErrorContext(ctx, "taxii principal lookup failed", slog.String("principal", posted.ID),
			slog.String("request_id", kizuna.RequestIDFromContext(ctx)), slog.String("error", err.Error()))
		return nil, kizuna.Errorf(kizuna.EINTERNAL, "Not stored: the node could not check the principal that posted; post again.")
	}
	return p, nil
}

// failAll turns pending details into failures with the message.
func failAll(pendings []kizuna.StatusDetail, message string) []kizuna.StatusDetail {
	out := make([]kizuna.StatusDetail, len(pendings))
	for i, d := range pendings {
		d.Message = message
		out[i] = d
	}
	return out
}

// updateStatus stores st; a failure is logged, as the objects are stored
// whatever the status says (and the node settles unfinished statuses at its
// next start).
func (s *Server) updateStatus(ctx context.Context, st *kizuna.Status) {
	if err := s.Statuses.UpdateStatus(ctx, snapshot(st)); err != nil {
		s.Logger.ErrorContext(ctx, "taxii status update failed", slog.String("status", st.ID), slog.String("error", err.Error()))
	}
}

// resultDetail is the status detail of one ingest result, falling back on
// what the object claimed when the ingester could not read it.
func resultDetail(res kizuna.PutResult, claimed kizuna.StatusDetail) kizuna.StatusDetail {
	d := claimed
	if res.ID != "" {
		d.ID = res.ID
	}
	if !res.Version.IsZero() {
		d.Version = res.Version
	}
	d.Message = ""
	if res.Err != nil {
		d.Message = kizuna.ErrorMessage(res.Err)
	}
	return d
}

// snapshot copies a status so that the store never shares the worker's
// slices.
func snapshot(st *kizuna.Status) *kizuna.Status {
	cp := *st
	cp.Successes = slices.Clone(st.Successes)
	cp.Failures = slices.Clone(st.Failures)
	cp.Pendings = slices.Clone(st.Pendings)
	return &cp
}
