package consult_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/defense/consult"
)

// fakeClock is a clock the test moves.
type fakeClock struct{ t time.Time }

func (c *fakeClock) Now() time.Time          { return c.t }
func (c *fakeClock) Advance(d time.Duration) { c.t = c.t.Add(d) }

const (
	jpnPOC    = "identity--a1000000-0000-4000-8000-000000000001"
	usaPOC    = "identity--a2000000-0000-4000-8000-000000000002"
	ausPOC    = "identity--a3000000-0000-4000-8000-000000000003"
	ausSecond = "identity--a3000000-0000-4000-8000-000000000013"
	ausOper   = "identity--a3000000-0000-4000-8000-000000000023"
	incident  = "incident--6f1c2a8e-3b4d-4e5f-8a9b-0c1d2e3f4a5b"
	secretRel = "marking-definition--00000000-0000-4000-8000-0000000000aa"
	tlpAmber  = "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"
)

func setup(t *testing.T) (*consult.Machine, *fakeClock) {
	t.Helper()
	data, err := os.ReadFile("../defaults/consultation.json")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := consult.Load(data, "consultation.json")
	if err != nil {
		t.Fatal(err)
	}
	clk := &fakeClock{t: time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)}
	return consult.New(cfg, clk), clk
}

var jpn = consult.Actor{Nation: "JPN", OrgRef: jpnPOC, Principal: "principal--jp", POC: true}

// must returns c, and fails the test (by panicking, as it cannot take t
// beside a call's two results) on an error.
func must(c *kizuna.Consultation, err error) *kizuna.Consultation {
	if err != nil {
		panic(err)
	}
	return c
}

func respond(t *testing.T, m *consult.Machine, c *kizuna.Consultation, nation, by, action string, at time.Time, extra func(*kizuna.ConsultationResponse)) *kizuna.Consultation {
	t.Helper()
	r := &kizuna.ConsultationResponse{ID: "x-kizuna-consultation-response--" + kizuna.NewUUID(), Created: at, CreatedByRef: by,
		ConsultationRef: c.ID, Nation: nation, Action: action}
	if extra != nil {
		extra(r)
	}
	s, err := m.StepFromResponse(r)
	if err != nil {
		t.Fatal(err)
	}
	return must(m.Apply(c, s))
}

func ip(i int) *int { return &i }

