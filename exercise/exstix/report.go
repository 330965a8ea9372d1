package exstix

import (
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/exercise/evaluate"
	"github.com/kizuna-dev/kizuna/internal/newsdo"
)

// Report is an x-kizuna-after-action-report: the outcome of every
// expectation, the findings, the corrective actions it raised or
// reviewed, and the digests of the rendered HTML and PDF reports, so that
// a copy of either can be checked against the record. It carries the
// participants' record marking, not the exercise marking: it outlives the
// purge.
type Report struct {
	ID, CreatedByRef  string
	Created, Modified time.Time
	MarkingRefs       []string
	ExerciseRef       string
	Outcomes          []evaluate.Outcome
	Findings          []kizuna.Finding
	CorrectiveRefs    []string
	HTMLSHA256        string
	PDFSHA256         string
}

type outcomeProp struct {
	Inject      string            `json:"inject"`
	Action      string            `json:"action"`
	Participant string            `json:"participant"`
	Nation      string            `json:"nation"`
	Status      string            `json:"status"`
	Released    *newsdo.Timestamp `json:"released,omitempty"`
	Deadline    *newsdo.Timestamp `json:"deadline,omitempty"`
	Done        *newsdo.Timestamp `json:"done,omitempty"`
	Evidence    string            `json:"evidence,omitempty"`
}

type reportProps struct {
	ExerciseRef    string           `json:"exercise_ref"`
	Outcomes       []outcomeProp    `json:"outcomes"`
	Findings       []kizuna.Finding `json:"findings,omitempty"`
	CorrectiveRefs []string         `json:"corrective_action_refs,omitempty"`
	HTMLSHA256     string           `json:"html_sha256"`
	PDFSHA256      string           `json:"pdf_sha256,omitempty"`
}

