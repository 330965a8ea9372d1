package defense_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/defense"
	"github.com/kizuna-dev/kizuna/defense/consult"
)

type stepClock struct{ t time.Time }

func (c *stepClock) Now() time.Time { return c.t }

// workedExample runs the worked example of docs/collective-defense.md and
// writes what the engine concludes.
func workedExample(w io.Writer) error {
	e, err := defense.LoadDefaults()
	if err != nil {
		return err
	}
	inc, impacts := portAttack()
	f := e.Facts(inc, impacts)
	fmt.Fprintf(w, "incident: %s\n", inc.Name)
	fmt.Fprintf(w, "facts: functional_impact %s (current availability impact %d), physical_damage %s, injuries %d\n",
		f.FunctionalImpact, f.MaxAvailabilityImpact, f.PhysicalDamage, f.Injuries)
	fmt.Fprintf(w, "       external_impacts %s; sectors %s; military_dependent_nations %s\n",
		strings.Join(f.ExternalImpacts, ", "), strings.Join(f.Sectors, ", "), strings.Join(f.MilitaryDependentNations, ", "))
	d := e.Divergence(f, portAnswers())
	for _, o := range d.Outcomes {
		if o.Result == nil {
			fmt.Fprintf(w, "%s: no result: %s\n", o.Nation, o.Error)
			continue
		}
		r := o.Result
		fmt.Fprintf(w, "\n%s  severity %.2f (%s, level %d) under %s %s\n", r.Nation, r.Severity.Score, r.Severity.LevelName,
			r.Severity.Level, r.Severity.Model, r.Severity.ModelVersion)
		fmt.Fprintf(w, "     level %d %q (policy %s %s)\n", r.Level.Rank, r.Level.Name, r.Policy.Nation, r.Policy.Version)
		fmt.Fprintf(w, "     rules fired: %s\n", strings.Join(r.RulesFired, ", "))
		fmt.Fprintf(w, "     deciding rules: %s; deciding factors: %s\n", orNone(r.DecidingRules), orNone(r.DecidingFactors))
	}
	for _, p := range d.Pairs {
		fmt.Fprintf(w, "\ndivergence %s / %s (cause: %s)\n", p.A, p.B, p.Cause)
		for _, x := range p.Differing {
			fmt.Fprintf(w, "  %-20s %s: %-16s %s: %s\n", x.Input, p.A, x.A, p.B, x.B)
		}
		for _, s := range p.Summary {
			fmt.Fprintf(w, "  %s\n", s)
		}
	}

	// Japan's point of contact opens a consultation at Japan's level;
	// Australia's acknowledgement is late and escalates.
	data, err := defense.Defaults.ReadFile("defaults/consultation.json")
	if err != nil {
		return err
	}
	cfg, err := consult.Load(data, "consultation.json")
	if err != nil {
		return err
	}
	clk := &stepClock{t: time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)}
	m := consult.New(cfg, clk)
	jp := consult.Actor{Nation: "JPN", OrgRef: jpnPOC, POC: true}
	c, err := m.Open(jp, consult.OpenRequest{ID: "x-kizuna-consultation--7d1e2f30-4152-4637-8849-5a6b7c8d9e0f", IncidentRef: inc.ID,
		Rank: 1, Addressees: []string{"USA", "AUS"}, AssessmentRef: "x-kizuna-threshold-assessment--00000000-0000-4000-8000-0000000000a1"})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nconsultation %s, rank %d\n", c.ID, c.Rank)
	respond := func(nation, by, act, assessment string, rank *int, statement string) error {
		s, err := m.StepFromResponse(&kizuna.ConsultationResponse{ID: "x-kizuna-consultation-response--" + kizuna.NewUUID(),
			Created: clk.t, CreatedByRef: by, ConsultationRef: c.ID, Nation: nation, Action: act, AssessmentRef: assessment,
			LevelRank: rank, Statement: statement})
		if err == nil {
			c, err = m.Apply(c, s)
		}
		return err
	}
	tick := func() { c, _ = m.Tick(c) }
	two, one := 2, 1
	clk.t = clk.t.Add(25 * time.Minute)
	if err := respond("USA", usaPOC, kizuna.ConsultActionAck, "", nil, ""); err != nil {
		return err
	}
	clk.t = clk.t.Add(4 * time.Hour)
	tick()
	clk.t = clk.t.Add(40 * time.Minute)
	if err := respond("AUS", "identity--a3000000-0000-4000-8000-000000000013", kizuna.ConsultActionAck, "", nil, ""); err != nil {
		return err
	}
	clk.t = clk.t.Add(2 * time.Hour)
	if err := respond("USA", usaPOC, kizuna.ConsultActionAssess, "x-kizuna-threshold-assessment--00000000-0000-4000-8000-0000000000a2", &two, ""); err != nil {
		return err
	}
	if err := respond("AUS", ausPOC, kizuna.ConsultActionAssess, "x-kizuna-threshold-assessment--00000000-0000-4000-8000-0000000000a3", &one, ""); err != nil {
		return err
	}
	clk.t = clk.t.Add(time.Hour)
	c, err = m.Apply(c, consult.Step{Action: kizuna.ConsultActionPropose, Actor: jp,
		Position: &kizuna.JointPositionDraft{Statement: "The allies assess a use of force against Japan and continue consultations.", LevelRank: 1}})
	if err != nil {
		return err
	}
	clk.t = clk.t.Add(30 * time.Minute)
	if err := respond("AUS", ausPOC, kizuna.ConsultActionEndorse, "", nil, ""); err != nil {
		return err
	}
	if err := respond("USA", usaPOC, kizuna.ConsultActionDisagree, "", nil, "The United States assesses a possible armed attack."); err != nil {
		return err
	}
	for _, s := range c.Steps {
		fmt.Fprintf(w, "  %s  %-3s %-19s %-18s -> %s\n", s.At.Format("01-02 15:04"), s.Nation, s.Action, s.StateBefore, s.StateAfter)
	}
	for _, x := range c.Escalations {
		fmt.Fprintf(w, "  escalation: %s missed %s at %s; alerted %s (level %d); new deadline %s\n", x.Nation, x.Duty,
			x.Missed.Format("15:04"), x.ContactRef, x.Level, x.NewDeadline.Format("15:04"))
	}
	fmt.Fprintf(w, "  state %s; recorded: %s\n", c.State, strings.Join(c.Disagreements, "; "))
	return nil
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

// TestDocsShowTheWorkedExample: docs/collective-defense.md shows the output
// the engine gives on the worked example, verbatim.
func TestDocsShowTheWorkedExample(t *testing.T) {
	var b bytes.Buffer
	if err := workedExample(&b); err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile("../docs/collective-defense.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc), b.String()) {
		t.Errorf("docs/collective-defense.md does not show the worked example's output; it is now:\n%s", b.String())
	}
}
