package taxii

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/kizuna-dev/kizuna"
)

// process ingests a group of envelopes taken together from the head of one
// lane (takeGroup), with the rights their principal holds now, and sets
// each job's final status.
//
// One envelope is ingested in batches of Config.IngestBatch objects, its
// status updated after each, so that a client polling a large POST sees
// the pendings shrink. Several small envelopes are ingested in one call:
// under load a lane's envelopes wait for one another, and each call has a
// cost of its own (the principal's lookup, the store's transaction) that a
// group of envelopes shares. The objects of the group are committed
// together, in the order the envelopes were accepted, except that the
// ingester stores marking-definitions before the objects of its call.
func (q *ingestQueue) process(jobs []*ingestJob) {
	ctx, cancel := context.WithCancel(jobs[0].ctx)
	defer cancel()
	stop := context.AfterFunc(q.base, cancel)
	defer stop()

	s := q.s
	p, err := s.currentPrincipal(ctx)
	switch {
	case err != nil:
		for _, job := range jobs {
			job.status.Failures = append(job.status.Failures, failAll(job.status.Pendings, kizuna.ErrorMessage(err))...)
			job.status.Pendings = nil
		}
	case jobs[0].prepared != nil:
		s.commitPrepared(kizuna.NewContextWithPrincipal(ctx, p), jobs[0])
	case len(jobs) == 1:
		s.ingestInBatches(kizuna.NewContextWithPrincipal(ctx, p), jobs[0])
	default:
		ctx = kizuna.NewContextWithPrincipal(ctx, p)
		var objects []json.RawMessage
		for _, job := range jobs {
			objects = append(objects, job.objects...)
		}
		results, err := s.ingest(ctx, jobs[0].status, objects)
		for _, job := range jobs {
			n := len(job.objects)
			recordResults(job.status, results[:min(n, len(results))], err, n)
			results = results[min(n, len(results)):]
		}
	}
	var wg sync.WaitGroup
	for _, job := range jobs {
		job.status.Status = kizuna.StatusComplete
		job.final = snapshot(job.status)
		// Status writes that arrive together share a transaction.
		wg.Go(func() { s.updateStatus(ctx, job.final) })
	}
	wg.Wait()
}

// takeGroup returns the envelopes at the head of l that process takes
// together: the oldest, and those after it while the objects number at
// most Config.IngestBatch. An envelope prepared ahead is a group of its
// own. Call it with laneMu held.
func (q *ingestQueue) takeGroup(l *lane) []*ingestJob {
	if l.jobs[0].prepared != nil {
		return l.jobs[:1:1]
	}
	n, total := 1, len(l.jobs[0].objects)
	for n < len(l.jobs) && l.jobs[n].prepared == nil && total+len(l.jobs[n].objects) <= q.s.cfg.IngestBatch {
		total += len(l.jobs[n].objects)
		n++
	}
	return l.jobs[:n:n]
}

// progressInterval is the least time between two stores of a status while
// its envelope is ingested. A status is stored whole, its size growing with
// the envelope: storing it after every batch cost time quadratic in the
// envelope's objects (an envelope of 1,000,000 empty objects, 4 MB, kept a
// node writing for hours), once a second costs a bounded share of it.
const progressInterval = time.Second

// ingestInBatches ingests one envelope in batches, storing its status at
// most every progressInterval until the last batch (process stores the
// final one).
func (s *Server) ingestInBatches(ctx context.Context, job *ingestJob) {
	st, batch := job.status, s.cfg.IngestBatch
	stored := time.Now()
	for start := 0; start < len(job.objects); start += batch {
		end := min(start+batch, len(job.objects))
		results, err := s.ingest(ctx, st, job.objects[start:end])
		recordResults(st, results, err, end-start)
		if end < len(job.objects) && time.Since(stored) >= progressInterval {
			s.updateStatus(ctx, st)
			stored = time.Now()
		}
	}
}

// commitPrepared commits an envelope prepared ahead (prepareAhead), once
// its preparation is done. It was prepared with the principal that
// posted; if that principal's peer role has changed since, it is ingested
// anew with the principal of ctx (the current one), as the role decides
// whether its signatures are checked.
func (s *Server) commitPrepared(ctx context.Context, job *ingestJob) {
	<-job.prepared
	st := job.status
	var results []kizuna.PutResult
	var err error
	if posted, p := kizuna.PrincipalFromContext(job.ctx), kizuna.PrincipalFromContext(ctx); posted == nil || p == nil || posted.HasRole(kizuna.RolePeer) != p.HasRole(kizuna.RolePeer) {
		results, err = s.ingest(ctx, st, job.objects)
	} else {
		results, err = job.commit(ctx, st.Collection)
		s.logIngestFailure(ctx, st, err)
	}
	recordResults(st, results, err, len(job.objects))
}

// ingest runs the ingester on objects for the collection of st, logging an
// internal failure of the whole call.
func (s *Server) ingest(ctx context.Context, st *kizuna.Status, objects []json.RawMessage) ([]kizuna.PutResult, error) {
	results, err := s.Ingester.Ingest(ctx, st.Collection, objects)
	s.logIngestFailure(ctx, st, err)
	return results, err
}

// logIngestFailure logs an internal failure of a whole ingest call.
func (s *Server) logIngestFailure(ctx context.Context, st *kizuna.Status, err error) {
	if err != nil && kizuna.ErrorCode(err) == kizuna.EINTERNAL {
		s.Logger.ErrorContext(ctx, "taxii ingest failed", slog.String("status", st.ID),
			slog.String("collection", st.Collection), slog.String("request_id", kizuna.RequestIDFromContext(ctx)),
			slog.String("error", err.Error()))
	}
}

// recordResults moves the first n pendings of st to its successes or
// failures, after the results of their ingest, or err when the whole call
// failed.
func recordResults(st *kizuna.Status, results []kizuna.PutResult, err error, n int) {
	for i := range n {
		claimed := st.Pendings[i]
		switch {
		case err != nil:
			claimed.Message = kizuna.ErrorMessage(err)
			st.Failures = append(st.Failures, claimed)
		case i >= len(results):
			claimed.Message = "Internal error: the ingester returned no result for this object."
			st.Failures = append(st.Failures, claimed)
		default:
			d := resultDetail(results[i], claimed)
			if results[i].Err != nil {
				st.Failures = append(st.Failures, d)
			} else {
				st.Successes = append(st.Successes, d)
			}
		}
	}
	st.Pendings = st.Pendings[n:]
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

// updateStatus stores a copy of st; a failure is logged, as the objects are stored
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
