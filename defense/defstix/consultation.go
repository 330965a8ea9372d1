package defstix

import (
	"slices"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/stix"
)

var consultStates = []string{kizuna.ConsultRequested, kizuna.ConsultAcknowledged, kizuna.ConsultAssessed, kizuna.ConsultProposed,
	kizuna.ConsultJointPosition, kizuna.ConsultDisagreement, kizuna.ConsultClosed}

var responseActions = []string{kizuna.ConsultActionAck, kizuna.ConsultActionAssess, kizuna.ConsultActionEndorse, kizuna.ConsultActionDisagree}

// timestamps checks, below v, that every value under one of the keys is a
// STIX timestamp (nested structures are decoded by encoding/json, which
// would accept any RFC 3339 offset).
func (r *reader) timestamps(v any, path string, keys ...string) {
	switch x := v.(type) {
	case map[string]any:
		for k, w := range x {
			p := member(path, k)
			if s, ok := w.(string); ok && slices.Contains(keys, k) {
				if _, err := stix.ParseTimestamp(s); err != nil {
					r.errf(p, "%v", err)
				}
				continue
			}
			r.timestamps(w, p, keys...)
		}
	case []any:
		for i, w := range x {
			r.timestamps(w, index(path, i), keys...)
		}
	}
}

var nestedTimes = []string{"at", "deadline", "missed", "new_deadline"}

// DecodeConsultation validates an x-kizuna-consultation object.
func DecodeConsultation(raw []byte) (*kizuna.Consultation, error) {
	r, m, err := parse(raw, TypeConsultation)
	if err != nil {
		return nil, err
	}
	r.only(m, "$", append(commonProps, "incident_ref", "nation", "state", "rank", "opened_at", "parties", "steps", "escalations",
		"proposed_at", "position", "joint_position_ref", "disagreements", "closed_reason")...)
	r.newSDO(m, ExtConsultation)
	r.timestamps(m, "$", nestedTimes...)
	e := r.envelope(m)
	c := &kizuna.Consultation{ID: e.ID, Created: e.Created, Modified: e.Modified, CreatedByRef: e.CreatedByRef, MarkingRefs: e.MarkingRefs,
		IncidentRef: r.ref(m, "incident_ref", "$", true, "incident"), Nation: r.nation(m, "nation", "$", true),
		State: r.enum(m, "state", "$", true, consultStates), OpenedAt: r.ts(m, "opened_at", "$", true),
		ProposedAt: r.ts(m, "proposed_at", "$", false), PositionRef: r.ref(m, "joint_position_ref", "$", false, TypeJointPosition),
		Disagreements: r.strs(m, "disagreements", "$", false, nil), ClosedReason: r.str(m, "closed_reason", "$", false)}
	c.Rank, _ = r.integer(m, "rank", "$", true, 0, 100)
	for i, x := range r.objects(m, "parties", "$", true) {
		var p kizuna.Party
		r.strict(x, index("$.parties", i), &p)
		c.Parties = append(c.Parties, p)
	}
	if len(c.Parties) > 0 && c.Parties[0].Nation != c.Nation {
		r.errf("$.parties[0].nation", "must be the opening nation %s", c.Nation)
	}
	for i, x := range r.objects(m, "steps", "$", true) {
		var s kizuna.ConsultStep
		r.strict(x, index("$.steps", i), &s)
		if s.Seq != i+1 {
			r.errf(index("$.steps", i)+".seq", "must be %d: steps are numbered in order", i+1)
		}
		c.Steps = append(c.Steps, s)
	}
	for i, x := range r.objects(m, "escalations", "$", false) {
		var esc kizuna.Escalation
		r.strict(x, index("$.escalations", i), &esc)
		c.Escalations = append(c.Escalations, esc)
	}
	if pos := r.object(m, "position", "$", false); pos != nil {
		c.Position = &kizuna.JointPositionDraft{}
		r.strict(pos, "$.position", c.Position)
	}
	if c.State == kizuna.ConsultJointPosition && c.PositionRef == "" {
		r.errf("$.joint_position_ref", "is required once the state is %s", c.State)
	}
	return c, r.err()
}

// EncodeConsultation writes an x-kizuna-consultation version.
func EncodeConsultation(c *kizuna.Consultation) ([]byte, error) {
	props := map[string]any{"incident_ref": c.IncidentRef, "nation": c.Nation, "state": c.State, "rank": c.Rank,
		"opened_at": stix.FormatTimestamp(c.OpenedAt), "parties": c.Parties, "steps": utcSteps(c.Steps),
		"proposed_at": tsOrEmpty(c.ProposedAt), "joint_position_ref": c.PositionRef, "disagreements": c.Disagreements,
		"closed_reason": c.ClosedReason}
	if len(c.Escalations) > 0 {
		props["escalations"] = c.Escalations
	}
	if c.Position != nil {
		props["position"] = c.Position
	}
	return write(TypeConsultation, envelope{c.ID, c.CreatedByRef, c.Created, c.Modified, c.MarkingRefs}, props, newSDOExt(ExtConsultation))
}

