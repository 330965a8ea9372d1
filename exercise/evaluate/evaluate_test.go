package evaluate_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/exercise/evaluate"
	"github.com/kizuna-dev/kizuna/exercise/exercisetest"
)

// TestEvaluateFromAuditLog: the outcomes computed from the two nodes'
// audit entries are the acts the players took, timed from each release.
func TestEvaluateFromAuditLog(t *testing.T) {
	w := exercisetest.NewWorld(t)
	w.Play()
	res := w.Evaluate(72 * time.Hour)
	got := map[string]string{}
	for _, o := range res.Outcomes {
		v := o.Status
		if !o.Done.IsZero() {
			v += " " + o.Elapsed.String()
		}
		got[o.Inject+" "+o.Key()] = v
	}
	want := map[string]string{
		"I-01 read:jpn-ncco":          "met 10m0s",
		"I-01 read:jpn-port-isac":     "late 40m0s",
		"I-01 acknowledge:jpn-ncco":   "met 20m0s",
		"I-01 share:jpn-ncco":         "missed",
		"I-01 share:jpn-port-isac":    "met 1h30m0s",
		"I-02 read:jpn-ncco":          "met 15m0s",
		"I-02 read:usa-nccc":          "missed", // only the peer's egress read happened
		"I-02 read:usa-navlog":        "met 5m0s",
		"I-02 acknowledge:usa-nccc":   "met 40m0s",
		"I-02 assess:jpn-ncco":        "late 7h0m0s",
		"I-02 assess:usa-nccc":        "met 3h0m0s",
		"I-02 consult-open:jpn-ncco":  "met 2h0m0s",
		"I-03 read:usa-navlog":        "met 10m0s",
		"I-03 read:jpn-port-isac":     "missed",
		"I-03 share:usa-navlog":       "met 1h0m0s",
		"I-04 read:jpn-ncco":          "met 30m0s",
		"I-04 read:usa-nccc":          "late 2h0m0s",
		"I-04 consult-close:jpn-ncco": "met 20h0m0s",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d outcomes, want %d: %v", len(got), len(want), got)
	}
	// Evaluated earlier, an expectation whose deadline has not passed is pending.
	early := w.Evaluate(2*time.Hour + 10*time.Minute)
	for _, o := range early.Outcomes {
		if o.Inject == "I-02" && o.Key() == "assess:jpn-ncco" && o.Status != evaluate.StatusPending {
			t.Errorf("at +2h10 the assessment is %s, want pending", o.Status)
		}
	}
	// Without a release record, the inject never reached the participant.
	w.Rels = slices.DeleteFunc(w.Rels, func(r kizuna.InjectRelease) bool { return r.Inject == "I-04" && r.Participant == "usa-nccc" })
	for _, o := range w.Evaluate(72 * time.Hour).Outcomes {
		if o.Inject == "I-04" && o.Participant == "usa-nccc" && o.Status != evaluate.StatusNotReleased {
			t.Errorf("unreleased inject: %s", o.Status)
		}
	}
}

// TestSummariesAndTimeline: per participant and per nation, the counts
// and times of each action; a timeline in time order that leaves out the
// peer's egress reads.
func TestSummariesAndTimeline(t *testing.T) {
	w := exercisetest.NewWorld(t)
	w.Play()
	res := w.Evaluate(72 * time.Hour)
	find := func(ss []evaluate.Summary, nation, participant, action string) evaluate.Metric {
		for _, s := range ss {
			if s.Nation == nation && s.Participant == participant {
				for _, m := range s.Metrics {
					if m.Action == action {
						return m
					}
				}
			}
		}
		t.Fatalf("no metric %s %s %s", nation, participant, action)
		return evaluate.Metric{}
	}
	if m := find(res.ByParticipant(), "JPN", "jpn-port-isac", "read"); m.Expected != 2 || m.Late != 1 || m.Missed != 1 || m.Max != 40*time.Minute {
		t.Errorf("jpn-port-isac reads: %+v", m)
	}
	// JPN shared I-01 onward: the port ISAC did, so the nation did.
	if m := find(res.ByNation(), "JPN", "", "share"); m.Expected != 1 || m.Met != 1 || m.Median != 90*time.Minute {
		t.Errorf("JPN shares: %+v", m)
	}
	if m := find(res.ByNation(), "USA", "", "read"); m.Expected != 3 || m.Met != 2 || m.Late != 1 || m.Median != 10*time.Minute {
		t.Errorf("USA reads: %+v", m)
	}
	var kinds []string
	for i, e := range res.Timeline {
		if i > 0 && e.At.Before(res.Timeline[i-1].At) {
			t.Fatal("timeline out of order")
		}
		if e.Inject == "" {
			t.Errorf("timeline entry without inject: %+v", e)
		}
		kinds = append(kinds, e.Kind)
		if e.Participant == "usa-nccc" && e.Kind == "read" && e.Inject == "I-02" {
			t.Error("the peer's egress read shows as usa-nccc's")
		}
	}
	for _, k := range []string{"release", "read", "share", "assess", "acknowledge", "consult.open", "consult.acknowledge", "consult.close"} {
		if !slices.Contains(kinds, k) {
			t.Errorf("timeline lacks %s", k)
		}
	}
	if first := res.Timeline[0]; first.Kind != "release" || first.Offset != 0 {
		t.Errorf("timeline starts with %+v", first)
	}
}

