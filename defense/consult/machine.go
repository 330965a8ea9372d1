package consult

import (
	"slices"
	"strings"
	"time"

	"github.com/kizuna-dev/kizuna"
)

// MaxSkew is how far in the future an act may be dated (clocks of allied
// nodes differ a little); anything later is refused.
const MaxSkew = 5 * time.Minute

// MarkingOrder judges markings. The node's access policy implements it.
type MarkingOrder interface {
	// AtLeastAsRestrictive reports whether an object with the position's
	// marking refs is readable by no one who may not read every input.
	AtLeastAsRestrictive(position, inputs []string) (bool, error)
}

// Machine applies transitions to consultations. It holds only
// configuration and is safe for concurrent use.
type Machine struct {
	cfg   *Config
	clock Clock
	// Markings judges a joint position's markings against its inputs'; nil
	// accepts only markings that include every input marking.
	Markings MarkingOrder
	// OnRelease, when set, is called with every accepted release decision
	// (the node records it in the audit log).
	OnRelease func(c *kizuna.Consultation, d *kizuna.ReleaseDecision)
}

// New returns a machine.
func New(cfg *Config, clock Clock) *Machine {
	if clock == nil {
		clock = SystemClock{}
	}
	return &Machine{cfg: cfg, clock: clock}
}

// Actor is who acts: a nation's point of contact, local or on an ally's
// node.
type Actor struct {
	Nation    string
	OrgRef    string // identity of the acting organisation
	Principal string // the local principal, when local
	POC       bool   // holds the point-of-contact role
}

// ActorOf returns the actor for a local principal.
func ActorOf(p *kizuna.Principal) Actor {
	return Actor{Nation: p.Nation, OrgRef: p.Organization, Principal: p.ID, POC: p.HasRole(kizuna.RolePOC)}
}

// OpenRequest opens a consultation.
type OpenRequest struct {
	ID          string // "" for a new id
	IncidentRef string
	// Rank is the level rank the opening nation's assessment reached.
	Rank          int
	Addressees    []string
	AssessmentRef string // the opening nation's assessment, if shared at once
	MarkingRefs   []string
	Statement     string
}

// Open opens a consultation. Errors: EFORBIDDEN (not a point of contact),
// EINVALID (no incident, no addressee, an addressee without configured
// contacts, no deadlines for the rank).
func (m *Machine) Open(a Actor, req OpenRequest) (*kizuna.Consultation, error) {
	if !a.POC {
		return nil, kizuna.Errorf(kizuna.EFORBIDDEN, "only a point of contact (role poc) opens a consultation")
	}
	if !strings.HasPrefix(req.IncidentRef, "incident--") {
		return nil, kizuna.Errorf(kizuna.EINVALID, "a consultation is opened on an incident, not %q", req.IncidentRef)
	}
	if len(req.Addressees) == 0 {
		return nil, kizuna.Errorf(kizuna.EINVALID, "a consultation needs at least one addressed nation")
	}
	dl, ok := m.cfg.deadlines(req.Rank)
	if !ok {
		return nil, kizuna.Errorf(kizuna.EINVALID, "no deadlines are configured for rank %d", req.Rank)
	}
	now := m.clock.Now().UTC()
	c := &kizuna.Consultation{
		ID: req.ID, Created: now, Modified: now, CreatedByRef: a.OrgRef, MarkingRefs: slices.Clone(req.MarkingRefs),
		IncidentRef: req.IncidentRef, Nation: a.Nation, State: kizuna.ConsultRequested, Rank: req.Rank, OpenedAt: now,
	}
	if c.ID == "" {
		c.ID = "x-kizuna-consultation--" + kizuna.NewUUID()
	}
	own := kizuna.Party{Nation: a.Nation, POCRef: a.OrgRef, Status: kizuna.ParticipantAcked, Deadline: now.Add(dl.Assess)}
	if ct, ok := m.cfg.Contacts[a.Nation]; ok {
		own.SecondRef, own.OperatorRef = ct.Second, ct.Operator
	}
	if req.AssessmentRef != "" {
		own.Status, own.AssessmentRef, own.Deadline = kizuna.ParticipantAssessed, req.AssessmentRef, time.Time{}
	}
	c.Parties = append(c.Parties, own)
	for _, n := range req.Addressees {
		ct, ok := m.cfg.Contacts[n]
		if !ok || n == a.Nation || slices.ContainsFunc(c.Parties, func(p kizuna.Party) bool { return p.Nation == n }) {
			return nil, kizuna.Errorf(kizuna.EINVALID, "%q cannot be addressed: it must be another nation with configured contacts, once", n)
		}
		c.Parties = append(c.Parties, kizuna.Party{Nation: n, POCRef: ct.POC, SecondRef: ct.Second, OperatorRef: ct.Operator,
			Status: kizuna.ParticipantRequested, Deadline: now.Add(dl.Acknowledge)})
	}
	c.Steps = []kizuna.ConsultStep{{Seq: 1, Action: kizuna.ConsultActionOpen, Nation: a.Nation, ActorRef: a.OrgRef,
		Principal: a.Principal, At: now, Ref: req.AssessmentRef, Statement: req.Statement, StateAfter: kizuna.ConsultRequested}}
	return c, nil
}