// TestConsultationToJointPosition walks a consultation from the request to
// a joint position: every transition is a new, later version with one more
// recorded step, and nothing was escalated.
func TestConsultationToJointPosition(t *testing.T) {
	m, clk := setup(t)
	c := must(m.Open(jpn, consult.OpenRequest{IncidentRef: incident, Rank: 2, Addressees: []string{"USA", "AUS"},
		AssessmentRef: "x-kizuna-threshold-assessment--00000000-0000-4000-8000-000000000001", MarkingRefs: []string{secretRel}}))
	versions := []*kizuna.Consultation{c}
	step := func(next *kizuna.Consultation, state string) {
		t.Helper()
		prev := versions[len(versions)-1]
		if !next.Modified.After(prev.Modified) || len(next.Steps) != len(prev.Steps)+1 || next.State != state {
			t.Fatalf("version %d: modified %v after %v, %d steps after %d, state %s want %s",
				len(versions), next.Modified, prev.Modified, len(next.Steps), len(prev.Steps), next.State, state)
		}
		versions = append(versions, next)
	}
	if c.State != kizuna.ConsultRequested || c.Parties[1].Deadline != clk.t.Add(time.Hour) {
		t.Fatalf("opened %+v", c.Parties)
	}
	clk.Advance(20 * time.Minute)
	step(respond(t, m, c, "USA", usaPOC, kizuna.ConsultActionAck, clk.t, nil), kizuna.ConsultRequested)
	clk.Advance(10 * time.Minute)
	step(respond(t, m, versions[1], "AUS", ausPOC, kizuna.ConsultActionAck, clk.t, nil), kizuna.ConsultAcknowledged)
	clk.Advance(3 * time.Hour)
	step(respond(t, m, versions[2], "USA", usaPOC, kizuna.ConsultActionAssess, clk.t, func(r *kizuna.ConsultationResponse) {
		r.AssessmentRef, r.LevelRank = "x-kizuna-threshold-assessment--00000000-0000-4000-8000-000000000002", ip(2)
	}), kizuna.ConsultAcknowledged)
	step(respond(t, m, versions[3], "AUS", ausPOC, kizuna.ConsultActionAssess, clk.t, func(r *kizuna.ConsultationResponse) {
		r.AssessmentRef, r.LevelRank = "x-kizuna-threshold-assessment--00000000-0000-4000-8000-000000000003", ip(1)
	}), kizuna.ConsultAssessed)
	clk.Advance(time.Hour)
	step(must(m.Apply(versions[4], consult.Step{Action: kizuna.ConsultActionPropose, Actor: jpn, InputMarkingRefs: []string{secretRel},
		Position: &kizuna.JointPositionDraft{Statement: "The allies will consult under Article V.", LevelRank: 2, MarkingRefs: []string{secretRel}}})),
		kizuna.ConsultProposed)
	if d := versions[5].Parties[1].Deadline; d != clk.t.Add(6*time.Hour) {
		t.Errorf("review deadline %v", d)
	}
	step(respond(t, m, versions[5], "USA", usaPOC, kizuna.ConsultActionEndorse, clk.t, nil), kizuna.ConsultProposed)
	step(respond(t, m, versions[6], "AUS", ausPOC, kizuna.ConsultActionEndorse, clk.t, nil), kizuna.ConsultJointPosition)
	jp := consult.JointPosition(versions[7])
	if jp == nil || jp.Release != nil || jp.MarkingRefs[0] != secretRel || len(jp.Nations) != 3 {
		t.Fatalf("joint position %+v", jp)
	}
	step(must(m.Apply(versions[7], consult.Step{Action: kizuna.ConsultActionClose, Actor: jpn, Statement: "Position agreed."})), kizuna.ConsultClosed)
	if len(versions[8].Escalations) != 0 {
		t.Errorf("escalations %+v", versions[8].Escalations)
	}
	// The first version is unchanged by all that followed.
	if len(c.Steps) != 1 || c.State != kizuna.ConsultRequested {
		t.Errorf("the opened version changed: %+v", c)
	}
}

// TestMissedDeadlinesEscalate: Australia does not acknowledge; at the
// deadline its second contact is alerted, after the grace its node's
// operator, and no further; the US, which acknowledged in time, is not.
func TestMissedDeadlinesEscalate(t *testing.T) {
	m, clk := setup(t)
	c := must(m.Open(jpn, consult.OpenRequest{IncidentRef: incident, Rank: 2, Addressees: []string{"USA", "AUS"}}))
	clk.Advance(30 * time.Minute)
	c = respond(t, m, c, "USA", usaPOC, kizuna.ConsultActionAck, clk.t, nil)
	if _, changed := m.Tick(c); changed {
		t.Fatal("escalated before any deadline")
	}
	due, _ := consult.NextDeadline(c)
	clk.t = due
	c1, changed := m.Tick(c)
	if !changed || len(c1.Escalations) != 1 {
		t.Fatalf("no escalation at the deadline: %+v", c1.Escalations)
	}
	e := c1.Escalations[0]
	if e.Nation != "AUS" || e.Duty != "acknowledge" || e.Level != kizuna.EscalationSecond || e.ContactRef != ausSecond ||
		!e.NewDeadline.Equal(due.Add(time.Hour)) || c1.Steps[len(c1.Steps)-1].Action != kizuna.ConsultActionEscalate {
		t.Fatalf("escalation %+v", e)
	}
	clk.Advance(59 * time.Minute)
	if _, changed := m.Tick(c1); changed {
		t.Fatal("escalated again within the grace")
	}
	clk.Advance(time.Minute)
	c2, changed := m.Tick(c1)
	if !changed || len(c2.Escalations) != 2 || c2.Escalations[1].Level != kizuna.EscalationOperator || c2.Escalations[1].ContactRef != ausOper {
		t.Fatalf("second escalation %+v", c2.Escalations)
	}
	clk.Advance(48 * time.Hour)
	// JPN itself owes its assessment by now (12 h): it escalates too, but
	// Australia, at the operator already, does not go further.
	c3, _ := m.Tick(c2)
	for _, e := range c3.Escalations[2:] {
		if e.Nation == "AUS" {
			t.Errorf("escalated past the operator: %+v", e)
		}
	}
	if _, ok := consult.NextDeadline(c3); ok {
		t.Errorf("a deadline remains to act on: %+v", c3.Parties)
	}
	// A late acknowledgement is still accepted and recorded.
	c4 := respond(t, m, c3, "AUS", ausSecond, kizuna.ConsultActionAck, clk.t, nil)
	if c4.Parties[2].Status != kizuna.ParticipantAcked || c4.Parties[2].Escalation != 0 {
		t.Errorf("late ack %+v", c4.Parties[2])
	}
}

