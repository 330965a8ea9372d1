package defapi

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/defense"
	"github.com/kizuna-dev/kizuna/defense/consult"
	"github.com/kizuna-dev/kizuna/defense/defstix"
)

type openRequest struct {
	Collection    string   `json:"collection"`
	IncidentRef   string   `json:"incident_ref"`
	Addressees    []string `json:"addressees"`
	AssessmentRef string   `json:"assessment_ref"`
	MarkingRefs   []string `json:"marking_refs"`
	Statement     string   `json:"statement"`
}

// openConsultation answers POST /api/v1/consultations (role poc): the first
// version of an x-kizuna-consultation on an incident the caller may read,
// at the rank its nation's assessment reached (the stored one named, or
// one made now), marked at least as the incident and the assessment.
func (s *Server) openConsultation(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p, err := principal(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var req openRequest
	if err := s.decode(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if !p.HasRole(kizuna.RolePOC) {
		s.fail(w, r, kizuna.Errorf(kizuna.EFORBIDDEN, "only a point of contact (role poc) opens a consultation"))
		return
	}
	v, err := s.loadIncident(ctx, req.Collection, req.IncidentRef)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sources := append(v.markings(), req.MarkingRefs)
	var rank int
	if req.AssessmentRef != "" {
		o, err := s.readOne(ctx, v.coll.ID, req.AssessmentRef)
		var a *kizuna.ThresholdAssessment
		if err == nil {
			if a, err = defstix.DecodeAssessment(o.Raw); err == nil && (a.IncidentRef != v.inc.ID || a.Result.Nation != p.Nation) {
				err = kizuna.Errorf(kizuna.EINVALID, "request body: $.assessment_ref: %s is not %s's assessment of %s", a.ID, p.Nation, v.inc.ID)
			}
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		rank = a.Result.Level.Rank
		sources = append(sources, effectiveMarkings(o, v.coll))
	} else {
		answers, from, err := answersOf(ctx, s.Objects, s.engine(), v.coll.ID, v.inc.ID)
		var res *kizuna.AssessmentResult
		if err == nil {
			res, err = s.engine().Assess(p.Nation, v.facts, answers[p.Nation])
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		rank = res.Level.Rank
		if o := from[p.Nation]; o != nil {
			sources = append(sources, effectiveMarkings(o, v.coll))
		}
	}
	c, err := s.Consult.Open(consult.ActorOf(p), consult.OpenRequest{IncidentRef: v.inc.ID, Rank: rank, Addressees: req.Addressees,
		AssessmentRef: req.AssessmentRef, MarkingRefs: defense.DerivedMarkings(sources...), Statement: req.Statement})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	raw, err := defstix.EncodeConsultation(c)
	if err == nil {
		err = ingest(ctx, s.Ingester, v.coll.ID, raw)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.auditStep(ctx, p, "open", c.ID, v.inc.ID, "none", c.State)
	writeJSON(w, http.StatusCreated, map[string]any{"consultation": json.RawMessage(raw)})
}

// readConsultation returns the latest version of a consultation the reader
// may read, on an incident the reader may read; ENOTFOUND otherwise.
func (s *Server) readConsultation(ctx context.Context, coll *kizuna.Collection, id string) (*kizuna.Object, *kizuna.Consultation, error) {
	o, err := s.readOne(ctx, coll.ID, id)
	if err == nil && o.Type != defstix.TypeConsultation {
		err = kizuna.Errorf(kizuna.ENOTFOUND, "no consultation %s in this collection", id)
	}
	if err != nil {
		return nil, nil, err
	}
	c, err := defstix.DecodeConsultation(o.Raw)
	if err != nil {
		return nil, nil, err
	}
	if _, err := readOne(ctx, s.Objects, coll.ID, c.IncidentRef); err != nil {
		if kizuna.ErrorCode(err) == kizuna.ENOTFOUND {
			err = kizuna.Errorf(kizuna.ENOTFOUND, "no consultation %s in this collection", id)
		}
		return nil, nil, err
	}
	return o, c, nil
}

// listConsultations answers GET /api/v1/consultations: the latest version
// of each consultation the reader may read, on incidents it may read.
func (s *Server) listConsultations(w http.ResponseWriter, r *http.Request) {
	objs, err := s.Consultations(r.Context(), r.URL.Query().Get("collection"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := []json.RawMessage{}
	for _, o := range objs {
		out = append(out, o.Raw)
	}
	writeJSON(w, http.StatusOK, map[string]any{"consultations": out})
}

// getConsultation answers GET /api/v1/consultations/{id}: the latest
// version, and with ?versions=all every version the reader may read.
func (s *Server) getConsultation(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	coll, err := s.collection(ctx, r.URL.Query().Get("collection"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	o, _, err := s.readConsultation(ctx, coll, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := map[string]any{"consultation": o.Raw}
	if r.URL.Query().Get("versions") == "all" {
		page, err := s.Objects.FindObjects(ctx, kizuna.ObjectFilter{Collection: coll.ID, IDs: []string{o.ID},
			Versions: kizuna.VersionMatch{All: true}, IncludeRaw: true})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		versions := []json.RawMessage{}
		for _, v := range page.Objects {
			versions = append(versions, v.Raw)
		}
		out["versions"] = versions
	}
	writeJSON(w, http.StatusOK, out)
}

// act answers POST /api/v1/consultations/{id}/acts (role poc): the act
// applied on the node that owns the consultation (200, its next version),
// or the caller's x-kizuna-consultation-response, which federates to the
// owner's node (202); see Server.Act.
func (s *Server) act(w http.ResponseWriter, r *http.Request) {
	if _, err := principal(r.Context()); err != nil {
		s.fail(w, r, err)
		return
	}
	var req ActRequest
	if err := s.decode(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	res, err := s.Act(r.Context(), r.PathValue("id"), req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if res.Response != nil {
		writeJSON(w, res.Status(), map[string]any{"response": json.RawMessage(res.Response)})
		return
	}
	writeJSON(w, res.Status(), map[string]any{"consultation": json.RawMessage(res.Consultation)})
}

// auditStep records a point of contact's consultation step taken on this
// node: consult.<act> on the consultation, with its incident, the
// caller's nation and the states before and after
// ("incident=<id> nation=N state=<before>,<after>"; docs/exercises.md).
func (s *Server) auditStep(ctx context.Context, p *kizuna.Principal, act, consultation, incident, before, after string) {
	if s.Audit == nil {
		return
	}
	s.Audit(ctx, &kizuna.AuditEvent{Principal: p.ID, Action: kizuna.AuditConsultPrefix + act, Object: consultation, Decision: "allow",
		Reason: "incident=" + incident + " nation=" + p.Nation + " state=" + before + "," + after})
}
