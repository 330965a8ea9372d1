package web

import (
	"net/http"
	"slices"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/exercise/exapi"
)

func init() {
	register(page{Pattern: "GET /exercises", Template: "exercises.html", Nav: "nav.exercises", NavPath: "/exercises", Order: 45,
		Handle: (*Server).exercises})
	register(page{Pattern: "GET /exercises/{id}", Template: "exercise.html", Handle: (*Server).exercise})
}

// The exercise pages read exercises through the node's exapi.Server,
// whose functions read through the guard for the principal in the
// context: a reader who is not a participant reads none of it. Every
// exercise record shown is marked, so the page's banners start with the
// EXERCISE banner.

// exerciseServer returns the node's exercise server; a node without it
// has no exercise to show (ENOTFOUND).
func (s *Server) exerciseServer() (*exapi.Server, error) {
	if s.opt.Exercises != nil {
		if x := s.opt.Exercises(); x != nil {
			return x, nil
		}
	}
	return nil, kizuna.Errorf(kizuna.ENOTFOUND, "not found")
}

// markExercise links to an exercise's record and marks it as exercise
// data: its record's marking (its participants) is not the exercise
// marking, and the API banners every answer about an exercise
// (exapi.BannerHeader), so the page counts a label of the exercise's
// community with it, which starts the banners with EXERCISE 演習 and the
// exercise's id.
func (s *Server) markExercise(v *View, rec exapi.Record) refLink {
	l := s.link(v, rec.Object)
	v.Mark(&kizuna.AccessLabel{Communities: []string{kizuna.ExerciseCommunityPrefix + rec.Exercise.ID}})
	return l
}

// exerciseRow is one exercise of the list.
type exerciseRow struct {
	refLink
	State, Start, End string
}

type exercisesData struct{ Rows []exerciseRow }

// exercises lists the exercises the reader may read.
func (s *Server) exercises(v *View, r *http.Request) error {
	v.Title = v.T("exercises.title")
	data := &exercisesData{}
	v.Data = data
	xs, err := s.exerciseServer()
	if err != nil {
		return nil // no exercises here
	}
	recs, err := xs.Exercises(r.Context())
	if err != nil {
		return err
	}
	for _, rec := range recs {
		l := s.markExercise(v, rec)
		l.Title, l.Path = rec.Exercise.Exercise.Name.In(v.Lang()), "/exercises/"+rec.Exercise.ID
		data.Rows = append(data.Rows, exerciseRow{refLink: l, State: rec.Exercise.State, Start: clock(rec.Exercise.Start), End: clock(rec.Exercise.End)})
	}
	return nil
}

// exerciseData is an exercise's page.
type exerciseData struct {
	Exercise     refLink
	Description  string
	State        string
	Start, End   string
	Objectives   []string
	Participants []participantRow
	Releases     []releaseRow
	Evaluated    bool
	Expectations []expectationRow
	Summary      []statusCount
	ReportPath   string
}

// statusCount is how many expectations have a status.
type statusCount struct {
	Status string
	Count  int
}

type participantRow struct{ ID, Name, Nation, Role string }

// releaseRow is one inject released to the reader's organisation (every
// release, for the control cell), with links to its objects.
type releaseRow struct {
	Marking     Marking
	Inject      string
	Participant string
	Released    string
	Objects     []objectRef
}

type objectRef struct{ ID, Path string }

// expectationRow is one expected action and its outcome.
type expectationRow struct {
	Inject, Action, Participant, Nation, Deadline, Done, Status string
}

// exercise serves an exercise's page; an exercise the reader may not read
// answers as one that does not exist. The evaluation is shown to whoever
// the API lets evaluate (the control cell, an admin).
func (s *Server) exercise(v *View, r *http.Request) error {
	ctx := r.Context()
	xs, err := s.exerciseServer()
	if err != nil {
		return err
	}
	rec, err := xs.Exercise(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	x, lang := rec.Exercise, v.Lang()
	data := &exerciseData{Exercise: s.markExercise(v, rec), Description: x.Exercise.Description.In(lang), State: x.State,
		Start: clock(x.Start), End: clock(x.End)}
	v.Data = data
	v.Title = x.Exercise.Name.In(lang)
	for _, o := range x.Exercise.Objectives {
		data.Objectives = append(data.Objectives, o.Text.In(lang))
	}
	for _, p := range x.Exercise.Participants {
		data.Participants = append(data.Participants, participantRow{ID: p.ID, Name: p.Name.In(lang), Nation: p.Nation, Role: p.Role})
	}
	rels, err := xs.Releases(ctx, x.ID)
	if err != nil {
		return err
	}
	slices.SortFunc(rels, func(a, b exapi.Release) int { return a.Release.ReleasedAt.Compare(b.Release.ReleasedAt) })
	for _, rel := range rels {
		row := releaseRow{Marking: s.markAll(v, rel.Object), Inject: rel.Release.Inject, Participant: rel.Release.Participant,
			Released: clock(rel.Release.ReleasedAt)}
		for _, id := range rel.Release.ObjectRefs {
			row.Objects = append(row.Objects, objectRef{ID: id, Path: objectPath(id, xs.Collection)})
		}
		data.Releases = append(data.Releases, row)
	}
	data.ReportPath = "/api/v1/exercises/" + x.ID + "/report"
	// The evaluation, for whoever the API lets evaluate: another reader
	// is refused (EFORBIDDEN), an exercise not started has none
	// (ECONFLICT); on any other failure the page shows the exercise
	// without it.
	res, err := xs.Evaluate(ctx, x.ID, time.Time{}, exapi.EvaluationRequest{})
	if err != nil {
		if c := kizuna.ErrorCode(err); c != kizuna.EFORBIDDEN && c != kizuna.ECONFLICT {
			s.log.Warn("web: exercise evaluation", "exercise", x.ID, "err", err)
		}
		return nil
	}
	data.Evaluated = true
	counts := map[string]int{}
	for _, o := range res.Outcomes {
		data.Expectations = append(data.Expectations, expectationRow{Inject: o.Inject, Action: o.Action, Participant: o.Participant,
			Nation: o.Nation, Deadline: clock(o.Deadline), Done: clock(o.Done), Status: o.Status})
		if counts[o.Status] == 0 {
			data.Summary = append(data.Summary, statusCount{Status: o.Status})
		}
		counts[o.Status]++
	}
	for i := range data.Summary {
		data.Summary[i].Count = counts[data.Summary[i].Status]
	}
	return nil
}
