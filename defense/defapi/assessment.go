package defapi

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/defense"
	"github.com/kizuna-dev/kizuna/defense/defstix"
)

// answersOf returns each configured nation's answers for an incident that
// the reader may read, with the objects they were decoded from: one read,
// by the ids the answers have (defstix.FactorAnswersID).
func answersOf(ctx context.Context, objects kizuna.ObjectStore, e *defense.Engine, coll, incident string) (map[string]*kizuna.FactorAnswers, map[string]*kizuna.Object, error) {
	nations := e.Nations()
	ids := make([]string, len(nations))
	for i, n := range nations {
		ids[i] = defstix.FactorAnswersID(incident, n)
	}
	page, err := objects.FindObjects(ctx, kizuna.ObjectFilter{Collection: coll, IDs: ids, IncludeRaw: true, Limit: len(ids)})
	if err != nil {
		return nil, nil, err
	}
	answers, from := map[string]*kizuna.FactorAnswers{}, map[string]*kizuna.Object{}
	for _, o := range page.Objects {
		a, err := defstix.DecodeFactorAnswers(o.Raw)
		if err != nil || a.IncidentRef != incident || o.ID != defstix.FactorAnswersID(incident, a.Nation) {
			continue
		}
		answers[a.Nation], from[a.Nation] = a, o
	}
	return answers, from, nil
}

// begin starts a handler of /api/v1/incidents/{id}/…: the principal, the
// body decoded into body (when not nil), the incident as the principal may
// read it, and the nations' answers it may read. On failure it has written
// the error and ok is false.
func (s *Server) begin(w http.ResponseWriter, r *http.Request, body any) (p *kizuna.Principal, v *incidentView, answers map[string]*kizuna.FactorAnswers, from map[string]*kizuna.Object, ok bool) {
	ctx := r.Context()
	p, err := principal(ctx)
	if err == nil && body != nil {
		err = s.decode(w, r, body)
	}
	if err == nil {
		v, err = s.loadIncident(ctx, r.URL.Query().Get("collection"), r.PathValue("id"))
	}
	if err == nil {
		answers, from, err = answersOf(ctx, s.Objects, s.engine(), v.coll.ID, v.inc.ID)
	}
	if err != nil {
		s.fail(w, r, err)
		return nil, nil, nil, nil, false
	}
	return p, v, answers, from, true
}

type factorsRequest struct {
	Answers     []kizuna.FactorAnswer `json:"answers"`
	MarkingRefs []string              `json:"marking_refs"`
}

// putFactors answers PUT /api/v1/incidents/{id}/factors: the next version
// of the caller's nation's answers, marked at least as its sources.
func (s *Server) putFactors(w http.ResponseWriter, r *http.Request) {
	var req factorsRequest
	p, v, _, from, ok := s.begin(w, r, &req)
	if !ok {
		return
	}
	now := s.now()
	a := &kizuna.FactorAnswers{ID: defstix.FactorAnswersID(v.inc.ID, p.Nation), Created: now, Modified: now,
		CreatedByRef: p.Organization, IncidentRef: v.inc.ID, Nation: p.Nation, Answers: req.Answers,
		MarkingRefs: defense.DerivedMarkings(append(v.markings(), req.MarkingRefs)...)}
	if prev := from[p.Nation]; prev != nil {
		// The next version; the write rules refuse it to any organisation
		// but the one that answered first.
		a.Created = prev.Created
		if !now.After(prev.Modified) {
			a.Modified = prev.Modified.Add(1e6)
		}
	}
	raw, err := defstix.EncodeFactorAnswers(a)
	if err == nil {
		_, err = defstix.DecodeFactorAnswers(raw)
	}
	if err == nil {
		err = ingest(r.Context(), s.Ingester, v.coll.ID, raw)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"factor_answers": json.RawMessage(raw)})
}

// getFactors answers GET /api/v1/incidents/{id}/factors: the answers the
// reader may read, by nation.
func (s *Server) getFactors(w http.ResponseWriter, r *http.Request) {
	_, _, _, from, ok := s.begin(w, r, nil)
	if !ok {
		return
	}
	out := map[string]json.RawMessage{}
	for n, o := range from {
		out[n] = o.Raw
	}
	writeJSON(w, http.StatusOK, map[string]any{"factor_answers": out})
}

type assessRequest struct {
	Store bool `json:"store"`
}

// postAssessment answers POST /api/v1/incidents/{id}/assessments: the
// caller's nation's model and policy on what the caller may read of the
// incident; with store, the x-kizuna-threshold-assessment is stored,
// marked with every marking of its inputs.
func (s *Server) postAssessment(w http.ResponseWriter, r *http.Request) {
	var req assessRequest
	p, v, answers, from, ok := s.begin(w, r, &req)
	if !ok {
		return
	}
	res, err := s.engine().Assess(p.Nation, v.facts, answers[p.Nation])
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !req.Store {
		writeJSON(w, http.StatusOK, map[string]any{"result": res})
		return
	}
	now := s.now()
	ta := &kizuna.ThresholdAssessment{ID: defstix.TypeAssessment + "--" + kizuna.NewUUID(), Created: now, Modified: now,
		CreatedByRef: p.Organization, IncidentRef: v.inc.ID, IncidentVersion: v.inc.Modified, ImpactRefs: sortedIDs(v.impacts), Result: *res}
	sources := v.markings()
	if a := answers[p.Nation]; a != nil {
		ta.FactorAnswersRef, ta.FactorAnswersVersion = a.ID, a.Modified
		sources = append(sources, effectiveMarkings(from[p.Nation], v.coll))
	}
	ta.MarkingRefs = defense.DerivedMarkings(sources...)
	raw, err := defstix.EncodeAssessment(ta)
	if err == nil {
		err = ingest(r.Context(), s.Ingester, v.coll.ID, raw)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"assessment": json.RawMessage(raw), "result": res})
}

// getAssessments answers GET /api/v1/incidents/{id}/assessments: the
// stored assessments of an incident the reader may read.
func (s *Server) getAssessments(w http.ResponseWriter, r *http.Request) {
	_, v, _, _, ok := s.begin(w, r, nil)
	if !ok {
		return
	}
	objs, err := s.assessments(r.Context(), v)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := []json.RawMessage{}
	for _, o := range objs {
		out = append(out, o.Raw)
	}
	writeJSON(w, http.StatusOK, map[string]any{"assessments": out})
}

// getDivergence answers GET /api/v1/incidents/{id}/divergence over the
// answers the reader may read.
func (s *Server) getDivergence(w http.ResponseWriter, r *http.Request) {
	_, v, answers, _, ok := s.begin(w, r, nil)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, s.engine().Divergence(v.facts, answers))
}
