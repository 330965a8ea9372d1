package taxii

import (
	"context"
	"encoding/json"
	"sync"

	"github.com/kizuna-dev/kizuna"
)

// ingestJob is one accepted POST envelope.
type ingestJob struct {
	ctx     context.Context // the request's, for its principal and request id
	status  *kizuna.Status
	objects []json.RawMessage

	// done is closed once the envelope is processed; final is then its
	// status as stored.
	done  chan struct{}
	final *kizuna.Status

	// prepared, when not nil, is closed once the envelope has been
	// prepared ahead (prepareAhead); commit then stores it.
	prepared chan struct{}
	commit   func(ctx context.Context, collection string) ([]kizuna.PutResult, error)
}

// preparer is an Ingester that prepares a batch (parses, validates, checks
// a peer's signatures) apart from committing it (ingest.Service): a worker
// prepares a lane's next envelope while it commits the one before.
type preparer interface {
	PrepareIngest(ctx context.Context, objects []json.RawMessage) func(ctx context.Context, collection string) ([]kizuna.PutResult, error)
}

// laneKey names the envelopes that must be committed in the order they were
// accepted: those of one principal into one collection. A client that posts
// marking-definitions and then, after the 202, the objects they mark relies
// on that order.
type laneKey struct{ principal, collection string }

// lane holds the accepted envelopes of one laneKey, oldest first. A lane is
// handed to one worker at a time, so its envelopes never run concurrently;
// different lanes run on different workers.
type lane struct {
	key  laneKey
	jobs []*ingestJob
	// taken is how many envelopes at the head of jobs a worker holds.
	taken int
}

// ingestQueue runs a fixed number of workers over a bounded queue of lanes.
// A slot is reserved before the status is stored, so that an accepted POST
// always has room and a refused one leaves nothing behind. One principal
// holds at most share slots, so that it cannot fill the queue and starve
// the others (whose POSTs would be refused while its envelopes drain).
type ingestQueue struct {
	s     *Server
	slots chan struct{}
	share int

	heldMu sync.Mutex
	held   map[string]int // principal id -> slots it holds
	// ready holds the lanes that have envelopes and no worker, each once.
	// There are never more lanes than reserved slots, so sends to it
	// never block.
	ready chan *lane

	laneMu sync.Mutex
	lanes  map[laneKey]*lane

	mu       sync.RWMutex
	closed   bool
	inflight sync.WaitGroup
	workers  sync.WaitGroup

	// base is cancelled when a Shutdown deadline passes, to abandon the
	// envelopes still being ingested.
	base   context.Context
	cancel context.CancelFunc
}

func newIngestQueue(s *Server, workers, size, share int) *ingestQueue {
	q := &ingestQueue{
		s:     s,
		share: share,
		held:  map[string]int{},
		slots: make(chan struct{}, workers+size),
		ready: make(chan *lane, workers+size),
		lanes: map[laneKey]*lane{},
	}
	q.base, q.cancel = context.WithCancel(context.Background())
	for range workers {
		q.workers.Add(1)
		go q.run()
	}
	return q
}

// Outcomes of reserve.
const (
	reserved      = iota
	queueFull     // the queue is full or closed
	principalFull // the principal holds its share of the queue
)

// reserve takes a slot for the principal.
func (q *ingestQueue) reserve(principal string) int {
	q.mu.RLock()
	defer q.mu.RUnlock()
	if q.closed {
		return queueFull
	}
	select {
	case q.slots <- struct{}{}:
	default:
		return queueFull
	}
	q.heldMu.Lock()
	defer q.heldMu.Unlock()
	if q.held[principal] >= q.share {
		<-q.slots
		return principalFull
	}
	q.held[principal]++
	q.inflight.Add(1)
	return reserved
}

// backlog is the number of accepted envelopes not yet ingested.
func (q *ingestQueue) backlog() int { return len(q.slots) }

// release gives back a slot the principal reserved for a job that will not
// be submitted, or whose job is done.
func (q *ingestQueue) release(principal string) {
	q.heldMu.Lock()
	if q.held[principal]--; q.held[principal] <= 0 {
		delete(q.held, principal)
	}
	q.heldMu.Unlock()
	<-q.slots
	q.inflight.Done()
}

// submit appends a job to its lane; it never blocks, as the job holds a
// slot. The job no longer depends on the request: it runs after the
// response when the client does not wait.
func (q *ingestQueue) submit(job *ingestJob) {
	job.ctx = context.WithoutCancel(job.ctx)
	job.done = make(chan struct{})
	key := laneKey{principal: job.status.Principal, collection: job.status.Collection}
	q.laneMu.Lock()
	defer q.laneMu.Unlock()
	l, busy := q.lanes[key]
	if !busy {
		l = &lane{key: key}
		q.lanes[key] = l
	}
	l.jobs = append(l.jobs, job)
	if !busy {
		q.ready <- l
		return
	}
	q.prepareAhead(l)
}

// prepareAhead starts preparing the first prepareDepth envelopes of l that
// no worker holds, those not being prepared already, so that each is ready
// to commit once the envelopes before it are: the store's single writer
// commits one batch while the next ones are verified and parsed on the
// other cores. Only an envelope that takes a group of its own is prepared
// ahead (more than half of Config.IngestBatch objects, and at most that
// many), and none behind one that does not; smaller ones are grouped with
// those behind them, as before. It prepares with the principal that
// posted; commitPrepared ingests anew if the principal's peer role changed
// meanwhile. Call it with laneMu held.
func (q *ingestQueue) prepareAhead(l *lane) {
	pr, ok := q.s.Ingester.(preparer)
	if !ok {
		return
	}
	batch := q.s.cfg.IngestBatch
	for _, job := range l.jobs[l.taken:min(len(l.jobs), l.taken+prepareDepth)] {
		if 2*len(job.objects) <= batch || len(job.objects) > batch {
			return
		}
		if job.prepared != nil {
			continue
		}
		job.prepared = make(chan struct{})
		go func() {
			defer close(job.prepared)
			job.commit = pr.PrepareIngest(job.ctx, job.objects)
		}()
	}
}

// prepareDepth is how many envelopes of a lane are prepared ahead of the
// one committing: two keep the cores busy while a batch commits and the
// next is taken (docs/benchmarks-federation.md).
const prepareDepth = 2

// run processes the oldest envelopes of each ready lane, then puts the lane
// back at the end of the line if it has more, so that one busy principal
// does not starve the others. The envelopes stay in the lane while they
// are processed, so that those accepted meanwhile queue behind them.
func (q *ingestQueue) run() {
	defer q.workers.Done()
	for l := range q.ready {
		q.laneMu.Lock()
		jobs := q.takeGroup(l)
		l.taken = len(jobs)
		q.prepareAhead(l)
		q.laneMu.Unlock()

		q.process(jobs)
		for _, job := range jobs {
			close(job.done)
		}

		n := len(jobs)
		q.laneMu.Lock()
		clear(l.jobs[:n]) // jobs shares this array: it is empty from here
		l.jobs, l.taken = l.jobs[n:], 0
		if len(l.jobs) > 0 {
			q.ready <- l
		} else {
			delete(q.lanes, l.key)
		}
		q.laneMu.Unlock()
		for range n {
			q.release(l.key.principal)
		}
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
			close(q.ready)
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
