package defapi

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/defense"
	"github.com/kizuna-dev/kizuna/defense/defstix"
)

// incidentView is an incident as one reader may read it: the incident, the
// impacts it lists that the reader may read, and the facts derived from
// those alone, so that nothing the reader may not read shows in them.
type incidentView struct {
	coll    *kizuna.Collection
	obj     *kizuna.Object
	inc     *kizuna.Incident
	impacts []*kizuna.Object
	decoded []*kizuna.Impact
	facts   *kizuna.IncidentFacts
}

// markings returns the markings of everything the view was built from.
func (v *incidentView) markings() [][]string {
	out := [][]string{effectiveMarkings(v.obj, v.coll)}
	for _, o := range v.impacts {
		out = append(out, effectiveMarkings(o, v.coll))
	}
	return out
}

func (s *Server) loadIncident(ctx context.Context, collName, id string) (*incidentView, error) {
	c, err := s.collection(ctx, collName)
	if err != nil {
		return nil, err
	}
	return loadIncident(ctx, s.Objects, s.engine(), c, id)
}

func loadIncident(ctx context.Context, objects kizuna.ObjectStore, e *defense.Engine, c *kizuna.Collection, id string) (*incidentView, error) {
	o, err := readOne(ctx, objects, c.ID, id)
	if err == nil && o.Type != "incident" {
		err = kizuna.Errorf(kizuna.ENOTFOUND, "no incident %s in this collection", id)
	}
	if err != nil {
		return nil, err
	}
	inc, err := defstix.DecodeIncident(o.Raw)
	if err != nil {
		return nil, err
	}
	v := &incidentView{coll: c, obj: o, inc: inc}
	for _, ref := range inc.ImpactRefs {
		io, err := readOne(ctx, objects, c.ID, ref)
		if kizuna.ErrorCode(err) == kizuna.ENOTFOUND {
			continue
		} else if err != nil {
			return nil, err
		}
		im, err := defstix.DecodeImpact(io.Raw)
		if err != nil {
			return nil, err
		}
		v.impacts, v.decoded = append(v.impacts, io), append(v.decoded, im)
	}
	v.facts = e.Facts(inc, v.decoded)
	return v, nil
}

// IncidentSummary is one line of the incident list.
type IncidentSummary struct {
	ID              string    `json:"id"`
	Name            string    `json:"name"`
	Modified        time.Time `json:"modified"`
	CreatedByRef    string    `json:"created_by_ref,omitempty"`
	AffectedNations []string  `json:"affected_nations,omitempty"`
	// Object is the incident's latest version.
	Object *kizuna.Object `json:"-"`
}

// listIncidents answers GET /api/v1/incidents: the incidents the reader
// may read.
func (s *Server) listIncidents(w http.ResponseWriter, r *http.Request) {
	out, err := s.Incidents(r.Context(), r.URL.Query().Get("collection"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"incidents": out})
}

type incidentRequest struct {
	Collection string            `json:"collection"`
	Incident   json.RawMessage   `json:"incident"`
	Impacts    []json.RawMessage `json:"impacts"`
}

// postIncident answers POST /api/v1/incidents: the incident and its impacts
// are checked whole before any is stored, then ingested as the caller.
func (s *Server) postIncident(w http.ResponseWriter, r *http.Request) {
	var req incidentRequest
	if err := s.decode(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if len(req.Incident) == 0 {
		s.fail(w, r, kizuna.Errorf(kizuna.EINVALID, "request body: $.incident is required"))
		return
	}
	c, err := s.collection(r.Context(), req.Collection)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	inc, err := defstix.DecodeIncident(req.Incident)
	if err == nil {
		err = s.engine().CheckIncident(inc, defstix.ExtAlliance)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p, err := principal(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// The write rules would refuse an object of another organisation; it
	// is refused here, before any of the request is stored.
	mine := func(id, creator string) error {
		if creator != "" && creator != p.Organization {
			return kizuna.Errorf(kizuna.EFORBIDDEN, "%s: $.created_by_ref: must be your organisation, %s", id, p.Organization)
		}
		return nil
	}
	if err := mine(inc.ID, inc.CreatedByRef); err != nil {
		s.fail(w, r, err)
		return
	}
	var impacts []*kizuna.Impact
	raws := make([][]byte, 0, len(req.Impacts)+1)
	for _, raw := range req.Impacts {
		im, err := defstix.DecodeImpact(raw)
		if err == nil {
			err = mine(im.ID, im.CreatedByRef)
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		impacts = append(impacts, im)
		raws = append(raws, raw)
	}
	if err := ingest(r.Context(), s.Ingester, c.ID, append(raws, req.Incident)...); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"incident_ref": inc.ID, "facts": s.engine().Facts(inc, impacts)})
}

// getIncident answers GET /api/v1/incidents/{id}.
func (s *Server) getIncident(w http.ResponseWriter, r *http.Request) {
	v, err := s.loadIncident(r.Context(), r.URL.Query().Get("collection"), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	impacts := make([]json.RawMessage, len(v.impacts))
	for i, o := range v.impacts {
		impacts[i] = o.Raw
	}
	writeJSON(w, http.StatusOK, map[string]any{"incident": v.obj.Raw, "impacts": impacts,
		"current_impact_refs": nonNilStrings(v.facts.CurrentImpact), "facts": v.facts})
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