// TestReleaseDecision: a joint position marked lower than its inputs needs
// an explicit release decision, which is recorded and reported to the
// audit hook.
func TestReleaseDecision(t *testing.T) {
	m, clk := setup(t)
	var released []*kizuna.ReleaseDecision
	m.OnRelease = func(_ *kizuna.Consultation, d *kizuna.ReleaseDecision) { released = append(released, d) }
	c := must(m.Open(jpn, consult.OpenRequest{IncidentRef: incident, Rank: 1, Addressees: []string{"USA"},
		AssessmentRef: "x-kizuna-threshold-assessment--00000000-0000-4000-8000-000000000001"}))
	c = respond(t, m, c, "USA", usaPOC, kizuna.ConsultActionAssess, clk.t, func(r *kizuna.ConsultationResponse) {
		r.AssessmentRef = "x-kizuna-threshold-assessment--00000000-0000-4000-8000-000000000002"
	})
	propose := consult.Step{Action: kizuna.ConsultActionPropose, Actor: jpn, InputMarkingRefs: []string{secretRel, tlpAmber},
		Position: &kizuna.JointPositionDraft{Statement: "Public attribution statement.", LevelRank: 1, MarkingRefs: []string{tlpAmber}}}
	if _, err := m.Apply(c, propose); kizuna.ErrorCode(err) != kizuna.EFORBIDDEN || !strings.Contains(err.Error(), "release decision") {
		t.Fatalf("lower marking without release: %v", err)
	}
	propose.Position.Release = &kizuna.ReleaseDecision{Authority: "Cabinet Secretariat release authority", Rationale: "agreed public attribution"}
	p, err := m.Apply(c, propose)
	if err != nil {
		t.Fatal(err)
	}
	r := p.Position.Release
	if r == nil || r.DecidedByRef != jpnPOC || r.Principal != "principal--jp" || len(r.FromMarkingRefs) != 2 || r.ToMarkingRefs[0] != tlpAmber ||
		len(released) != 1 || released[0] != r {
		t.Fatalf("release %+v, hook %v", r, released)
	}
}

