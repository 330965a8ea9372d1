package defapi

import (
	"context"
	"fmt"
	"net/http"
	"slices"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/defense"
	"github.com/kizuna-dev/kizuna/defense/consult"
	"github.com/kizuna-dev/kizuna/defense/defstix"
)

// The functions of this file are what the API's routes read and do, for
// the principal in ctx: the workspace's pages call them too, so that a
// page shows what the API answers and an act made through a page is the
// API's act (the same checks, ingest, audit and federation).

// Incidents returns the incidents the reader may read in a collection
// ("" the server's default; one the reader may not read is ENOTFOUND).
func (s *Server) Incidents(ctx context.Context, collection string) ([]IncidentSummary, error) {
	c, err := s.collection(ctx, collection)
	if err != nil {
		return nil, err
	}
	objs, err := s.readAll(ctx, c.ID, "incident")
	if err != nil {
		return nil, err
	}
	out := []IncidentSummary{}
	for _, o := range objs {
		inc, err := defstix.DecodeIncident(o.Raw)
		if err != nil {
			continue // not an incident this engine reads (another tool's, or redacted)
		}
		sum := IncidentSummary{ID: inc.ID, Name: inc.Name, Modified: inc.Modified, CreatedByRef: inc.CreatedByRef, Object: o}
		if inc.Alliance != nil {
			sum.AffectedNations = inc.Alliance.AffectedNations
		}
		out = append(out, sum)
	}
	return out, nil
}

// IncidentReport is an incident as one reader may read it, with what is
// derived from it for that reader: the impacts, factor answers and stored
// assessments the reader may read, the facts derived from those alone, and
// the divergence of the nations' assessments under each nation's policy.
type IncidentReport struct {
	Collection *kizuna.Collection
	// Object is the incident's latest version; Incident its decoding.
	Object   *kizuna.Object
	Incident *kizuna.Incident
	Impacts  []*kizuna.Object
	Facts    *kizuna.IncidentFacts
	// Answers are each nation's factor answers the reader may read, and
	// AnswerObjects the versions they were decoded from.
	Answers       map[string]*kizuna.FactorAnswers
	AnswerObjects map[string]*kizuna.Object
	// Assessments are the stored threshold assessments of the incident.
	Assessments []*kizuna.Object
	Divergence  *defense.Divergence
}

// Incident returns the report of an incident the reader may read;
// ENOTFOUND when there is none or the reader may not read it.
func (s *Server) Incident(ctx context.Context, collection, id string) (*IncidentReport, error) {
	v, err := s.loadIncident(ctx, collection, id)
	if err != nil {
		return nil, err
	}
	answers, from, err := answersOf(ctx, s.Objects, s.engine(), v.coll.ID, v.inc.ID)
	if err != nil {
		return nil, err
	}
	as, err := s.assessments(ctx, v)
	if err != nil {
		return nil, err
	}
	return &IncidentReport{Collection: v.coll, Object: v.obj, Incident: v.inc, Impacts: v.impacts, Facts: v.facts,
		Answers: answers, AnswerObjects: from, Assessments: as, Divergence: s.engine().Divergence(v.facts, answers)}, nil
}

// assessments returns the stored assessments of an incident the reader
// may read.
func (s *Server) assessments(ctx context.Context, v *incidentView) ([]*kizuna.Object, error) {
	objs, err := s.readAll(ctx, v.coll.ID, defstix.TypeAssessment)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(objs, func(o *kizuna.Object) bool {
		a, err := defstix.DecodeAssessment(o.Raw)
		return err != nil || a.IncidentRef != v.inc.ID
	}), nil
}

// Consultations returns the latest version of each consultation the
// reader may read, on incidents it may read.
func (s *Server) Consultations(ctx context.Context, collection string) ([]*kizuna.Object, error) {
	coll, err := s.collection(ctx, collection)
	if err != nil {
		return nil, err
	}
	objs, err := s.readAll(ctx, coll.ID, defstix.TypeConsultation)
	if err != nil {
		return nil, err
	}
	incidents, err := s.readAll(ctx, coll.ID, "incident")
	if err != nil {
		return nil, err
	}
	readable := sortedIDs(incidents)
	out := []*kizuna.Object{}
	for _, o := range objs {
		if c, err := defstix.DecodeConsultation(o.Raw); err == nil {
			if _, ok := slices.BinarySearch(readable, c.IncidentRef); ok {
				out = append(out, o)
			}
		}
	}
	return out, nil
}

// Consultation returns the latest version of a consultation the reader
// may read, on an incident it may read, decoded; ENOTFOUND otherwise.
func (s *Server) Consultation(ctx context.Context, collection, id string) (*kizuna.Object, *kizuna.Consultation, error) {
	coll, err := s.collection(ctx, collection)
	if err != nil {
		return nil, nil, err
	}
	return s.readConsultation(ctx, coll, id)
}

