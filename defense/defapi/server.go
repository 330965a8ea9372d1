// Package defapi serves collective defense on the native API under
// /api/v1/: incidents, factor answers, threshold assessments, divergence,
// scoring models, policies, consultations and campaigns. Every object it
// reads comes through the access decision (the guard in front of the store,
// with the principal of the request) and every object it writes goes
// through ingest, so that it is validated, labelled, audited, served by
// TAXII and federated like any other. A reader who may not read an incident
// gets 404 for it and for everything derived from it.
//
// The node registers the routes (Register) behind the same authentication
// and rate limits as TAXII; the rest of /api/v1/ is package api's.
package defapi

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"sync/atomic"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/defense"
	"github.com/kizuna-dev/kizuna/defense/consult"
	"github.com/kizuna-dev/kizuna/internal/apiobj"
)

// Store is what the node's own work reads without a reader's restriction:
// the responses and deadlines it applies to the consultations it owns.
type Store interface {
	kizuna.ObjectStore
	kizuna.CollectionStore
}

// ConfigWriter keeps the configuration an admin changes through the API:
// it checks the new file with the rest of the configuration, keeps it
// (for the node's next start too) and returns the engine that runs it.
type ConfigWriter interface {
	// PutModel sets a nation's scoring model; PutPolicy its policy.
	// Errors: EINVALID naming the file, the JSON path and, in an
	// expression, the line and column.
	PutModel(ctx context.Context, nation string, data []byte) (*defense.Engine, error)
	PutPolicy(ctx context.Context, nation string, data []byte) (*defense.Engine, error)
}

// Server serves collective defense.
type Server struct {
	// Engine is the engine the server starts with; an admin's change of a
	// model or policy replaces it (see Config).
	Engine  *defense.Engine
	Consult *consult.Machine
	// Objects and Collections are read for the principal of the request:
	// the policy guard.
	Objects     kizuna.ObjectStore
	Collections kizuna.CollectionStore
	// Ingester stores what a principal writes, with its rights.
	Ingester kizuna.Ingester
	// Collection is the collection (id or alias) used when a request names
	// none.
	Collection string
	// WriteError writes an error as the rest of the API does (a TAXII
	// error body with the status of its code).
	WriteError func(w http.ResponseWriter, r *http.Request, err error)
	MaxBody    int64
	Logger     *slog.Logger
	// Clock tells the time of new versions (nil: the wall clock).
	Clock consult.Clock
	// Worker writes the versions of the consultations this node owns.
	Worker *Worker
	// Config, when set, lets admins replace scoring models and policies
	// (PUT); without it they are read-only.
	Config ConfigWriter
	// Audit, when set, records each consultation step a point of contact
	// takes here (consult.<act>, which exercises are evaluated from) and
	// every act refused to a principal who is not a point of contact.
	Audit func(ctx context.Context, e *kizuna.AuditEvent)

	current atomic.Pointer[defense.Engine]
}

// engine returns the engine in force.
func (s *Server) engine() *defense.Engine {
	if e := s.current.Load(); e != nil {
		return e
	}
	return s.Engine
}

// Handler returns the collective-defense routes; every other request goes
// to next.
func (s *Server) Handler(next http.Handler) http.Handler {
	mux := http.NewServeMux()
	s.Register(mux, func(h http.Handler) http.Handler { return h })
	mux.Handle("/", next)
	return mux
}

// Register adds the collective-defense routes to mux, each wrapped by
// protect (the node's authentication): a node's route table, where they
// take precedence over the rest of /api/v1/.
func (s *Server) Register(mux *http.ServeMux, protect func(http.Handler) http.Handler) {
	if s.MaxBody <= 0 {
		s.MaxBody = 10 << 20
	}
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	if s.Clock == nil {
		s.Clock = consult.SystemClock{}
	}
	for _, r := range []struct {
		pattern string
		h       http.HandlerFunc
	}{
		{"GET /api/v1/incidents", s.listIncidents},
		{"POST /api/v1/incidents", s.postIncident},
		{"GET /api/v1/incidents/{id}", s.getIncident},
		{"PUT /api/v1/incidents/{id}/factors", s.putFactors},
		{"GET /api/v1/incidents/{id}/factors", s.getFactors},
		{"POST /api/v1/incidents/{id}/assessments", s.postAssessment},
		{"GET /api/v1/incidents/{id}/assessments", s.getAssessments},
		{"GET /api/v1/incidents/{id}/divergence", s.getDivergence},
		{"GET /api/v1/scoring-models", s.listModels},
		{"GET /api/v1/scoring-models/{nation}", s.getModel},
		{"GET /api/v1/policies", s.listPolicies},
		{"GET /api/v1/policies/{nation}", s.getPolicy},
		{"POST /api/v1/policies/{nation}/test", s.testPolicy},
		{"PUT /api/v1/scoring-models/{nation}", s.putModel},
		{"PUT /api/v1/policies/{nation}", s.putPolicy},
		{"GET /api/v1/consultations", s.listConsultations},
		{"POST /api/v1/consultations", s.openConsultation},
		{"GET /api/v1/consultations/{id}", s.getConsultation},
		{"POST /api/v1/consultations/{id}/acts", s.act},
		{"GET /api/v1/campaigns", s.listCampaigns},
		{"POST /api/v1/campaigns/assessments", s.assessCampaign},
	} {
		mux.Handle(r.pattern, protect(r.h))
	}
}

