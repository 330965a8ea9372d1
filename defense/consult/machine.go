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
