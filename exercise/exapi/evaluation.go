package exapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/exercise"
	"github.com/kizuna-dev/kizuna/exercise/evaluate"
	"github.com/kizuna-dev/kizuna/exercise/exstix"
	"github.com/kizuna-dev/kizuna/exercise/report"
	"github.com/kizuna-dev/kizuna/internal/apiobj"
)

// Evaluation is the answer of GET /api/v1/exercises/{id}/evaluation.
type Evaluation struct {
	Exercise    string             `json:"exercise_ref"`
	Start       time.Time          `json:"startex"`
	At          time.Time          `json:"at"`
	Outcomes    []evaluate.Outcome `json:"outcomes"`
	Participant []evaluate.Summary `json:"by_participant"`
	Nation      []evaluate.Summary `json:"by_nation"`
	Timeline    []evaluate.Entry   `json:"timeline"`
	Findings    []kizuna.Finding   `json:"findings"`
}

// EvaluationRequest is the body of POST …/evaluation and POST …/report.
type EvaluationRequest struct {
	// Scenario is the exercise's scenario file, which a node that did not
	// load the exercise (a participating node, whose own log it evaluates)
	// needs: its SHA-256 must be the one the exercise record carries.
	Scenario json.RawMessage `json:"scenario,omitempty"`
	// Audit are the signed audit exports of participating nodes
	// (GET …/audit there), evaluated with this node's log.
	Audit []AuditExport `json:"audit,omitempty"`
}

// evaluate evaluates the exercise a request names from the node's audit
// log and the audit exports of req, for the control cell (a member of its
// organisation who may read the exercise) or an admin.
func (s *Server) evaluate(r *http.Request, req EvaluationRequest) (*evaluate.Result, error) {
	var at time.Time
	if q := r.URL.Query().Get("at"); q != "" {
		var err error
		if at, err = time.Parse(time.RFC3339, q); err != nil {
			return nil, kizuna.Errorf(kizuna.EINVALID, "?at=%s: an RFC 3339 time is required", q)
		}
	}
	return s.Evaluate(r.Context(), r.PathValue("id"), at, req)
}

// Evaluate evaluates an exercise at a time (zero: the exercise clock's
// now) from the node's audit log and the audit exports of req, for the
// principal of ctx when it is of the control cell and may read the
// exercise, or an admin; EFORBIDDEN for another reader of the exercise,
// ENOTFOUND for one who may not read it.
func (s *Server) Evaluate(ctx context.Context, id string, at time.Time, req EvaluationRequest) (*evaluate.Result, error) {
	p := kizuna.PrincipalFromContext(ctx)
	var x *exstix.Exercise
	var err error
	if p != nil && slices.Contains(p.Roles, kizuna.RoleAdmin) {
		// The host operator's admin, who holds the store anyway, whether
		// or not a participant.
		x, _, err = s.record(ctx, id)
	} else {
		var rec Record
		rec, err = s.Exercise(ctx, id)
		x = rec.Exercise
		if err == nil && (p == nil || p.Organization != x.Exercise.ControlRef) {
			err = kizuna.Errorf(kizuna.EFORBIDDEN, "%s: only the control cell evaluates an exercise", x.ID)
		}
	}
	if err != nil {
		return nil, err
	}
	if x.State == kizuna.ExercisePlanned {
		return nil, kizuna.Errorf(kizuna.ECONFLICT, "%s has not started", x.ID)
	}
	var ex *kizuna.Exercise
	if req.Scenario != nil {
		if sum := sha256.Sum256(req.Scenario); hex.EncodeToString(sum[:]) != x.ScenarioSHA256 {
			return nil, kizuna.Errorf(kizuna.ECONFLICT, "request body: $.scenario: its SHA-256 is not the %s the exercise record %s carries", x.ScenarioSHA256, x.ID)
		}
		ex, err = exercise.ParseScenario(req.Scenario, "scenario")
	} else {
		ex, err = s.scenario(ctx, x.ID)
	}
	if err != nil {
		return nil, err
	}
	if at.IsZero() {
		at = s.now()
	}
	rels, err := s.releasesOf(ctx, s.own(), x.ID)
	if err != nil {
		return nil, err
	}
	log, err := s.nodeLog(ctx)
	if err != nil {
		return nil, err
	}
	others, err := s.importedLogs(ctx, x, req.Audit)
	if err != nil {
		return nil, err
	}
	return evaluate.Evaluate(evaluate.Input{Schedule: exercise.NewSchedule(ex, x.Start, x.Created), Releases: rels,
		Logs: append([]evaluate.NodeLog{log}, others...), At: at.UTC()}), nil
}

// nodeLog returns this node's audit log with the directory of its
// principals.
func (s *Server) nodeLog(ctx context.Context) (evaluate.NodeLog, error) {
	ps, err := s.Principals.FindPrincipals(ctx)
	if err != nil {
		return evaluate.NodeLog{}, err
	}
	members := map[string]evaluate.Member{}
	for _, p := range ps {
		members[p.ID] = evaluate.Member{Nation: p.Nation, Organization: p.Organization, Peer: slices.Contains(p.Roles, kizuna.RolePeer)}
	}
	log := evaluate.NodeLog{Node: s.Node, Directory: func(id string) (evaluate.Member, bool) { m, ok := members[id]; return m, ok }}
	for after := int64(0); ; {
		page, err := s.AuditLog.FindAudit(ctx, after, 1000)
		if err != nil {
			return log, err
		}
		log.Events = append(log.Events, page...)
		if len(page) < 1000 {
			return log, nil
		}
		after = page[len(page)-1].Seq
	}
}

// evaluationRequest reads the body of a POST (none for a GET).
func (s *Server) evaluationRequest(w http.ResponseWriter, r *http.Request) (EvaluationRequest, error) {
	var req EvaluationRequest
	if r.Method != http.MethodPost {
		return req, nil
	}
	b, err := s.body(w, r)
	if err != nil {
		return req, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return req, kizuna.Errorf(kizuna.EINVALID, "request body: want {\"scenario\": {…}, \"audit\": [{…}]}: %v", err)
	}
	return req, nil
}

func (s *Server) evaluation(w http.ResponseWriter, r *http.Request) {
	req, err := s.evaluationRequest(w, r)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	res, err := s.evaluate(r, req)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	setBanner(w, res.Exercise.ID)
	apiobj.WriteJSON(w, http.StatusOK, Evaluation{Exercise: res.Exercise.ID, Start: res.Start, At: res.At, Outcomes: res.Outcomes,
		Participant: res.ByParticipant(), Nation: res.ByNation(), Timeline: res.Timeline, Findings: res.Findings()})
}

// report renders the after-action report: ?format=html (default) or pdf.
// Each carries the EXERCISE banner.
func (s *Server) report(w http.ResponseWriter, r *http.Request) {
	req, err := s.evaluationRequest(w, r)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	res, err := s.evaluate(r, req)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	p := kizuna.PrincipalFromContext(r.Context())
	in := report.Input{Result: res, Findings: res.Findings(), Issued: s.now(), By: p.Organization}
	w.Header().Set("Cache-Control", "no-store")
	setBanner(w, res.Exercise.ID)
	switch f := r.URL.Query().Get("format"); f {
	case "", "html":
		b, err := report.HTML(in)
		if err != nil {
			s.WriteError(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(b)
	case "pdf":
		w.Header().Set("Content-Type", "application/pdf")
		w.Write(report.PDF(in))
	default:
		s.WriteError(w, r, kizuna.Errorf(kizuna.EINVALID, "?format=%s: html or pdf", f))
	}
}
