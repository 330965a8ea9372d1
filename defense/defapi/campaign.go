package defapi

import (
	"encoding/json"
	"net/http"
	"slices"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/defense"
	"github.com/kizuna-dev/kizuna/defense/defstix"
)

// listCampaigns answers GET /api/v1/campaigns: the groups of linked
// incidents among those the reader may read, with the links' reasons.
func (s *Server) listCampaigns(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, err := s.collection(ctx, r.URL.Query().Get("collection"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	objs, err := s.readAll(ctx, c.ID, "incident")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var incidents []*kizuna.Incident
	for _, o := range objs {
		if inc, err := defstix.DecodeIncident(o.Raw); err == nil {
			incidents = append(incidents, inc)
		}
	}
	clusters := defense.Link(incidents)
	if clusters == nil {
		clusters = []defense.Cluster{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"campaigns": clusters})
}

type campaignRequest struct {
	Collection   string   `json:"collection"`
	IncidentRefs []string `json:"incident_refs"`
	CampaignRef  string   `json:"campaign_ref"`
}

// assessCampaign answers POST /api/v1/campaigns/assessments: the incidents
// named (each one the caller may read) assessed together under every
// nation's policy, stored as an x-kizuna-campaign-assessment marked with
// every marking of its incidents, impacts and answers.
func (s *Server) assessCampaign(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p, err := principal(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var req campaignRequest
	if err := s.decode(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	refs := slices.Clone(req.IncidentRefs)
	slices.Sort(refs)
	refs = slices.Compact(refs)
	if len(refs) < 2 {
		s.fail(w, r, kizuna.Errorf(kizuna.EINVALID, "request body: $.incident_refs: a campaign needs at least two incidents"))
		return
	}
	var members []defense.CampaignMember
	var incidents []*kizuna.Incident
	var sources [][]string
	var coll *kizuna.Collection
	for _, id := range refs {
		v, err := s.loadIncident(ctx, req.Collection, id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		answers, from, err := answersOf(ctx, s.Objects, s.engine(), v.coll.ID, v.inc.ID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		coll = v.coll
		sources = append(sources, v.markings()...)
		for _, o := range from {
			sources = append(sources, effectiveMarkings(o, v.coll))
		}
		members = append(members, defense.CampaignMember{Incident: v.inc, Facts: v.facts, Answers: answers})
		incidents = append(incidents, v.inc)
	}
	cluster := defense.Cluster{IncidentRefs: refs, Links: []kizuna.CampaignLink{}}
	for _, cl := range defense.Link(incidents) {
		cluster.Links = append(cluster.Links, cl.Links...)
	}
	ca, failed := s.engine().AssessCampaign(cluster, members)
	now := s.now()
	ca.ID, ca.Created, ca.Modified = defstix.TypeCampaignAssessment+"--"+kizuna.NewUUID(), now, now
	ca.CreatedByRef, ca.CampaignRef, ca.MarkingRefs = p.Organization, req.CampaignRef, defense.DerivedMarkings(sources...)
	raw, err := defstix.EncodeCampaignAssessment(ca)
	if err == nil {
		err = ingest(ctx, s.Ingester, coll.ID, raw)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if failed == nil {
		failed = []defense.Outcome{}
	}
	writeJSON(w, http.StatusCreated, map[string]any{"campaign_assessment": json.RawMessage(raw), "failed": failed})
}
