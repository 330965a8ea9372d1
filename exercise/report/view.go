// Package report renders an exercise's after-action report, as HTML
// (html/template, embedded) and as PDF, from its evaluation: objectives,
// participants, each nation's and organisation's metrics, every
// expectation met or missed, the timeline, findings and corrective
// actions. Every page carries the EXERCISE banner.
package report

import (
	"fmt"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/exercise"
	"github.com/kizuna-dev/kizuna/exercise/evaluate"
)

// Input is what a report shows.
type Input struct {
	Result     *evaluate.Result
	Findings   []kizuna.Finding
	Corrective []kizuna.CorrectiveAction
	// Issued is when the report is issued; By the organisation issuing it.
	Issued time.Time
	By     string
}

// view is the report laid out as text, shared by the HTML and the PDF.
type view struct {
	Banner       string
	Title        kizuna.Text
	Description  kizuna.Text
	ExerciseID   string
	Version      string
	Start, End   string
	Issued, By   string
	Objectives   []kizuna.Objective
	Participants []participantRow
	Nations      []summaryRow
	Orgs         []summaryRow
	Outcomes     []outcomeRow
	Timeline     []timelineRow
	Findings     []kizuna.Finding
	Corrective   []correctiveRow
}

type participantRow struct {
	ID, Nation, Role, Organization string
	Name                           kizuna.Text
}

type summaryRow struct {
	Who    string
	Action kizuna.Text
	Counts string // "3 expected: 2 met, 1 late"
	Median string
	Max    string
}

type outcomeRow struct {
	Inject, Participant, Nation, Status string
	Action                              kizuna.Text
	Released, Deadline, Done, Elapsed   string
	Evidence                            string
}

type timelineRow struct {
	Offset, At, Nation, Participant, Inject, Kind, Object, Evidence string
}

type correctiveRow struct {
	ID, Owner, Status, RaisedIn, Checks, Due string
	Title                                    kizuna.Text
	History                                  []string
}

const stamp = "2006-01-02 15:04Z"

func when(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	return t.UTC().Format(stamp)
}

func dur(d time.Duration, done bool) string {
	if !done {
		return "–"
	}
	return d.Round(time.Minute).String()
}

func build(in Input) view {
	r := in.Result
	ex := r.Exercise
	v := view{Banner: exercise.Banner([]string{ex.ID}) + " — PARTICIPANTS ONLY / 参加者限り", Title: ex.Name, Description: ex.Description,
		ExerciseID: ex.ID, Version: ex.Version, Start: when(r.Start), End: when(r.Start.Add(ex.Duration)),
		Issued: when(in.Issued), By: in.By, Objectives: ex.Objectives, Findings: in.Findings}
	for _, p := range ex.Participants {
		v.Participants = append(v.Participants, participantRow{ID: p.ID, Nation: p.Nation, Role: p.Role, Organization: p.Organization, Name: p.Name})
	}
	v.Nations = summaryRows(r.ByNation())
	v.Orgs = summaryRows(r.ByParticipant())
	for _, o := range r.Outcomes {
		v.Outcomes = append(v.Outcomes, outcomeRow{Inject: o.Inject, Participant: o.Participant, Nation: o.Nation, Status: o.Status,
			Action: evaluate.ActionNames[o.Action], Released: when(o.Released), Deadline: when(o.Deadline), Done: when(o.Done),
			Elapsed: dur(o.Elapsed, !o.Done.IsZero()), Evidence: o.Evidence})
	}
	for _, e := range r.Timeline {
		v.Timeline = append(v.Timeline, timelineRow{Offset: "T+" + e.Offset.Round(time.Minute).String(), At: when(e.At), Nation: e.Nation,
			Participant: e.Participant, Inject: e.Inject, Kind: e.Kind, Object: e.Object, Evidence: e.Evidence})
	}
	for _, ca := range in.Corrective {
		row := correctiveRow{ID: ca.ID, Owner: ca.Owner + " " + ca.OwnerRef, Status: ca.Status, RaisedIn: ca.RaisedIn,
			Checks: fmt.Sprint(ca.Checks), Due: when(ca.Due), Title: ca.Title}
		for _, h := range ca.History {
			row.History = append(row.History, fmt.Sprintf("%s %s %s: %s", when(h.At), h.ExerciseRef, h.Status, h.Note))
		}
		v.Corrective = append(v.Corrective, row)
	}
	return v
}

func summaryRows(ss []evaluate.Summary) []summaryRow {
	var out []summaryRow
	for _, s := range ss {
		who := s.Nation
		if s.Participant != "" {
			who += " " + s.Participant
		}
		for _, m := range s.Metrics {
			counts := fmt.Sprintf("%d: %d met, %d late, %d missed", m.Expected, m.Met, m.Late, m.Missed)
			if m.Pending > 0 {
				counts += fmt.Sprintf(", %d pending", m.Pending)
			}
			if m.Unreleased > 0 {
				counts += fmt.Sprintf(", %d not released", m.Unreleased)
			}
			out = append(out, summaryRow{Who: who, Action: evaluate.ActionNames[m.Action], Counts: counts,
				Median: dur(m.Median, m.Done > 0), Max: dur(m.Max, m.Done > 0)})
		}
	}
	return out
}