func (s *Server) now() time.Time { return s.Clock.Now().UTC().Truncate(time.Millisecond) }

func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) { s.WriteError(w, r, err) }

func writeJSON(w http.ResponseWriter, status int, v any) { apiobj.WriteJSON(w, status, v) }

// decode reads a request body of one JSON object, strictly (see
// apiobj.DecodeBody).
func (s *Server) decode(w http.ResponseWriter, r *http.Request, v any) error {
	return apiobj.DecodeBody(w, r, s.MaxBody, v)
}

// principal returns the authenticated principal; the node mounts the
// handler behind authentication, so none is an internal error.
func principal(ctx context.Context) (*kizuna.Principal, error) {
	p := kizuna.PrincipalFromContext(ctx)
	if p == nil {
		return nil, kizuna.Errorf(kizuna.EUNAUTHORIZED, "authentication required")
	}
	return p, nil
}

// collection returns the collection a request names (?collection=, or the
// body's), or the default; one the reader may not read is ENOTFOUND.
func (s *Server) collection(ctx context.Context, named string) (*kizuna.Collection, error) {
	if named == "" {
		named = s.Collection
	}
	return s.Collections.FindCollectionByID(ctx, named)
}

// readAll returns the latest versions the reader may read of the objects
// of a type in a collection (every page).
func (s *Server) readAll(ctx context.Context, coll, typ string) ([]*kizuna.Object, error) {
	return readAll(ctx, s.Objects, coll, typ)
}

func readAll(ctx context.Context, objects kizuna.ObjectStore, coll, typ string) ([]*kizuna.Object, error) {
	return apiobj.ReadAll(ctx, objects, coll, typ)
}

// readOne returns the latest version of an object the reader may read;
// ENOTFOUND, naming what was asked, when there is none or it is hidden.
func (s *Server) readOne(ctx context.Context, coll, id string) (*kizuna.Object, error) {
	return readOne(ctx, s.Objects, coll, id)
}

func readOne(ctx context.Context, objects kizuna.ObjectStore, coll, id string) (*kizuna.Object, error) {
	if id == "" {
		return nil, kizuna.Errorf(kizuna.EINVALID, "an object id is required")
	}
	page, err := objects.FindObjects(ctx, kizuna.ObjectFilter{Collection: coll, IDs: []string{id}, IncludeRaw: true, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(page.Objects) == 0 {
		return nil, kizuna.Errorf(kizuna.ENOTFOUND, "no object %s in this collection", id)
	}
	return page.Objects[0], nil
}

// effectiveMarkings returns the markings that apply to a stored object:
// its own, or its collection's default when it carries none.
func effectiveMarkings(o *kizuna.Object, c *kizuna.Collection) []string {
	if len(o.MarkingRefs) > 0 {
		return o.MarkingRefs
	}
	return c.DefaultMarkingRefs
}

// ingest stores objects with the rights of the principal in ctx; the first
// refusal is the error. Objects are decoded and checked before, so that a
// refusal here is a write rule's or a marking's.
func ingest(ctx context.Context, in kizuna.Ingester, coll string, raws ...[]byte) error {
	return apiobj.Ingest(ctx, in, coll, raws...)
}

// sortedIDs returns the ids of objects, sorted.
func sortedIDs(objs []*kizuna.Object) []string {
	ids := make([]string, len(objs))
	for i, o := range objs {
		ids[i] = o.ID
	}
	slices.Sort(ids)
	return ids
}
