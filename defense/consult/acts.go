package consult

import (
	"slices"
	"strings"
	"time"

	"github.com/kizuna-dev/kizuna"
)

// The acts of a consultation, each changing the next version in place.

func acknowledge(c *kizuna.Consultation, p *kizuna.Party, opener bool, dl Deadlines) error {
	if opener || p.Status != kizuna.ParticipantRequested {
		return kizuna.Errorf(kizuna.ECONFLICT, "%s has nothing to acknowledge (it is %s)", p.Nation, p.Status)
	}
	p.Status, p.Deadline, p.Escalation = kizuna.ParticipantAcked, c.OpenedAt.Add(dl.Assess), 0
	if c.State == kizuna.ConsultRequested && all(c, kizuna.ParticipantAcked, kizuna.ParticipantAssessed) {
		c.State = kizuna.ConsultAcknowledged
	}
	return nil
}

func share(c *kizuna.Consultation, p *kizuna.Party, s Step) error {
	if p.Status != kizuna.ParticipantRequested && p.Status != kizuna.ParticipantAcked {
		return kizuna.Errorf(kizuna.ECONFLICT, "%s cannot share an assessment now (it is %s)", p.Nation, p.Status)
	}
	if !strings.HasPrefix(s.AssessmentRef, "x-kizuna-threshold-assessment--") {
		return kizuna.Errorf(kizuna.EINVALID, "an assessment is shared by its x-kizuna-threshold-assessment id, not %q", s.AssessmentRef)
	}
	p.Status, p.AssessmentRef, p.LevelRank, p.Deadline, p.Escalation = kizuna.ParticipantAssessed, s.AssessmentRef, s.LevelRank, time.Time{}, 0
	if all(c, kizuna.ParticipantAssessed) {
		c.State = kizuna.ConsultAssessed
	} else if c.State == kizuna.ConsultRequested && all(c, kizuna.ParticipantAcked, kizuna.ParticipantAssessed) {
		c.State = kizuna.ConsultAcknowledged
	}
	return nil
}

// all reports whether every party is in one of the statuses.
func all(c *kizuna.Consultation, statuses ...string) bool {
	for _, p := range c.Parties {
		if !slices.Contains(statuses, p.Status) {
			return false
		}
	}
	return true
}

func (m *Machine) propose(c *kizuna.Consultation, s Step, opener bool, at time.Time, dl Deadlines) error {
	switch {
	case !opener:
		return kizuna.Errorf(kizuna.EFORBIDDEN, "only the opening nation (%s) proposes the joint position", c.Nation)
	case c.State != kizuna.ConsultAssessed:
		return kizuna.Errorf(kizuna.ECONFLICT, "a joint position is proposed once every party has shared its assessment (the consultation is %s)", c.State)
	case s.Position == nil || strings.TrimSpace(s.Position.Statement) == "":
		return kizuna.Errorf(kizuna.EINVALID, "a joint position needs a statement")
	}
	pos := *s.Position
	pos.MarkingRefs, pos.InputRefs = slices.Clone(pos.MarkingRefs), slices.Clone(pos.InputRefs)
	ok, err := m.restrictive(pos.MarkingRefs, s.InputMarkingRefs)
	if err != nil {
		return err
	}
	if ok {
		pos.Release = nil
	} else {
		r := pos.Release
		if r == nil || strings.TrimSpace(r.Rationale) == "" || strings.TrimSpace(r.Authority) == "" {
			return kizuna.Errorf(kizuna.EFORBIDDEN, "the position's markings are lower than those of its inputs: that needs a release decision with an authority and a rationale")
		}
		rel := *r
		rel.DecidedByRef, rel.Principal, rel.At = s.Actor.OrgRef, s.Actor.Principal, at
		rel.FromMarkingRefs, rel.ToMarkingRefs = slices.Clone(s.InputMarkingRefs), slices.Clone(pos.MarkingRefs)
		pos.Release = &rel
	}
	c.Position, c.ProposedAt, c.State = &pos, at, kizuna.ConsultProposed
	for i := range c.Parties {
		p := &c.Parties[i]
		if i == 0 {
			p.Status, p.Deadline = kizuna.ParticipantEndorsed, time.Time{}
			continue
		}
		p.Status, p.Deadline, p.Escalation, p.Statement = kizuna.ParticipantReviewing, at.Add(dl.Review), 0, ""
	}
	return nil
}