// TestConsultationRefusals covers who may do what, and when.
func TestConsultationRefusals(t *testing.T) {
	m, clk := setup(t)
	reader := consult.Actor{Nation: "JPN", OrgRef: jpnPOC}
	if _, err := m.Open(reader, consult.OpenRequest{IncidentRef: incident, Rank: 2, Addressees: []string{"USA"}}); kizuna.ErrorCode(err) != kizuna.EFORBIDDEN {
		t.Errorf("open by a non-POC: %v", err)
	}
	if _, err := m.Open(jpn, consult.OpenRequest{IncidentRef: incident, Rank: 2, Addressees: []string{"KOR"}}); kizuna.ErrorCode(err) != kizuna.EINVALID {
		t.Errorf("addressee without contacts: %v", err)
	}
	c := must(m.Open(jpn, consult.OpenRequest{IncidentRef: incident, Rank: 2, Addressees: []string{"USA"}}))
	aus := consult.Actor{Nation: "AUS", OrgRef: ausPOC, POC: true}
	usa := consult.Actor{Nation: "USA", OrgRef: usaPOC, POC: true}
	cases := []struct {
		name string
		step consult.Step
		code string
	}{
		{"a nation not party", consult.Step{Action: kizuna.ConsultActionAck, Actor: aus}, kizuna.EFORBIDDEN},
		{"endorse before a proposal", consult.Step{Action: kizuna.ConsultActionEndorse, Actor: usa}, kizuna.ECONFLICT},
		{"an ally proposes", consult.Step{Action: kizuna.ConsultActionPropose, Actor: usa}, kizuna.EFORBIDDEN},
		{"an ally closes", consult.Step{Action: kizuna.ConsultActionClose, Actor: usa, Statement: "x"}, kizuna.EFORBIDDEN},
		{"dated in the future", consult.Step{Action: kizuna.ConsultActionAck, Actor: usa, At: clk.t.Add(time.Hour)}, kizuna.EINVALID},
		{"a bad assessment ref", consult.Step{Action: kizuna.ConsultActionAssess, Actor: usa, AssessmentRef: "report--1"}, kizuna.EINVALID},
		{"an unknown act", consult.Step{Action: "veto", Actor: usa}, kizuna.EINVALID},
	}
	for _, tc := range cases {
		if _, err := m.Apply(c, tc.step); kizuna.ErrorCode(err) != tc.code {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
		}
	}
	if _, err := m.StepFromResponse(&kizuna.ConsultationResponse{Nation: "USA", CreatedByRef: ausPOC, Action: kizuna.ConsultActionAck}); kizuna.ErrorCode(err) != kizuna.EFORBIDDEN {
		t.Errorf("response from another nation's organisation: %v", err)
	}
	// A disagreement is recorded with its statement.
	c = respond(t, m, c, "USA", usaPOC, kizuna.ConsultActionAck, clk.t, nil)
	d := must(m.Apply(c, consult.Step{Action: kizuna.ConsultActionRecord, Actor: jpn, Statement: "Thresholds differ."}))
	if d.State != kizuna.ConsultDisagreement || d.Disagreements[0] != "JPN: Thresholds differ." {
		t.Errorf("disagreement %+v", d)
	}
}

// TestLoadRejects: a bad configuration names the file and path.
func TestLoadRejects(t *testing.T) {
	_, err := consult.Load([]byte(`{"version":"1","deadlines":[{"rank":1,"acknowledge":"2h","assess":"1h","review":"0s","grace":"1h"}],
		"contacts":{"Japan":{"poc":"x","second":"identity--a","operator":"identity--b"}}}`), "c.json")
	for _, w := range []string{"c.json: $.deadlines[0].review: must be a positive duration such as \"24h\", not \"0s\"", "c.json: $.deadlines[0].assess: must not come before",
		`c.json: $.contacts.Japan: "Japan" is not`, `c.json: $.contacts.Japan.poc: must be an identity id, not "x"`} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("err = %v\nlacks %q", err, w)
		}
	}
	if _, err := consult.Load([]byte(`{"version":"1","deadlines":[{"rank":1,"acknowledge":"soon"}]}`), "c.json"); err == nil || !strings.Contains(err.Error(), "c.json: $.deadlines[0].acknowledge: must be a positive duration such as \"24h\", not \"soon\"") {
		t.Errorf("bad duration: %v", err)
	}
}