// Digest returns the hex SHA-256 of a rendered report.
func Digest(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

var statuses = []string{evaluate.StatusMet, evaluate.StatusLate, evaluate.StatusMissed, evaluate.StatusPending, evaluate.StatusNotReleased}

// EncodeReport writes an x-kizuna-after-action-report.
func EncodeReport(r *Report) ([]byte, error) {
	p := reportProps{ExerciseRef: r.ExerciseRef, Findings: r.Findings, CorrectiveRefs: r.CorrectiveRefs, HTMLSHA256: r.HTMLSHA256, PDFSHA256: r.PDFSHA256}
	for _, o := range r.Outcomes {
		p.Outcomes = append(p.Outcomes, outcomeProp{Inject: o.Inject, Action: o.Action, Participant: o.Participant, Nation: o.Nation,
			Status: o.Status, Released: newsdo.TS(o.Released), Deadline: newsdo.TS(o.Deadline), Done: newsdo.TS(o.Done), Evidence: o.Evidence})
	}
	return newsdo.Encode(newsdo.Envelope{Type: TypeReport, ID: r.ID, Created: r.Created, Modified: r.Modified, CreatedByRef: r.CreatedByRef,
		MarkingRefs: r.MarkingRefs}, ExtReport, p)
}

// DecodeReport validates an x-kizuna-after-action-report.
func DecodeReport(raw []byte) (*Report, error) {
	var p reportProps
	e, err := newsdo.Decode(raw, TypeReport, ExtReport, &p)
	if err != nil {
		return nil, err
	}
	c := &checker{id: e.ID}
	c.ref("$.exercise_ref", p.ExerciseRef, TypeExercise)
	if len(p.HTMLSHA256) != 64 {
		c.errf("$.html_sha256", "must be the hex SHA-256 of the HTML report")
	}
	r := &Report{ID: e.ID, CreatedByRef: e.CreatedByRef, Created: e.Created, Modified: e.Modified, MarkingRefs: e.MarkingRefs,
		ExerciseRef: p.ExerciseRef, Findings: p.Findings, CorrectiveRefs: p.CorrectiveRefs, HTMLSHA256: p.HTMLSHA256, PDFSHA256: p.PDFSHA256}
	for i, o := range p.Outcomes {
		c.enum(index("$.outcomes", i)+".status", o.Status, statuses)
		c.enum(index("$.outcomes", i)+".action", o.Action, evaluate.Actions)
		out := evaluate.Outcome{Inject: o.Inject, Action: o.Action, Participant: o.Participant, Nation: o.Nation, Status: o.Status,
			Released: newsdo.Of(o.Released), Deadline: newsdo.Of(o.Deadline), Done: newsdo.Of(o.Done), Evidence: o.Evidence}
		if !out.Done.IsZero() {
			out.Elapsed = out.Done.Sub(out.Released)
		}
		r.Outcomes = append(r.Outcomes, out)
	}
	for i, ref := range p.CorrectiveRefs {
		c.ref(index("$.corrective_action_refs", i), ref, TypeCorrective)
	}
	return r, c.err()
}

type correctiveProps struct {
	Name       string            `json:"name"`
	Title      kizuna.Text       `json:"title"`
	Owner      string            `json:"owner_nation"`
	OwnerRef   string            `json:"owner_ref"`
	Status     string            `json:"status"`
	Due        *newsdo.Timestamp `json:"due,omitempty"`
	RaisedIn   string            `json:"raised_in_ref"`
	FindingRef string            `json:"finding,omitempty"`
	Checks     []string          `json:"checks,omitempty"`
	History    []historyProp     `json:"history"`
}

type historyProp struct {
	ExerciseRef string           `json:"exercise_ref,omitempty"`
	At          newsdo.Timestamp `json:"at"`
	Status      string           `json:"status"`
	Note        string           `json:"note,omitempty"`
}

var correctiveStatuses = []string{kizuna.CorrectiveOpen, kizuna.CorrectiveInProgress, kizuna.CorrectiveDone, kizuna.CorrectiveVerified, kizuna.CorrectiveDropped}

// EncodeCorrective writes an x-kizuna-corrective-action version; each
// review is a new version with one more history entry.
func EncodeCorrective(ca *kizuna.CorrectiveAction, createdBy string) ([]byte, error) {
	p := correctiveProps{Name: ca.Title.In("en"), Title: ca.Title, Owner: ca.Owner, OwnerRef: ca.OwnerRef, Status: ca.Status,
		Due: newsdo.TS(ca.Due), RaisedIn: ca.RaisedIn, FindingRef: ca.FindingRef, Checks: ca.Checks, History: []historyProp{}}
	for _, h := range ca.History {
		p.History = append(p.History, historyProp{ExerciseRef: h.ExerciseRef, At: newsdo.Timestamp(h.At), Status: h.Status, Note: h.Note})
	}
	return newsdo.Encode(newsdo.Envelope{Type: TypeCorrective, ID: ca.ID, Created: ca.Created, Modified: ca.Modified, CreatedByRef: createdBy,
		MarkingRefs: ca.MarkingRefs}, ExtCorrective, p)
}

// DecodeCorrective validates an x-kizuna-corrective-action.
func DecodeCorrective(raw []byte) (*kizuna.CorrectiveAction, error) {
	var p correctiveProps
	e, err := newsdo.Decode(raw, TypeCorrective, ExtCorrective, &p)
	if err != nil {
		return nil, err
	}
	c := &checker{id: e.ID}
	c.enum("$.status", p.Status, correctiveStatuses)
	c.nation("$.owner_nation", p.Owner)
	c.ref("$.owner_ref", p.OwnerRef, "identity")
	c.ref("$.raised_in_ref", p.RaisedIn, TypeExercise)
	ca := &kizuna.CorrectiveAction{ID: e.ID, Created: e.Created, Modified: e.Modified, Title: p.Title, Owner: p.Owner, OwnerRef: p.OwnerRef,
		Status: p.Status, Due: newsdo.Of(p.Due), RaisedIn: p.RaisedIn, FindingRef: p.FindingRef, Checks: p.Checks, MarkingRefs: e.MarkingRefs}
	for i, h := range p.History {
		c.enum(index("$.history", i)+".status", h.Status, correctiveStatuses)
		ca.History = append(ca.History, kizuna.CorrectiveEntry{ExerciseRef: h.ExerciseRef, At: h.At.Time(), Status: h.Status, Note: h.Note})
	}
	if n := len(ca.History); n > 0 && ca.History[n-1].Status != ca.Status {
		c.errf("$.status", "must be the status of the last history entry, %s", ca.History[n-1].Status)
	}
	return ca, c.err()
}