// restrictive reports whether position markings are at least as
// restrictive as the inputs'.
func (m *Machine) restrictive(position, inputs []string) (bool, error) {
	if m.Markings != nil {
		return m.Markings.AtLeastAsRestrictive(position, inputs)
	}
	for _, in := range inputs {
		if !slices.Contains(position, in) {
			return false, nil
		}
	}
	return true, nil
}

func answer(c *kizuna.Consultation, p *kizuna.Party, s Step, opener bool) error {
	if opener || p.Status != kizuna.ParticipantReviewing {
		return kizuna.Errorf(kizuna.ECONFLICT, "%s has no proposed position to answer (it is %s)", p.Nation, p.Status)
	}
	if s.Action == kizuna.ConsultActionDisagree && strings.TrimSpace(s.Statement) == "" {
		return kizuna.Errorf(kizuna.EINVALID, "a disagreement needs a statement")
	}
	p.Status, p.Statement, p.Deadline, p.Escalation = kizuna.ParticipantEndorsed, s.Statement, time.Time{}, 0
	if s.Action == kizuna.ConsultActionDisagree {
		p.Status = kizuna.ParticipantDisagreed
	}
	if slices.ContainsFunc(c.Parties, func(x kizuna.Party) bool { return x.Status == kizuna.ParticipantReviewing }) {
		return nil
	}
	if all(c, kizuna.ParticipantEndorsed) {
		c.State = kizuna.ConsultJointPosition
		c.PositionRef = "x-kizuna-joint-position--" + kizuna.NewUUID()
		return nil
	}
	c.State = kizuna.ConsultDisagreement
	for _, x := range c.Parties {
		if x.Status == kizuna.ParticipantDisagreed {
			c.Disagreements = append(c.Disagreements, x.Nation+": "+x.Statement)
		}
	}
	return nil
}

func recordDisagreement(c *kizuna.Consultation, s Step, opener bool) error {
	switch {
	case !opener:
		return kizuna.Errorf(kizuna.EFORBIDDEN, "only the opening nation (%s) records a disagreement", c.Nation)
	case c.State != kizuna.ConsultAcknowledged && c.State != kizuna.ConsultAssessed && c.State != kizuna.ConsultProposed:
		return kizuna.Errorf(kizuna.ECONFLICT, "a disagreement is recorded after the allies acknowledged (the consultation is %s)", c.State)
	case strings.TrimSpace(s.Statement) == "":
		return kizuna.Errorf(kizuna.EINVALID, "a recorded disagreement needs a statement")
	}
	c.State = kizuna.ConsultDisagreement
	c.Disagreements = append(c.Disagreements, c.Nation+": "+s.Statement)
	clearDeadlines(c)
	return nil
}

func closeIt(c *kizuna.Consultation, s Step, opener bool) error {
	if !opener {
		return kizuna.Errorf(kizuna.EFORBIDDEN, "only the opening nation (%s) closes the consultation", c.Nation)
	}
	if strings.TrimSpace(s.Statement) == "" {
		return kizuna.Errorf(kizuna.EINVALID, "closing needs a reason")
	}
	c.State, c.ClosedReason = kizuna.ConsultClosed, s.Statement
	clearDeadlines(c)
	return nil
}

func clearDeadlines(c *kizuna.Consultation) {
	for i := range c.Parties {
		c.Parties[i].Deadline = time.Time{}
	}
}
