package kizuna

import "time"

// Defensive action kinds of the deconfliction registry. Each maps to a
// course of action of MISP's course-of-action taxonomy (passive: discover,
// detect; active: deny, disrupt, degrade, deceive, destroy) in the
// deconfliction configuration.
const (
	ActionMonitor        = "monitor"          // passive collection on the target
	ActionDiscover       = "discover"         // historical search for the target
	ActionBlock          = "block"            // deny traffic to or from the target
	ActionSinkhole       = "sinkhole"         // redirect the target's name or traffic
	ActionTakedown       = "takedown-request" // ask a registrar, host or court to remove the target
	ActionDisrupt        = "disrupt"          // act on the target's operation
	ActionDeceive        = "deceive"          // honeypot or redirection to learn more
	ActionVictimNotice   = "victim-notification"
	ActionPublicAdvisory = "public-advisory" // publish the target in an advisory
)

// Approval states of a registered action. Only proposed, approved and
// active actions are matched.
const (
	ActionDraft     = "draft"
	ActionProposed  = "proposed"
	ActionApproved  = "approved"
	ActionActive    = "active"
	ActionCompleted = "completed"
	ActionWithdrawn = "withdrawn"
)

// Target kinds a defensive action may name.
const (
	TargetIP     = "ip"     // an address or a CIDR range, IPv4 or IPv6
	TargetDomain = "domain" // a domain name; covers its subdomains
	TargetURL    = "url"
	TargetASN    = "asn"  // an autonomous system number
	TargetObject = "stix" // a STIX object id (infrastructure, malware, ...)
)

// DefensiveAction is one planned or active defensive action of a nation's
// organisation, registered for deconfliction.
type DefensiveAction struct {
	ID           string // "x-kizuna-defensive-action--UUID"
	Created      time.Time
	Modified     time.Time
	CreatedByRef string
	Name         string
	Kind         string // one of the Action* kinds
	// Category is the approved category of action, the authority tier of
	// MISP's approved-category-of-action taxonomy: 1 (CAT1, passive
	// collection) to 6 (CAT6, actions on adversary infrastructure).
	Category     int
	Targets      []ActionTarget
	Start, End   time.Time // the window; End after Start
	Nation       string    // owning nation
	Organization string    // owning organisation (identity id)
	State        string    // one of the Action* approval states
	// DeconflictWith names the nations whose registries the action may be
	// matched against through the pairwise exchange (hit/no-hit, no
	// details); none: local matching only.
	DeconflictWith []string
	MarkingRefs    []string
}

// ActionTarget is one target of a defensive action.
type ActionTarget struct {
	Kind  string `json:"kind"`  // one of the Target* kinds
	Value string `json:"value"` // "203.0.113.0/24", "evil.example", "AS64500", "infrastructure--…"
}

// DeconflictionNotice tells the owner of a defensive action that another
// registered action overlaps it in target and time and that a conflict
// rule fired. It is addressed to the two owners only.
type DeconflictionNotice struct {
	ID       string // "x-kizuna-deconfliction-notice--UUID"
	Created  time.Time
	Rule     string   // the first conflict rule that fired
	Rules    []string // every rule that fired
	Severity string   // the highest of theirs
	// ActionRef is the recipient's own action; Other describes the other
	// party's as far as the recipient may learn it.
	ActionRef      string
	Recipient      string // owning organisation of ActionRef
	OtherNation    string
	OtherOrg       string
	OtherActionRef string // set when the recipient may read the other action (local match)
	OtherKind      string
	OtherCategory  int
	Overlap        []string // the recipient's own targets that overlap
	WindowStart    time.Time
	WindowEnd      time.Time
	Agreement      string // the pairwise agreement a cross-node match ran under; "" when local
	MarkingRefs    []string
}
