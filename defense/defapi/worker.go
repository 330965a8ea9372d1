package defapi

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/defense/consult"
	"github.com/kizuna-dev/kizuna/defense/defstix"
)

// Worker writes the versions of the consultations this node owns (those
// first stored here, not received from a peer): the acts of local points
// of contact, the responses allies' nodes federate here, and the
// escalations of missed deadlines. One worker serialises them, so that no
// two versions are built on the same predecessor.
type Worker struct {
	Machine *consult.Machine
	// Store is read without a reader's restriction: this is the node's own
	// work on what it owns.
	Store Store
	// Ingester stores the versions on the owner's behalf (the node
	// operator's ingest: the owner organisation is not the caller's).
	Ingester kizuna.Ingester
	Logger   *slog.Logger
	// Exclusive, when set, runs fn while no other instance of the node
	// (sharing its store) runs one of its own: every read of a
	// consultation and the version built on it run under it, so that two
	// instances never build on the same version. Nil: the worker's own
	// lock alone serialises them.
	Exclusive func(ctx context.Context, fn func() error) error

	// mu serialises the versions; once sets pending and Logger (Notify is
	// called by ingest while mu may be held, so it must not take mu).
	mu      sync.Mutex
	once    sync.Once
	pending chan *kizuna.Object
	// settled are the responses applied (or found applied) since the
	// start, which Tick need not read again; under mu.
	settled map[string]bool
}

// unrestricted reads a store with the node's own scope.
type unrestricted struct{ kizuna.ObjectStore }

func (u unrestricted) FindObjects(ctx context.Context, f kizuna.ObjectFilter) (*kizuna.ObjectPage, error) {
	f.Access = kizuna.AccessScope{Unrestricted: true}
	return u.ObjectStore.FindObjects(ctx, f)
}

func (w *Worker) init() {
	w.once.Do(func() {
		w.pending = make(chan *kizuna.Object, 1024)
		w.settled = map[string]bool{}
		if w.Logger == nil {
			w.Logger = slog.New(slog.DiscardHandler)
		}
	})
}

// Notify receives the versions ingest stored and queues the consultation
// responses among them; it never blocks (a response that finds the queue
// full is applied by the next Tick).
func (w *Worker) Notify(objs []*kizuna.Object) {
	w.init()
	for _, o := range objs {
		if o.Type == defstix.TypeResponse {
			select {
			case w.pending <- o:
			default:
			}
		}
	}
}

// Run applies queued responses as they come and calls Tick every interval,
// until ctx is done.
func (w *Worker) Run(ctx context.Context, interval time.Duration) {
	w.init()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case o := <-w.pending:
			if err := w.Apply(ctx, o.Collection, o.ID); err != nil {
				w.Logger.Warn("consultation response not applied", "response", o.ID, "err", kizuna.ErrorMessage(err))
			}
		case <-t.C:
			if _, err := w.Tick(ctx); err != nil {
				w.Logger.Warn("consultation deadlines", "err", err)
			}
		}
	}
}

// exclusive runs fn under Exclusive, when set.
func (w *Worker) exclusive(ctx context.Context, fn func() error) error {
	if w.Exclusive == nil {
		return fn()
	}
	return w.Exclusive(ctx, fn)
}