// ActRequest is an act of the reader's nation in a consultation (the body
// of POST /api/v1/consultations/{id}/acts).
type ActRequest struct {
	Collection    string                     `json:"collection"`
	Act           string                     `json:"act"`
	AssessmentRef string                     `json:"assessment_ref"`
	LevelRank     *int                       `json:"level_rank"`
	Statement     string                     `json:"statement"`
	Position      *kizuna.JointPositionDraft `json:"position"`
}

// ActResult is what an act stored: the next version of the consultation
// (on the node that owns it), or the reader's response, which federates
// to the owner's node.
type ActResult struct {
	Consultation []byte // the new version, when applied here
	Response     []byte // the x-kizuna-consultation-response, when sent to the owner
	ResponseID   string
	// Incident is the consultation's incident; Before and After its states
	// before the act and after it (on the owner's node, for a response).
	Incident, Before, After string
}

// Status is the HTTP status of the act's answer: 200 applied, 202 sent.
func (r *ActResult) Status() int {
	if r.Response != nil {
		return http.StatusAccepted
	}
	return http.StatusOK
}

// Act makes the reader's act in a consultation (role poc): on the node
// that owns the consultation the act is applied and the next version
// stored; on an ally's node it becomes the reader's
// x-kizuna-consultation-response. Errors: ENOTFOUND (no consultation the
// reader may read), EFORBIDDEN (not a point of contact), EINVALID (an act
// that cannot apply now).
func (s *Server) Act(ctx context.Context, id string, req ActRequest) (*ActResult, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	res, err := s.applyAct(ctx, p, id, req)
	switch {
	case err == nil:
		s.auditStep(ctx, p, req.Act, id, res.Incident, res.Before, res.After)
	case kizuna.ErrorCode(err) == kizuna.EFORBIDDEN && s.Audit != nil:
		// The act is the caller's word, not a checked name: it goes in the
		// reason, not in the record's action.
		s.Audit(ctx, &kizuna.AuditEvent{Principal: p.ID, Action: kizuna.AuditConsultPrefix + "refused", Object: id, Decision: "deny",
			Reason: fmt.Sprintf("nation=%s act=%q: %s", p.Nation, req.Act, kizuna.ErrorMessage(err))})
	}
	return res, err
}

// applyAct is Act without its audit.
func (s *Server) applyAct(ctx context.Context, p *kizuna.Principal, id string, req ActRequest) (*ActResult, error) {
	coll, err := s.collection(ctx, req.Collection)
	if err != nil {
		return nil, err
	}
	o, c, err := s.readConsultation(ctx, coll, id)
	if err != nil {
		return nil, err
	}
	if !p.HasRole(kizuna.RolePOC) {
		return nil, kizuna.Errorf(kizuna.EFORBIDDEN, "only a point of contact (role poc) acts in a consultation")
	}
	step := consult.Step{Action: req.Act, Actor: consult.ActorOf(p), AssessmentRef: req.AssessmentRef, LevelRank: req.LevelRank,
		Statement: req.Statement, Position: req.Position}
	if req.AssessmentRef != "" {
		if _, err := s.readOne(ctx, coll.ID, req.AssessmentRef); err != nil {
			return nil, err
		}
	}
	if req.Position != nil {
		for _, ref := range req.Position.InputRefs {
			in, err := s.readOne(ctx, coll.ID, ref)
			if err != nil {
				return nil, err
			}
			step.InputMarkingRefs = defense.DerivedMarkings(step.InputMarkingRefs, effectiveMarkings(in, coll))
		}
		if len(req.Position.InputRefs) == 0 {
			step.InputMarkingRefs = c.MarkingRefs
		}
	}
	if o.Origin == "" {
		raw, err := s.Worker.applyLocal(ctx, coll.ID, c.ID, step)
		if err != nil {
			return nil, err
		}
		after := ""
		if next, err := defstix.DecodeConsultation(raw); err == nil {
			after = next.State
		}
		return &ActResult{Consultation: raw, Incident: c.IncidentRef, Before: c.State, After: after}, nil
	}
	now := s.now()
	resp := &kizuna.ConsultationResponse{ID: defstix.TypeResponse + "--" + kizuna.NewUUID(), Created: now, Modified: now,
		CreatedByRef: p.Organization, MarkingRefs: c.MarkingRefs, ConsultationRef: c.ID, Nation: p.Nation, Action: req.Act,
		AssessmentRef: req.AssessmentRef, LevelRank: req.LevelRank, Statement: req.Statement}
	// The owner's node applies the response; it is checked here first, so
	// that an act that cannot apply is refused to the caller at once.
	rs, err := s.Consult.StepFromResponse(resp)
	var next *kizuna.Consultation
	if err == nil {
		next, err = s.Consult.Apply(c, rs)
	}
	var raw []byte
	if err == nil {
		raw, err = defstix.EncodeResponse(resp)
	}
	if err == nil {
		err = ingest(ctx, s.Ingester, coll.ID, raw)
	}
	if err != nil {
		return nil, err
	}
	// The state after is the one the owner's node reaches on applying it.
	return &ActResult{Response: raw, ResponseID: resp.ID, Incident: c.IncidentRef, Before: c.State, After: next.State}, nil
}
