// Package exapi serves exercises on the native API under /api/v1/: an
// admin loads an exercise from its scenario file and starts it; the node
// releases the injects when they fall due (Releaser, run under the
// node's lease); participants read the exercise and acknowledge what was
// released to them; the control cell evaluates the exercise from the
// node's audit log and renders the after-action report (HTML, PDF).
//
// The exercise records (x-kizuna-exercise) carry the participants'
// record marking, the injects and release records the exercise marking
// (package exercise): every read goes through the access decision (the
// guard, with the principal of the request), so a principal who is not a
// participant, or who does not hold the exercise community, reads none of
// it, and asking for it by id is 404 as for an id that does not exist.
// Everything is written through ingest, as the node's own work.
package exapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/exercise/exstix"
	"github.com/kizuna-dev/kizuna/internal/apiobj"
)

// CollectionAlias is the alias of the collection holding exercise records,
// injects and release records.
const CollectionAlias = kizuna.ExerciseCollectionAlias

// Server serves exercises.
type Server struct {
	// Objects and Collections are read for the principal of the request:
	// the policy guard.
	Objects     kizuna.ObjectStore
	Collections kizuna.CollectionStore
	// Store is read by the node's own work (releases) without a reader's
	// restriction; Operator stores what the node writes as the host
	// operator (on the control cell's behalf).
	Store    kizuna.ObjectStore
	Operator kizuna.Ingester
	// State keeps the scenario files (the injects are released from them).
	State kizuna.StateStore
	// Audit records the node's acts; AuditLog and Principals are what an
	// evaluation reads: the node's audit log and who its principals are.
	Audit      func(ctx context.Context, e *kizuna.AuditEvent)
	AuditLog   kizuna.AuditStore
	Principals kizuna.PrincipalStore
	// Node names this node in evaluations; NodeID is its identity id. A
	// participant is hosted here when its node is either.
	Node, NodeID string
	// OperatorOrg is this node's operating organisation, the organisation
	// its peers know it by.
	OperatorOrg string
	// StoreCollections lists every collection, for the purge.
	StoreCollections kizuna.CollectionStore
	// Sign signs an audit export with the node's key; Verify checks a
	// peer node's signature with its pinned key (nil: exports are neither
	// made nor accepted).
	Sign   func(ctx context.Context, payload []byte) (string, error)
	Verify func(ctx context.Context, node string, payload []byte, signature string) error
	// PeerNodes maps the principal name of each peer to its node and
	// organisation (nil: no peers).
	PeerNodes func(ctx context.Context) (map[string]PeerNode, error)
	// Collection is the collection (id or alias) of exercise data (default
	// CollectionAlias).
	Collection string
	WriteError func(w http.ResponseWriter, r *http.Request, err error)
	MaxBody    int64
	Logger     *slog.Logger
	// Now is the exercise clock (nil: the wall clock): the time of what the
	// node records. Schedule, when set, is the time at which injects fall
	// due instead (a test's clock, running ahead of the records').
	Now, Schedule func() time.Time
	// Exclusive runs a release pass one instance at a time among those
	// sharing the store (nil: just runs it).
	Exclusive func(ctx context.Context, fn func() error) error

	// mu makes one release pass at a time on this instance.
	mu sync.Mutex
}

func (s *Server) defaults() {
	if s.MaxBody <= 0 {
		s.MaxBody = 10 << 20
	}
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.Collection == "" {
		s.Collection = CollectionAlias
	}
	if s.Exclusive == nil {
		s.Exclusive = func(_ context.Context, fn func() error) error { return fn() }
	}
	if s.Audit == nil {
		s.Audit = func(context.Context, *kizuna.AuditEvent) {}
	}
}

