package defapi

import (
	"context"
	"encoding/json"
	"io"
	"net/http"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/defense"
	"github.com/kizuna-dev/kizuna/defense/score"
	"github.com/kizuna-dev/kizuna/defense/threshold"
)

// modelView is a scoring model as served: its configuration, the file it
// was loaded from and that file's SHA-256.
type modelView struct {
	*score.Model
	File   string `json:"file"`
	Digest string `json:"digest"`
}

// policyView is a policy as served.
type policyView struct {
	*threshold.Policy
	File   string `json:"file"`
	Digest string `json:"digest"`
}

func (s *Server) nation(code string) (*defense.Nation, error) {
	n := s.engine().Nation(code)
	if n == nil {
		return nil, kizuna.Errorf(kizuna.ENOTFOUND, "no scoring model and policy are configured for %q", code)
	}
	return n, nil
}

// listModels answers GET /api/v1/scoring-models, by nation.
func (s *Server) listModels(w http.ResponseWriter, r *http.Request) {
	out := map[string]modelView{}
	for _, c := range s.engine().Nations() {
		m := s.engine().Nation(c).Model
		out[c] = modelView{m, m.File(), m.Digest()}
	}
	writeJSON(w, http.StatusOK, map[string]any{"scoring_models": out})
}

// getModel answers GET /api/v1/scoring-models/{nation}.
func (s *Server) getModel(w http.ResponseWriter, r *http.Request) {
	n, err := s.nation(r.PathValue("nation"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, modelView{n.Model, n.Model.File(), n.Model.Digest()})
}

// listPolicies answers GET /api/v1/policies, by nation.
func (s *Server) listPolicies(w http.ResponseWriter, r *http.Request) {
	out := map[string]policyView{}
	for _, c := range s.engine().Nations() {
		p := s.engine().Nation(c).Policy
		out[c] = policyView{p, p.File(), p.Ref().Digest}
	}
	writeJSON(w, http.StatusOK, map[string]any{"policies": out})
}

// getPolicy answers GET /api/v1/policies/{nation}.
func (s *Server) getPolicy(w http.ResponseWriter, r *http.Request) {
	n, err := s.nation(r.PathValue("nation"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, policyView{n.Policy, n.Policy.File(), n.Policy.Ref().Digest})
}

// MaxDraftPolicy bounds the draft a policy test compiles: any reader may
// run one, and compiling costs time in proportion to its size (8 MB of
// rules took a core for seconds). A policy is a few kilobytes.
const MaxDraftPolicy = 64 << 10

type policyTestRequest struct {
	// Policy is a draft to run instead of the nation's configured one.
	Policy      json.RawMessage       `json:"policy"`
	IncidentRef string                `json:"incident_ref"`
	Collection  string                `json:"collection"`
	Answers     []kizuna.FactorAnswer `json:"answers"`
}

// testPolicy answers POST /api/v1/policies/{nation}/test: the nation's
// policy, or a draft, on a stored incident the caller may read, with the
// answers given (the nation's stored answers when none are). A draft that
// does not compile, or a policy that fails, is a 400 naming the policy,
// the JSON path and the position in the expression.
func (s *Server) testPolicy(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var req policyTestRequest
	if err := s.decode(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	n, err := s.nation(r.PathValue("nation"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pol := n.Policy
	if len(req.Policy) > MaxDraftPolicy {
		s.fail(w, r, kizuna.Errorf(kizuna.ETOOLARGE, "request body: $.policy: a draft policy is at most %d bytes", MaxDraftPolicy))
		return
	}
	if len(req.Policy) > 0 {
		if pol, err = threshold.Load(req.Policy, "draft"); err != nil {
			s.fail(w, r, err)
			return
		}
		if pol.Nation != n.Code {
			s.fail(w, r, kizuna.Errorf(kizuna.EINVALID, "request body: $.policy.nation: the draft is %s's policy, not %s's", pol.Nation, n.Code))
			return
		}
	}
	v, err := s.loadIncident(ctx, req.Collection, req.IncidentRef)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var answers *kizuna.FactorAnswers
	if req.Answers != nil {
		answers = &kizuna.FactorAnswers{Nation: pol.Nation, IncidentRef: v.inc.ID, Answers: req.Answers}
	} else {
		stored, _, err := answersOf(ctx, s.Objects, s.engine(), v.coll.ID, v.inc.ID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		answers = stored[pol.Nation]
	}
	res, err := defense.AssessWith(n.Model, pol, v.facts, answers)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"result": res, "facts": v.facts})
}

// putModel answers PUT /api/v1/scoring-models/{nation} (role admin): the
// body is the model file; a model that does not load is a 400 naming the
// path, and nothing changes.
func (s *Server) putModel(w http.ResponseWriter, r *http.Request) {
	s.putConfig(w, r, func(ctx context.Context, nation string, data []byte) (any, error) {
		e, err := s.Config.PutModel(ctx, nation, data)
		if err != nil {
			return nil, err
		}
		s.current.Store(e)
		m := e.Nation(nation).Model
		return modelView{m, m.File(), m.Digest()}, nil
	})
}

// putPolicy answers PUT /api/v1/policies/{nation} (role admin): the body is
// the policy file; one that does not compile is a 400 naming the path and
// the line and column, and nothing changes.
func (s *Server) putPolicy(w http.ResponseWriter, r *http.Request) {
	s.putConfig(w, r, func(ctx context.Context, nation string, data []byte) (any, error) {
		e, err := s.Config.PutPolicy(ctx, nation, data)
		if err != nil {
			return nil, err
		}
		s.current.Store(e)
		p := e.Nation(nation).Policy
		return policyView{p, p.File(), p.Ref().Digest}, nil
	})
}

func (s *Server) putConfig(w http.ResponseWriter, r *http.Request, put func(context.Context, string, []byte) (any, error)) {
	p, err := principal(r.Context())
	if err == nil && !p.HasRole(kizuna.RoleAdmin) {
		err = kizuna.Errorf(kizuna.EFORBIDDEN, "changing a scoring model or a policy needs the admin role")
	}
	if err == nil && s.Config == nil {
		err = kizuna.Errorf(kizuna.EFORBIDDEN, "this node's collective-defense configuration is read-only")
	}
	nation := r.PathValue("nation")
	if err == nil && s.engine().Nation(nation) == nil {
		err = kizuna.Errorf(kizuna.ENOTFOUND, "no scoring model and policy are configured for %q (add the nation to defense.json)", nation)
	}
	var data []byte
	if err == nil {
		data, err = io.ReadAll(http.MaxBytesReader(w, r.Body, s.MaxBody))
		if err != nil {
			err = kizuna.Errorf(kizuna.ETOOLARGE, "the request body exceeds %d bytes", s.MaxBody)
		}
	}
	var out any
	if err == nil {
		out, err = put(r.Context(), nation, data)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}
