package taxii

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"sync"

	"github.com/kizuna-dev/kizuna"
)

// ingestJob is one accepted POST envelope.
type ingestJob struct {
	ctx     context.Context // the request's, for its principal and request id
	status  *kizuna.Status
	objects []json.RawMessage
}

// ingestQueue runs a fixed number of workers over a bounded queue. A slot is
// reserved before the status is stored, so that an accepted POST always has
// room and a refused one leaves nothing behind.
type ingestQueue struct {
	s     *Server
	slots chan struct{}
	jobs  chan *ingestJob

	mu       sync.RWMutex
	closed   bool
	inflight sync.WaitGroup
	workers  sync.WaitGroup

	// base is cancelled when a Shutdown deadline passes, to abandon the
	// envelopes still being ingested.
	base   context.Context
	cancel context.CancelFunc
}

func newIngestQueue(s *Server, workers, size int) *ingestQueue {
	q := &ingestQueue{
		s:     s,
		slots: make(chan struct{}, workers+size),
		jobs:  make(chan *ingestJob, workers+size),
	}
	q.base, q.cancel = context.WithCancel(context.Background())
	for range workers {
		q.workers.Add(1)
		go q.run()
	}
	return q
}

// reserve takes a slot, or reports false when the queue is full or closed.
func (q *ingestQueue) reserve() bool {
	q.mu.RLock()
	defer q.mu.RUnlock()
	if q.closed {
		return false
	}
	select {
	case q.slots <- struct{}{}:
		q.inflight.Add(1)
		return true
	default:
		return false
	}
}

// backlog is the number of accepted envelopes not yet ingested.
func (q *ingestQueue) backlog() int { return len(q.slots) }

// release gives back a slot reserved for a job that will not be submitted.
func (q *ingestQueue) release() {
	<-q.slots
	q.inflight.Done()
}

// submit hands a job to the workers; it never blocks, as the job holds a
// slot and the channel has room for every slot.
func (q *ingestQueue) submit(job *ingestJob) {
	job.ctx = context.WithoutCancel(job.ctx)
	q.jobs <- job
}

func (q *ingestQueue) run() {
	defer q.workers.Done()
	for job := range q.jobs {
		q.process(job)
		q.release()
	}
}

// shutdown refuses new jobs and waits for the accepted ones.
func (q *ingestQueue) shutdown(ctx context.Context) error {
	q.mu.Lock()
	already := q.closed
	q.closed = true
	q.mu.Unlock()
	done := make(chan struct{})
	go func() {
		q.inflight.Wait()
		if !already {
			close(q.jobs)
		}
		q.workers.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		q.cancel()
		return ctx.Err()
	}
}

// process ingests a job in batches, updating the status after each batch so
// that a client polling a large POST sees the pendings shrink.
func (q *ingestQueue) process(job *ingestJob) {
	ctx, cancel := context.WithCancel(job.ctx)
	defer cancel()
	stop := context.AfterFunc(q.base, cancel)
	defer stop()

	s, st := q.s, job.status
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
		if uerr := s.Statuses.UpdateStatus(ctx, snapshot(st)); uerr != nil {
			s.Logger.ErrorContext(ctx, "taxii status update failed", slog.String("status", st.ID), slog.String("error", uerr.Error()))
		}
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
