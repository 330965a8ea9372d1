package web

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/defense/defapi"
	"github.com/kizuna-dev/kizuna/defense/defstix"
)

func init() {
	register(page{Pattern: "GET /incidents", Template: "incidents.html", Nav: "nav.incidents", NavPath: "/incidents", Order: 30,
		Handle: (*Server).incidents})
	register(page{Pattern: "GET /incidents/{id}", Template: "incident.html", Handle: (*Server).incident})
}

// incidentRow is one incident of the list.
type incidentRow struct {
	refLink
	Collection, Modified, Affected string
}

type incidentsData struct{ Rows []incidentRow }

// incidents lists the incidents the reader may read, in the collection
// the request names (?collection=) or in every collection it may read.
func (s *Server) incidents(v *View, r *http.Request) error {
	ctx := r.Context()
	v.Title = v.T("incidents.title")
	data := &incidentsData{}
	v.Data = data
	def, err := s.defense()
	if err != nil {
		return nil // no collective defense here: no incident
	}
	cols, err := s.lookIn(ctx, r.URL.Query().Get("collection"))
	if err != nil {
		return err
	}
	for _, c := range cols {
		sums, err := def.Incidents(ctx, c.ID)
		if err != nil {
			return err
		}
		for _, sum := range sums {
			sum.Object.Collection = c.ID
			l := s.link(v, sum.Object)
			l.Path = incidentPath(sum.ID, c.ID)
			data.Rows = append(data.Rows, incidentRow{refLink: l, Collection: c.Title, Modified: clock(sum.Modified),
				Affected: strings.Join(sum.AffectedNations, ", ")})
		}
	}
	return nil
}

func incidentPath(id, collection string) string {
	return "/incidents/" + id + "?collection=" + collection
}

// incidentData is an incident's page: the incident and its impacts, each
// nation's severity and threshold level side by side, the explanation of
// the levels that differ, and the factor answers and stored assessments
// the reader may read.
type incidentData struct {
	Incident    refLink
	Collection  *kizuna.Collection
	Description string
	Facts       *kizuna.IncidentFacts
	Impacts     []impactRow
	Nations     []nationRow
	Pairs       []pairRow
	Answers     []answersRow
	Assessments []assessmentRow
}

type impactRow struct {
	refLink
	Category string
}

// nationRow is one nation's assessment under its own model and policy.
type nationRow struct {
	Nation, Severity, Model, Level, Rules, Error string
	Score                                        string
	Rank                                         int
	Notional                                     bool
}

type pairRow struct {
	A, B, LevelA, LevelB, Cause string
	Differing                   []string
	Summary                     []string
}

type answersRow struct {
	Nation  string
	Marking Marking
	Path    string
	Answers []kizuna.FactorAnswer
}

type assessmentRow struct {
	refLink
	Nation, Level, Created string
}

// incident serves an incident's page. An incident the reader may not read
// answers as one that does not exist.
func (s *Server) incident(v *View, r *http.Request) error {
	ctx := r.Context()
	id := r.PathValue("id")
	def, err := s.defense()
	if err != nil {
		return err
	}
	cols, err := s.lookIn(ctx, r.URL.Query().Get("collection"))
	if err != nil {
		return err
	}
	var rep *defapi.IncidentReport
	for _, c := range cols {
		rep, err = def.Incident(ctx, c.ID, id)
		if err == nil {
			break
		} else if kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
			return err
		}
	}
	if rep == nil {
		return kizuna.Errorf(kizuna.ENOTFOUND, "not found")
	}
	col := rep.Collection
	rep.Object.Collection = col.ID
	data := &incidentData{Collection: col, Facts: rep.Facts, Description: str(props(rep.Object), "description")}
	data.Incident = s.link(v, rep.Object)
	v.Title = rep.Incident.Name
	if v.Title == "" {
		v.Title = rep.Incident.ID
	}
	for _, o := range rep.Impacts {
		o.Collection = col.ID
		data.Impacts = append(data.Impacts, impactRow{refLink: s.link(v, o), Category: str(props(o), "impact_category")})
	}
	// The answers the levels were computed from, each marked.
	nations := make([]string, 0, len(rep.Answers))
	for n := range rep.Answers {
		nations = append(nations, n)
	}
	slices.Sort(nations)
	for _, n := range nations {
		o := rep.AnswerObjects[n]
		o.Collection = col.ID
		data.Answers = append(data.Answers, answersRow{Nation: n, Marking: s.markAll(v, o), Path: objectPath(o.ID, col.ID), Answers: rep.Answers[n].Answers})
	}
	for _, o := range rep.Assessments {
		a, err := defstix.DecodeAssessment(o.Raw)
		if err != nil {
			continue
		}
		o.Collection = col.ID
		data.Assessments = append(data.Assessments, assessmentRow{refLink: s.link(v, o), Nation: a.Result.Nation,
			Level: a.Result.Level.Name, Created: clock(a.Created)})
	}
	for _, out := range rep.Divergence.Outcomes {
		row := nationRow{Nation: out.Nation, Error: out.Error}
		if res := out.Result; res != nil {
			row.Severity = fmt.Sprintf("%s (%d)", res.Severity.LevelName, res.Severity.Level)
			row.Score = fmt.Sprintf("%.1f", res.Severity.Score)
			row.Model = res.Severity.Model + " " + res.Severity.ModelVersion
			row.Notional = res.Severity.Notional
			row.Level, row.Rank = res.Level.Name, res.Level.Rank
			row.Rules = strings.Join(res.DecidingRules, ", ")
		}
		data.Nations = append(data.Nations, row)
	}
	for _, p := range rep.Divergence.Pairs {
		row := pairRow{A: p.A, B: p.B, LevelA: p.LevelA.Name, LevelB: p.LevelB.Name, Cause: p.Cause, Summary: p.Summary}
		for _, d := range p.Differing {
			row.Differing = append(row.Differing, fmt.Sprintf("%s: %s %s / %s %s", d.Input, p.A, d.A, p.B, d.B))
		}
		data.Pairs = append(data.Pairs, row)
	}
	v.Data = data
	return nil
}