// TestCorrectiveActionsCarryOver: an action marked done whose check fails
// again is reopened; one whose checks are met is verified; one not
// exercised is carried over; closed ones are left alone; findings no open
// action covers raise new ones, in English and Japanese.
func TestCorrectiveActionsCarryOver(t *testing.T) {
	w := exercisetest.NewWorld(t)
	w.Play()
	res := w.Evaluate(72 * time.Hour)
	findings := res.Findings()
	var keys []string
	for _, f := range findings {
		keys = append(keys, f.Evidence[0])
		if f.Text["ja"] == "" || f.Text["en"] == "" {
			t.Errorf("%s: %v", f.ID, f.Text)
		}
	}
	wantKeys := []string{"assess:jpn-ncco", "read:jpn-port-isac", "read:usa-nccc", "share:jpn-ncco"}
	if !slices.Equal(keys, wantKeys) {
		t.Errorf("findings on %v, want %v", keys, wantKeys)
	}
	prevEx := "x-kizuna-exercise--00000000-0000-4000-8000-000000000001"
	prev := []kizuna.CorrectiveAction{
		{ID: "x-kizuna-corrective-action--00000000-0000-4000-8000-000000000001", Status: kizuna.CorrectiveDone, RaisedIn: prevEx, Checks: []string{"share:jpn-ncco"}},
		{ID: "x-kizuna-corrective-action--00000000-0000-4000-8000-000000000002", Status: kizuna.CorrectiveInProgress, RaisedIn: prevEx, Checks: []string{"consult-open:jpn-ncco"}},
		{ID: "x-kizuna-corrective-action--00000000-0000-4000-8000-000000000003", Status: kizuna.CorrectiveOpen, RaisedIn: prevEx, Checks: []string{"assess:usa-navlog"}},
		{ID: "x-kizuna-corrective-action--00000000-0000-4000-8000-000000000004", Status: kizuna.CorrectiveVerified, RaisedIn: prevEx, Checks: []string{"read:usa-nccc"}},
	}
	n := 0
	next := func() string {
		n++
		return fmt.Sprintf("x-kizuna-corrective-action--00000000-0000-4000-8000-1000000000f%d", n)
	}
	out := evaluate.Review(prev, res, findings, next)
	status := map[string]string{}
	for _, ca := range out {
		status[ca.ID[len(ca.ID)-2:]] = ca.Status
	}
	want := map[string]string{"01": "open", "02": "verified", "03": "open", "04": "verified"}
	for k, v := range want {
		if status[k] != v {
			t.Errorf("action %s: %s, want %s", k, status[k], v)
		}
	}
	if h := out[0].History; len(h) != 1 || !strings.HasPrefix(h[0].Note, "recurred: I-01 missed") || h[0].ExerciseRef != w.Ex.ID {
		t.Errorf("reopened action's history: %+v", h)
	}
	if h := out[2].History; len(h) != 1 || h[0].Note != "not exercised; carried over" {
		t.Errorf("carried action's history: %+v", h)
	}
	if len(out[3].History) != 0 {
		t.Error("a verified action changed")
	}
	// New actions for the findings not already covered: the reads of the
	// port ISAC and the JPN assessment; usa-nccc's missed read is covered
	// by a verified action no more, so it is raised again; share:jpn-ncco
	// is covered by the reopened one.
	var raised []string
	for _, ca := range out[4:] {
		raised = append(raised, ca.Checks[0])
		if ca.RaisedIn != w.Ex.ID || ca.Status != kizuna.CorrectiveOpen || ca.OwnerRef == "" {
			t.Errorf("raised action %+v", ca)
		}
	}
	if !slices.Equal(raised, []string{"assess:jpn-ncco", "read:jpn-port-isac", "read:usa-nccc"}) {
		t.Errorf("raised %v", raised)
	}
}