// owned returns the latest version of a consultation this node owns, or
// nil when it owns none under the id.
func (w *Worker) owned(ctx context.Context, coll, id string) (*kizuna.Consultation, error) {
	o, err := readOne(ctx, unrestricted{w.Store}, coll, id)
	if kizuna.ErrorCode(err) == kizuna.ENOTFOUND {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	if o.Type != defstix.TypeConsultation || o.Origin != "" {
		return nil, nil
	}
	return defstix.DecodeConsultation(o.Raw)
}

// store writes the next version of a consultation and, when it reached a
// joint position, the joint-position object.
func (w *Worker) store(ctx context.Context, coll string, next *kizuna.Consultation) ([]byte, error) {
	raw, err := defstix.EncodeConsultation(next)
	if err != nil {
		return nil, err
	}
	raws := [][]byte{raw}
	if jp := consult.JointPosition(next); jp != nil && next.State == kizuna.ConsultJointPosition {
		jraw, err := defstix.EncodeJointPosition(jp)
		if err != nil {
			return nil, err
		}
		raws = append(raws, jraw)
	}
	return raw, ingest(ctx, w.Ingester, coll, raws...)
}

// applyLocal applies a local point of contact's act to a consultation this
// node owns and stores the next version.
func (w *Worker) applyLocal(ctx context.Context, coll, id string, s consult.Step) ([]byte, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var raw []byte
	err := w.exclusive(ctx, func() error {
		c, err := w.owned(ctx, coll, id)
		if err != nil {
			return err
		}
		if c == nil {
			return kizuna.Errorf(kizuna.ENOTFOUND, "no consultation %s owned by this node", id)
		}
		next, err := w.Machine.Apply(c, s)
		if err != nil {
			return err
		}
		raw, err = w.store(ctx, coll, next)
		return err
	})
	return raw, err
}

// Apply applies an ally's response (stored in coll), received from a peer,
// to the consultation it names, when this node owns it and has not applied
// it yet.
func (w *Worker) Apply(ctx context.Context, coll, responseID string) error {
	w.init()
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.settled[responseID] {
		return nil
	}
	return w.exclusive(ctx, func() error { return w.apply(ctx, coll, responseID) })
}

// apply is Apply under the worker's locks.
func (w *Worker) apply(ctx context.Context, coll, responseID string) error {
	o, err := readOne(ctx, unrestricted{w.Store}, coll, responseID)
	if err != nil {
		return err
	}
	if o.Origin == "" {
		// A point of contact on this node acts through the API, which
		// applies the act itself; a response stored here came through
		// TAXII, where the role is not checked, and is not applied.
		return nil
	}
	resp, err := defstix.DecodeResponse(o.Raw)
	if err != nil {
		return err
	}
	c, err := w.owned(ctx, coll, resp.ConsultationRef)
	if err != nil {
		return err
	}
	if c == nil {
		w.settled[resp.ID] = true // another node's consultation: its node applies it
		return nil
	}
	if slices.ContainsFunc(c.Steps, func(s kizuna.ConsultStep) bool { return s.Ref == resp.ID }) {
		w.settled[resp.ID] = true
		return nil
	}
	// What the response says is copied into the consultation: it must not
	// carry a marking the consultation does not, or its content would
	// reach readers its own markings exclude.
	for _, m := range resp.MarkingRefs {
		if !slices.Contains(c.MarkingRefs, m) {
			return kizuna.Errorf(kizuna.EFORBIDDEN, "%s carries the marking %s, which consultation %s does not", resp.ID, m, c.ID)
		}
	}
	s, err := w.Machine.StepFromResponse(resp)
	if err != nil {
		return err
	}
	next, err := w.Machine.Apply(c, s)
	if err != nil {
		return err
	}
	if _, err = w.store(ctx, coll, next); err == nil {
		w.settled[resp.ID] = true
	}
	return err
}

// Tick escalates the missed deadlines of every consultation this node owns,
// applies the responses the queue missed, and returns how many versions it
// stored.
func (w *Worker) Tick(ctx context.Context) (int, error) {
	w.init()
	colls, err := w.Store.FindCollections(ctx)
	if err != nil {
		return 0, err
	}
	stored := 0
	for _, coll := range colls {
		objs, err := readAll(ctx, unrestricted{w.Store}, coll.ID, defstix.TypeResponse)
		if err != nil {
			return stored, err
		}
		for _, o := range objs {
			if o.Origin == "" {
				continue // not applied (see Apply)
			}
			if err := w.Apply(ctx, coll.ID, o.ID); err != nil {
				w.Logger.Debug("consultation response not applied", "response", o.ID, "err", kizuna.ErrorMessage(err))
			}
		}
		n, err := w.escalate(ctx, coll.ID)
		stored += n
		if err != nil {
			return stored, err
		}
	}
	return stored, nil
}

func (w *Worker) escalate(ctx context.Context, coll string) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	stored := 0
	err := w.exclusive(ctx, func() (err error) {
		stored, err = w.escalateLocked(ctx, coll)
		return err
	})
	return stored, err
}

// escalateLocked is escalate under the worker's locks.
func (w *Worker) escalateLocked(ctx context.Context, coll string) (int, error) {
	objs, err := readAll(ctx, unrestricted{w.Store}, coll, defstix.TypeConsultation)
	if err != nil {
		return 0, err
	}
	stored := 0
	for _, o := range objs {
		if o.Origin != "" {
			continue
		}
		c, err := defstix.DecodeConsultation(o.Raw)
		if err != nil {
			continue
		}
		next, changed := w.Machine.Tick(c)
		if !changed {
			continue
		}
		if _, err := w.store(ctx, coll, next); err != nil {
			return stored, err
		}
		stored++
	}
	return stored, nil
}
