package consult

import (
	"time"

	"github.com/kizuna-dev/kizuna"
)

// duty names what a party in a status owes.
func duty(status string) string {
	switch status {
	case kizuna.ParticipantRequested:
		return "acknowledge"
	case kizuna.ParticipantAcked:
		return "assess"
	case kizuna.ParticipantReviewing:
		return "review"
	}
	return ""
}

// Tick escalates the deadlines that have passed: the first miss of a duty
// alerts the nation's second contact and gives it the configured grace;
// the next alerts the operator of its node. changed is false, and next is
// c itself, when nothing was due.
func (m *Machine) Tick(c *kizuna.Consultation) (next *kizuna.Consultation, changed bool) {
	if c.State == kizuna.ConsultClosed {
		return c, false
	}
	now := m.clock.Now().UTC()
	dl, _ := m.cfg.deadlines(c.Rank)
	n := clone(c)
	for i := range n.Parties {
		p := &n.Parties[i]
		for !p.Deadline.IsZero() && !now.Before(p.Deadline) && p.Escalation < kizuna.EscalationOperator && duty(p.Status) != "" {
			e := kizuna.Escalation{Nation: p.Nation, Duty: duty(p.Status), Missed: p.Deadline, At: now,
				NewDeadline: p.Deadline.Add(dl.Grace)}
			if p.Escalation == 0 && p.SecondRef != "" {
				e.Level, e.ContactRef = kizuna.EscalationSecond, p.SecondRef
			} else {
				e.Level, e.ContactRef = kizuna.EscalationOperator, p.OperatorRef
			}
			p.Escalation, p.Deadline = e.Level, e.NewDeadline
			n.Escalations = append(n.Escalations, e)
			n.Steps = append(n.Steps, kizuna.ConsultStep{Seq: len(n.Steps) + 1, Action: kizuna.ConsultActionEscalate,
				Nation: p.Nation, ActorRef: e.ContactRef, At: now, StateBefore: n.State, StateAfter: n.State,
				Statement: e.Duty + " deadline missed; alerted " + escalationName(e.Level)})
			changed = true
		}
	}
	if !changed {
		return c, false
	}
	n.Modified = nextVersion(c.Modified, now)
	return n, true
}

func escalationName(level int) string {
	if level == kizuna.EscalationSecond {
		return "the second point of contact"
	}
	return "the node operator"
}

// NextDeadline returns the earliest pending deadline that a Tick at or
// after it would act on, so that the node can schedule the next Tick.
func NextDeadline(c *kizuna.Consultation) (time.Time, bool) {
	var t time.Time
	if c.State == kizuna.ConsultClosed {
		return t, false
	}
	for _, p := range c.Parties {
		if p.Deadline.IsZero() || p.Escalation >= kizuna.EscalationOperator || duty(p.Status) == "" {
			continue
		}
		if t.IsZero() || p.Deadline.Before(t) {
			t = p.Deadline
		}
	}
	return t, !t.IsZero()
}

// JointPosition builds the joint-position object of a consultation that
// reached one; nil otherwise. Its markings are the position's own, which
// are lower than its inputs' only with the recorded release decision.
func JointPosition(c *kizuna.Consultation) *kizuna.JointPosition {
	if c.PositionRef == "" || c.Position == nil {
		return nil
	}
	jp := &kizuna.JointPosition{ID: c.PositionRef, Created: c.Modified, Modified: c.Modified, CreatedByRef: c.CreatedByRef,
		MarkingRefs: c.Position.MarkingRefs, ConsultationRef: c.ID, IncidentRef: c.IncidentRef,
		Statement: c.Position.Statement, LevelRank: c.Position.LevelRank, InputRefs: c.Position.InputRefs, Release: c.Position.Release}
	for _, p := range c.Parties {
		jp.Nations = append(jp.Nations, p.Nation)
	}
	return jp
}
