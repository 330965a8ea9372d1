package kizuna

import "time"

// Consultation states, in the order a consultation passes through them.
const (
	ConsultRequested      = "requested"          // opened; waiting for the allies to acknowledge
	ConsultAcknowledged   = "acknowledged"       // every ally acknowledged; waiting for assessments
	ConsultAssessed       = "assessments-shared" // every party shared its assessment
	ConsultProposed       = "position-proposed"  // a joint position awaits the allies' answers
	ConsultJointPosition  = "joint-position"     // every party endorsed the position
	ConsultDisagreement   = "disagreement"       // the disagreement is recorded
	ConsultClosed         = "closed"
	ParticipantRequested  = "requested"
	ParticipantAcked      = "acknowledged"
	ParticipantAssessed   = "assessed"
	ParticipantReviewing  = "reviewing"
	ParticipantEndorsed   = "endorsed"
	ParticipantDisagreed  = "disagreed"
	EscalationSecond      = 1 // the nation's second point of contact was alerted
	EscalationOperator    = 2 // the operator of the nation's node was alerted
	ConsultActionOpen     = "open"
	ConsultActionAck      = "acknowledge"
	ConsultActionAssess   = "share-assessment"
	ConsultActionPropose  = "propose-position"
	ConsultActionEndorse  = "endorse"
	ConsultActionDisagree = "disagree"
	ConsultActionRecord   = "record-disagreement"
	ConsultActionClose    = "close"
	ConsultActionEscalate = "escalate"
)

// Consultation is a government-to-government consultation on an incident
// (the STIX type x-kizuna-consultation). The opening nation's organisation
// owns it; every transition is a new version, so that it federates to the
// allies' nodes and the audit log shows each step.
type Consultation struct {
	ID           string
	Created      time.Time
	Modified     time.Time
	CreatedByRef string
	MarkingRefs  []string

	IncidentRef string
	Nation      string // the opening nation
	State       string
	// Rank is the level rank the opening nation's assessment reached; it
	// selects the deadlines.
	Rank          int
	OpenedAt      time.Time
	Parties       []Party // the opening nation first, then the addressees
	Steps         []ConsultStep
	Escalations   []Escalation
	ProposedAt    time.Time
	Position      *JointPositionDraft
	PositionRef   string // the x-kizuna-joint-position, once agreed
	Disagreements []string
	ClosedReason  string
}

// Party is one nation in a consultation: its contacts, where it stands and
// the deadline of what it owes next.
type Party struct {
	Nation      string `json:"nation"`
	POCRef      string `json:"poc_ref"`                // identity of the point of contact
	SecondRef   string `json:"second_ref,omitempty"`   // identity of the second contact
	OperatorRef string `json:"operator_ref,omitempty"` // identity of the node's operator
	Status      string `json:"status"`
	// Deadline is when what the party owes next is due; zero when it owes
	// nothing.
	Deadline      time.Time `json:"deadline,omitzero"`
	Escalation    int       `json:"escalation,omitempty"` // of the current duty
	AssessmentRef string    `json:"assessment_ref,omitempty"`
	LevelRank     *int      `json:"level_rank,omitempty"` // from the shared assessment
	Statement     string    `json:"statement,omitempty"`
}

// ConsultStep is one recorded transition.
type ConsultStep struct {
	Seq         int       `json:"seq"`
	Action      string    `json:"act"`
	Nation      string    `json:"nation"`
	ActorRef    string    `json:"actor_ref"` // the acting organisation's identity
	Principal   string    `json:"principal,omitempty"`
	At          time.Time `json:"at"`
	Ref         string    `json:"ref,omitempty"` // the response, assessment or position it carried
	Statement   string    `json:"statement,omitempty"`
	StateBefore string    `json:"state_before"`
	StateAfter  string    `json:"state_after"`
}

// Escalation records a missed deadline and whom it alerted.
type Escalation struct {
	Nation     string    `json:"nation"`
	Duty       string    `json:"duty"` // acknowledge, assess, review
	Level      int       `json:"level"`
	ContactRef string    `json:"contact_ref"`
	Missed     time.Time `json:"missed"` // the deadline that passed
	At         time.Time `json:"at"`
	// NewDeadline is the deadline given after the alert.
	NewDeadline time.Time `json:"new_deadline"`
}

// JointPositionDraft is the position the opening nation proposes.
type JointPositionDraft struct {
	Statement   string           `json:"statement"`
	LevelRank   int              `json:"level_rank"`
	MarkingRefs []string         `json:"marking_refs"`
	InputRefs   []string         `json:"input_refs"`
	Release     *ReleaseDecision `json:"release,omitempty"`
}

// ReleaseDecision records that an authority released a position at a
// marking lower than that of its inputs. Without one, a position carries
// at least its inputs' markings.
type ReleaseDecision struct {
	DecidedByRef    string    `json:"decided_by_ref"` // identity of the releasing authority's organisation
	Principal       string    `json:"principal"`
	Authority       string    `json:"authority"` // the office or instrument that allows the release
	Rationale       string    `json:"rationale"`
	At              time.Time `json:"at"`
	FromMarkingRefs []string  `json:"from_marking_refs"`
	ToMarkingRefs   []string  `json:"to_marking_refs"`
}

// ConsultationResponse is an ally's act in a consultation it does not own
// (the STIX type x-kizuna-consultation-response): only the owner versions
// the consultation, so an ally's acknowledgement, assessment or answer to
// a position travels as an object of its own, which the owner's node
// applies.
type ConsultationResponse struct {
	ID              string
	Created         time.Time
	Modified        time.Time
	CreatedByRef    string
	MarkingRefs     []string
	ConsultationRef string
	Nation          string
	Action          string // acknowledge, share-assessment, endorse, disagree
	AssessmentRef   string
	LevelRank       *int
	Statement       string
}

// JointPosition is an agreed position (the STIX type
// x-kizuna-joint-position). It carries its own markings, lower than those
// of its inputs only with a Release decision.
type JointPosition struct {
	ID              string
	Created         time.Time
	Modified        time.Time
	CreatedByRef    string
	MarkingRefs     []string
	ConsultationRef string
	IncidentRef     string
	Statement       string
	LevelRank       int
	Nations         []string
	InputRefs       []string
	Release         *ReleaseDecision
}