// Register adds the exercise routes to mux: those an admin calls wrapped
// by admin, the others by protect (the node's authentication).
func (s *Server) Register(mux *http.ServeMux, protect, admin func(http.Handler) http.Handler) {
	s.defaults()
	for _, r := range []struct {
		pattern string
		h       http.HandlerFunc
		wrap    func(http.Handler) http.Handler
	}{
		{"POST /api/v1/exercises", s.load, admin},
		{"POST /api/v1/exercises/{id}/start", s.start, admin},
		{"POST /api/v1/exercises/{id}/grant", s.grant, admin},
		{"POST /api/v1/exercises/{id}/end", s.end, admin},
		{"GET /api/v1/exercises", s.list, protect},
		{"GET /api/v1/exercises/{id}", s.get, protect},
		{"GET /api/v1/exercises/{id}/releases", s.releases, protect},
		{"POST /api/v1/exercises/{id}/releases/{release}/acknowledge", s.acknowledge, protect},
		{"GET /api/v1/exercises/{id}/evaluation", s.evaluation, protect},
		{"POST /api/v1/exercises/{id}/evaluation", s.evaluation, protect},
		{"GET /api/v1/exercises/{id}/audit", s.audit, admin},
		{"GET /api/v1/exercises/{id}/report", s.report, protect},
		{"POST /api/v1/exercises/{id}/report", s.report, protect},
	} {
		mux.Handle(r.pattern, r.wrap(r.h))
	}
}

func (s *Server) now() time.Time { return s.Now().UTC().Truncate(time.Millisecond) }

// scheduleNow is the time at which injects fall due.
func (s *Server) scheduleNow() time.Time {
	if s.Schedule != nil {
		return s.Schedule().UTC().Truncate(time.Millisecond)
	}
	return s.now()
}

// scenarioState names the state document holding an exercise's scenario.
func scenarioState(id string) string {
	return "exercise-scenario-" + strings.TrimPrefix(id, exstix.TypeExercise+"--") + ".json"
}

// readOne returns the latest version of an object of the collection
// through objects; ENOTFOUND naming what was asked when there is none or
// it is hidden.
func (s *Server) readOne(ctx context.Context, objects kizuna.ObjectStore, id string) (*kizuna.Object, error) {
	page, err := objects.FindObjects(ctx, kizuna.ObjectFilter{Collection: s.Collection, IDs: []string{id}, IncludeRaw: true, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(page.Objects) == 0 {
		return nil, kizuna.Errorf(kizuna.ENOTFOUND, "no object %s in this collection", id)
	}
	return page.Objects[0], nil
}

// exercise returns the record of the exercise a request names, as the
// reader may read it.
func (s *Server) exercise(r *http.Request) (*exstix.Exercise, error) {
	x, _, err := s.exerciseObject(r)
	return x, err
}

// exerciseObject is exercise with the stored version.
func (s *Server) exerciseObject(r *http.Request) (*exstix.Exercise, *kizuna.Object, error) {
	rec, err := s.Exercise(r.Context(), r.PathValue("id"))
	return rec.Exercise, rec.Object, err
}

// Record is an exercise record as a reader reads it: the stored version
// and what it decodes to.
type Record struct {
	Object   *kizuna.Object
	Exercise *exstix.Exercise
}

// Exercise returns the record of an exercise the principal of ctx may
// read, read through the guard; ENOTFOUND, as for an id that does not
// exist, when it may not.
func (s *Server) Exercise(ctx context.Context, id string) (Record, error) {
	if !strings.HasPrefix(id, exstix.TypeExercise+"--") {
		return Record{}, kizuna.Errorf(kizuna.ENOTFOUND, "no object %s in this collection", id)
	}
	o, err := s.readOne(ctx, s.Objects, id)
	if err != nil {
		return Record{}, err
	}
	x, err := exstix.DecodeExercise(o.Raw)
	return Record{Object: o, Exercise: x}, err
}

// Exercises returns the records of the exercises the principal of ctx may
// read, read through the guard (a stored version that does not decode is
// left out).
func (s *Server) Exercises(ctx context.Context) ([]Record, error) {
	objs, err := apiobj.ReadAll(ctx, s.Objects, s.Collection, exstix.TypeExercise)
	if err != nil {
		return nil, err
	}
	var out []Record
	for _, o := range objs {
		if x, err := exstix.DecodeExercise(o.Raw); err == nil {
			out = append(out, Record{Object: o, Exercise: x})
		}
	}
	return out, nil
}

// body reads a request body of at most MaxBody bytes.
func (s *Server) body(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.MaxBody))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, kizuna.Errorf(kizuna.ETOOLARGE, "the request body exceeds %d bytes", s.MaxBody)
	} else if err != nil {
		return nil, kizuna.Errorf(kizuna.EINVALID, "request body: %v", err)
	}
	return b, nil
}

