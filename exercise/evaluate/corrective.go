package evaluate

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/kizuna-dev/kizuna"
)

// ActionNames names the expected actions in English and Japanese.
var ActionNames = map[string]kizuna.Text{
	kizuna.ExpectRead:         {"en": "first read", "ja": "初回閲覧"},
	kizuna.ExpectShare:        {"en": "share onward", "ja": "展開"},
	kizuna.ExpectAcknowledge:  {"en": "acknowledge", "ja": "受領確認"},
	kizuna.ExpectAssess:       {"en": "assess", "ja": "評価"},
	kizuna.ExpectConsultOpen:  {"en": "open the consultation", "ja": "協議開始"},
	kizuna.ExpectConsultClose: {"en": "close the consultation", "ja": "協議終結"},
}

// Findings drafts a finding for each participant and action with late or
// missed expectations, citing the injects; the control cell edits and
// adds its own before the after-action report is issued.
func (r *Result) Findings() []kizuna.Finding {
	type group struct {
		late, missed []string
	}
	groups := map[string]*group{}
	var keys []string
	for _, o := range r.Outcomes {
		if o.Status != StatusLate && o.Status != StatusMissed {
			continue
		}
		g := groups[o.Key()]
		if g == nil {
			g = &group{}
			groups[o.Key()] = g
			keys = append(keys, o.Key())
		}
		if o.Status == StatusLate {
			g.late = append(g.late, o.Inject)
		} else {
			g.missed = append(g.missed, o.Inject)
		}
	}
	sort.Strings(keys)
	var out []kizuna.Finding
	for i, k := range keys {
		action, participant, _ := strings.Cut(k, ":")
		g := groups[k]
		name := ActionNames[action]
		var en, ja []string
		if len(g.missed) > 0 {
			en = append(en, "missed after "+strings.Join(g.missed, ", "))
			ja = append(ja, strings.Join(g.missed, "、")+"で未実施")
		}
		if len(g.late) > 0 {
			en = append(en, "late after "+strings.Join(g.late, ", "))
			ja = append(ja, strings.Join(g.late, "、")+"で期限超過")
		}
		out = append(out, kizuna.Finding{ID: fmt.Sprintf("F-%02d", i+1), Participant: participant, Evidence: []string{k},
			Text: kizuna.Text{
				"en": fmt.Sprintf("%s: %s was %s.", participant, name["en"], strings.Join(en, "; ")),
				"ja": fmt.Sprintf("%s：%sが%s。", participant, name["ja"], strings.Join(ja, "、")),
			}})
	}
	return out
}

// Review carries the corrective actions of earlier exercises into this
// one and proposes new ones for the findings no open action covers. An
// action whose checks were all met in this exercise is verified; one
// marked done whose check was missed or late again is open again; one not
// exercised, or still failing, is carried over with a note. Verified and
// dropped actions are left as they are. newID returns fresh
// x-kizuna-corrective-action ids.
func Review(prev []kizuna.CorrectiveAction, r *Result, findings []kizuna.Finding, newID func() string) []kizuna.CorrectiveAction {
	status := map[string][]Outcome{}
	for _, o := range r.Outcomes {
		status[o.Key()] = append(status[o.Key()], o)
	}
	parts := map[string]kizuna.Participant{}
	for _, p := range r.Exercise.Participants {
		parts[p.ID] = p
	}
	var out []kizuna.CorrectiveAction
	covered := map[string]bool{}
	for _, ca := range prev {
		ca.History = slices.Clone(ca.History)
		if ca.Status == kizuna.CorrectiveVerified || ca.Status == kizuna.CorrectiveDropped {
			out = append(out, ca)
			continue
		}
		var failed []string
		exercised, pending := false, false
		for _, k := range ca.Checks {
			covered[k] = true
			for _, o := range status[k] {
				switch o.Status {
				case StatusMet:
					exercised = true
				case StatusLate, StatusMissed:
					exercised = true
					failed = append(failed, o.Inject+" "+o.Status)
				case StatusPending:
					pending = true
				}
			}
		}
		entry := kizuna.CorrectiveEntry{ExerciseRef: r.Exercise.ID, At: r.At, Status: ca.Status}
		switch {
		case len(failed) > 0 && ca.Status == kizuna.CorrectiveDone:
			entry.Status, entry.Note = kizuna.CorrectiveOpen, "recurred: "+strings.Join(failed, ", ")
		case len(failed) > 0:
			entry.Note = "still failing: " + strings.Join(failed, ", ")
		case exercised && !pending:
			entry.Status, entry.Note = kizuna.CorrectiveVerified, "every check met: "+strings.Join(ca.Checks, ", ")
		default:
			entry.Note = "not exercised; carried over"
		}
		ca.Status, ca.Modified = entry.Status, r.At
		ca.History = append(ca.History, entry)
		out = append(out, ca)
	}
	for _, f := range findings {
		if len(f.Evidence) == 0 || allCovered(f.Evidence, covered) {
			continue
		}
		p := parts[f.Participant]
		ca := kizuna.CorrectiveAction{ID: newID(), Created: r.At, Modified: r.At, Title: f.Text, Owner: p.Nation, OwnerRef: p.Organization,
			Status: kizuna.CorrectiveOpen, RaisedIn: r.Exercise.ID, FindingRef: f.ID, Checks: slices.Clone(f.Evidence),
			History: []kizuna.CorrectiveEntry{{ExerciseRef: r.Exercise.ID, At: r.At, Status: kizuna.CorrectiveOpen, Note: "raised"}}}
		for _, k := range f.Evidence {
			covered[k] = true
		}
		out = append(out, ca)
	}
	return out
}

func allCovered(keys []string, covered map[string]bool) bool {
	for _, k := range keys {
		if !covered[k] {
			return false
		}
	}
	return true
}