func utcSteps(steps []kizuna.ConsultStep) []kizuna.ConsultStep {
	out := slices.Clone(steps)
	for i := range out {
		out[i].At = out[i].At.UTC()
	}
	return out
}

// DecodeResponse validates an x-kizuna-consultation-response object.
func DecodeResponse(raw []byte) (*kizuna.ConsultationResponse, error) {
	r, m, err := parse(raw, TypeResponse)
	if err != nil {
		return nil, err
	}
	r.only(m, "$", append(commonProps, "consultation_ref", "nation", "act", "assessment_ref", "level_rank", "statement")...)
	r.newSDO(m, ExtResponse)
	e := r.envelope(m)
	resp := &kizuna.ConsultationResponse{ID: e.ID, Created: e.Created, Modified: e.Modified, CreatedByRef: e.CreatedByRef, MarkingRefs: e.MarkingRefs,
		ConsultationRef: r.ref(m, "consultation_ref", "$", true, TypeConsultation), Nation: r.nation(m, "nation", "$", true),
		Action: r.enum(m, "act", "$", true, responseActions), AssessmentRef: r.ref(m, "assessment_ref", "$", false, TypeAssessment),
		Statement: r.str(m, "statement", "$", false)}
	if v, ok := r.integer(m, "level_rank", "$", false, 0, 100); ok {
		resp.LevelRank = &v
	}
	if resp.CreatedByRef == "" {
		r.errf("$.created_by_ref", "is required: it names the contact that responded")
	}
	if (resp.Action == kizuna.ConsultActionAssess) != (resp.AssessmentRef != "") {
		r.errf("$.assessment_ref", "goes with the act %s, and only with it", kizuna.ConsultActionAssess)
	}
	if resp.Action == kizuna.ConsultActionDisagree && resp.Statement == "" {
		r.errf("$.statement", "is required to disagree")
	}
	return resp, r.err()
}

// EncodeResponse writes an x-kizuna-consultation-response object.
func EncodeResponse(resp *kizuna.ConsultationResponse) ([]byte, error) {
	return write(TypeResponse, envelope{resp.ID, resp.CreatedByRef, resp.Created, resp.Modified, resp.MarkingRefs},
		map[string]any{"consultation_ref": resp.ConsultationRef, "nation": resp.Nation, "act": resp.Action,
			"assessment_ref": resp.AssessmentRef, "level_rank": resp.LevelRank, "statement": resp.Statement}, newSDOExt(ExtResponse))
}

// DecodeJointPosition validates an x-kizuna-joint-position object.
func DecodeJointPosition(raw []byte) (*kizuna.JointPosition, error) {
	r, m, err := parse(raw, TypeJointPosition)
	if err != nil {
		return nil, err
	}
	r.only(m, "$", append(commonProps, "consultation_ref", "incident_ref", "statement", "level_rank", "nations", "input_refs", "release_decision")...)
	r.newSDO(m, ExtJointPosition)
	r.timestamps(m, "$", nestedTimes...)
	e := r.envelope(m)
	jp := &kizuna.JointPosition{ID: e.ID, Created: e.Created, Modified: e.Modified, CreatedByRef: e.CreatedByRef, MarkingRefs: e.MarkingRefs,
		ConsultationRef: r.ref(m, "consultation_ref", "$", true, TypeConsultation), IncidentRef: r.ref(m, "incident_ref", "$", true, "incident"),
		Statement: r.str(m, "statement", "$", true), Nations: r.nations(m, "nations", "$", true), InputRefs: r.refs(m, "input_refs", "$", false)}
	jp.LevelRank, _ = r.integer(m, "level_rank", "$", true, 0, 100)
	if d := r.object(m, "release_decision", "$", false); d != nil {
		jp.Release = &kizuna.ReleaseDecision{}
		r.strict(d, "$.release_decision", jp.Release)
		if jp.Release.Authority == "" || jp.Release.Rationale == "" || jp.Release.DecidedByRef == "" {
			r.errf("$.release_decision", "needs decided_by_ref, authority and rationale")
		}
	}
	return jp, r.err()
}

// EncodeJointPosition writes an x-kizuna-joint-position object.
func EncodeJointPosition(jp *kizuna.JointPosition) ([]byte, error) {
	props := map[string]any{"consultation_ref": jp.ConsultationRef, "incident_ref": jp.IncidentRef, "statement": jp.Statement,
		"level_rank": jp.LevelRank, "nations": jp.Nations, "input_refs": jp.InputRefs}
	if jp.Release != nil {
		rel := *jp.Release
		rel.At = rel.At.UTC()
		props["release_decision"] = rel
	}
	return write(TypeJointPosition, envelope{jp.ID, jp.CreatedByRef, jp.Created, jp.Modified, jp.MarkingRefs}, props, newSDOExt(ExtJointPosition))
}