// list returns the exercises the reader may read.
func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	objs, err := apiobj.ReadAll(r.Context(), s.Objects, s.Collection, exstix.TypeExercise)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	out := []json.RawMessage{}
	for _, o := range objs {
		out = append(out, o.Raw)
	}
	var ids []string
	for _, o := range objs {
		ids = append(ids, o.ID)
	}
	setBanner(w, ids...)
	apiobj.WriteJSON(w, http.StatusOK, map[string]any{"exercises": out})
}

// get returns the latest version of an exercise the reader may read, as
// stored.
func (s *Server) get(w http.ResponseWriter, r *http.Request) {
	_, o, err := s.exerciseObject(r)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	setBanner(w, o.ID)
	apiobj.WriteJSON(w, http.StatusOK, o.Raw)
}

// releases returns the release records of an exercise the reader may
// read: those of the injects released to its organisation's participant
// and, for the control cell, all.
func (s *Server) releases(w http.ResponseWriter, r *http.Request) {
	x, err := s.exercise(r)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	rels, err := s.releasesOf(r.Context(), s.Objects, x.ID)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	setBanner(w, x.ID)
	apiobj.WriteJSON(w, http.StatusOK, map[string]any{"releases": rels})
}

// releasesOf returns the release records of an exercise read through
// objects.
func (s *Server) releasesOf(ctx context.Context, objects kizuna.ObjectStore, exerciseID string) ([]kizuna.InjectRelease, error) {
	rels, err := s.releaseObjects(ctx, objects, exerciseID)
	out := []kizuna.InjectRelease{}
	for _, rel := range rels {
		out = append(out, *rel.Release)
	}
	return out, err
}

// Release is a release record as a reader reads it: the stored version
// and what it decodes to.
type Release struct {
	Object  *kizuna.Object
	Release *kizuna.InjectRelease
}

// Releases returns the release records of an exercise that the principal
// of ctx may read, read through the guard: those of the injects released
// to its organisation's participant and, for the control cell, all.
func (s *Server) Releases(ctx context.Context, exerciseID string) ([]Release, error) {
	return s.releaseObjects(ctx, s.Objects, exerciseID)
}

// releaseObjects returns the release records of an exercise read through
// objects.
func (s *Server) releaseObjects(ctx context.Context, objects kizuna.ObjectStore, exerciseID string) ([]Release, error) {
	objs, err := apiobj.ReadAll(ctx, objects, s.Collection, exstix.TypeRelease)
	if err != nil {
		return nil, err
	}
	var out []Release
	for _, o := range objs {
		rel, err := exstix.DecodeRelease(o.Raw)
		if err != nil {
			s.Logger.Warn("exercise: a stored release record does not decode", "id", o.ID, "err", err)
			continue
		}
		if rel.ExerciseRef == exerciseID {
			out = append(out, Release{Object: o, Release: rel})
		}
	}
	return out, nil
}

// ownReads reads the store for the node's own work: without a reader's
// restriction, never on behalf of a principal.
type ownReads struct{ kizuna.ObjectStore }

func (o ownReads) FindObjects(ctx context.Context, f kizuna.ObjectFilter) (*kizuna.ObjectPage, error) {
	f.Access = kizuna.AccessScope{Unrestricted: true}
	return o.ObjectStore.FindObjects(ctx, f)
}

// own returns the store as the node's own work reads it.
func (s *Server) own() kizuna.ObjectStore { return ownReads{s.Store} }

// BannerHeader carries the EXERCISE banner of every answer about an
// exercise (docs/exercises.md, rule 4).
const BannerHeader = "X-Kizuna-Banner"

// setBanner sets the EXERCISE banner of the exercises, if any.
func setBanner(w http.ResponseWriter, exercises ...string) {
	if len(exercises) > 0 {
		w.Header().Set(BannerHeader, kizuna.ExerciseBanner(exercises))
	}
}