// Step is one act in a consultation.
type Step struct {
	Action        string // kizuna.ConsultAction*
	Actor         Actor
	At            time.Time // when the act was made; zero for now
	Ref           string    // the response object that carried it, if any
	AssessmentRef string
	LevelRank     *int
	Statement     string
	// Position and InputMarkingRefs go with propose-position: the
	// markings of the assessments the position was drawn from.
	Position         *kizuna.JointPositionDraft
	InputMarkingRefs []string
}

// StepFromResponse turns an ally's response object into a step. The
// response must come from the configured point of contact (or second
// contact) of its nation. Errors: EFORBIDDEN.
func (m *Machine) StepFromResponse(r *kizuna.ConsultationResponse) (Step, error) {
	ct, ok := m.cfg.Contacts[r.Nation]
	if !ok || (r.CreatedByRef != ct.POC && r.CreatedByRef != ct.Second) {
		return Step{}, kizuna.Errorf(kizuna.EFORBIDDEN, "%s is not a configured contact of %s", r.CreatedByRef, r.Nation)
	}
	switch r.Action {
	case kizuna.ConsultActionAck, kizuna.ConsultActionAssess, kizuna.ConsultActionEndorse, kizuna.ConsultActionDisagree:
	default:
		return Step{}, kizuna.Errorf(kizuna.EINVALID, "%s: an ally's response cannot %q", r.ID, r.Action)
	}
	return Step{Action: r.Action, Actor: Actor{Nation: r.Nation, OrgRef: r.CreatedByRef, POC: true}, At: r.Created,
		Ref: r.ID, AssessmentRef: r.AssessmentRef, LevelRank: r.LevelRank, Statement: r.Statement}, nil
}

// Apply applies a step and returns the next version; c is not changed.
// Errors: EFORBIDDEN (not a point of contact of a party, or an act only
// the opening nation may make), ECONFLICT (the act does not fit the
// state), EINVALID (missing or malformed content, a date in the future).
func (m *Machine) Apply(c *kizuna.Consultation, s Step) (*kizuna.Consultation, error) {
	now := m.clock.Now().UTC()
	at := s.At.UTC()
	if s.At.IsZero() {
		at = now
	}
	switch {
	case !s.Actor.POC:
		return nil, kizuna.Errorf(kizuna.EFORBIDDEN, "only a point of contact (role poc) acts in a consultation")
	case c.State == kizuna.ConsultClosed:
		return nil, kizuna.Errorf(kizuna.ECONFLICT, "consultation %s is closed", c.ID)
	case at.After(now.Add(MaxSkew)):
		return nil, kizuna.Errorf(kizuna.EINVALID, "the act is dated %s, in the future", at.Format(time.RFC3339))
	case at.Before(c.OpenedAt):
		return nil, kizuna.Errorf(kizuna.EINVALID, "the act is dated before the consultation was opened")
	}
	n := clone(c)
	i := slices.IndexFunc(n.Parties, func(p kizuna.Party) bool { return p.Nation == s.Actor.Nation })
	if i < 0 {
		return nil, kizuna.Errorf(kizuna.EFORBIDDEN, "%s is not a party to consultation %s", s.Actor.Nation, c.ID)
	}
	opener := i == 0
	dl, _ := m.cfg.deadlines(c.Rank)
	p := &n.Parties[i]
	before := n.State
	ref := s.Ref
	var err error
	switch s.Action {
	case kizuna.ConsultActionAck:
		err = acknowledge(n, p, opener, dl)
	case kizuna.ConsultActionAssess:
		if ref == "" {
			ref = s.AssessmentRef
		}
		err = share(n, p, s)
	case kizuna.ConsultActionPropose:
		err = m.propose(n, s, opener, at, dl)
	case kizuna.ConsultActionEndorse, kizuna.ConsultActionDisagree:
		err = answer(n, p, s, opener)
	case kizuna.ConsultActionRecord:
		err = recordDisagreement(n, s, opener)
	case kizuna.ConsultActionClose:
		err = closeIt(n, s, opener)
	default:
		err = kizuna.Errorf(kizuna.EINVALID, "%q is not a consultation act", s.Action)
	}
	if err != nil {
		return nil, err
	}
	n.Steps = append(n.Steps, kizuna.ConsultStep{Seq: len(n.Steps) + 1, Action: s.Action, Nation: s.Actor.Nation,
		ActorRef: s.Actor.OrgRef, Principal: s.Actor.Principal, At: at, Ref: ref, Statement: s.Statement,
		StateBefore: before, StateAfter: n.State})
	n.Modified = nextVersion(c.Modified, now)
	if s.Action == kizuna.ConsultActionPropose && n.Position.Release != nil && m.OnRelease != nil {
		m.OnRelease(n, n.Position.Release)
	}
	return n, nil
}

// nextVersion returns the version after prev: now, or a millisecond after prev
// when the clock has not moved on, so that versions strictly increase.
func nextVersion(prev, now time.Time) time.Time {
	if now.After(prev.Add(time.Millisecond - 1)) {
		return now
	}
	return prev.Add(time.Millisecond)
}

func clone(c *kizuna.Consultation) *kizuna.Consultation {
	n := *c
	n.MarkingRefs = slices.Clone(c.MarkingRefs)
	n.Parties = slices.Clone(c.Parties)
	n.Steps = slices.Clone(c.Steps)
	n.Escalations = slices.Clone(c.Escalations)
	n.Disagreements = slices.Clone(c.Disagreements)
	if c.Position != nil {
		pos := *c.Position
		n.Position = &pos
	}
	return &n
}
