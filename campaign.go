package kizuna

import "time"

// Reasons incidents are linked into a campaign.
const (
	LinkIndicator = "shared-indicator" // both cite the same indicator as evidence
	LinkActor     = "shared-actor"     // both name the same suspected actor
	LinkAnalyst   = "analyst"          // an analyst linked them
)

// CampaignLink is one reason two incidents belong together.
type CampaignLink struct {
	From   string `json:"from"`
	To     string `json:"to"`
	Reason string `json:"reason"`
	Ref    string `json:"ref,omitempty"` // the shared indicator or actor
}

// CampaignAssessment is the assessment of incidents linked across victims
// and nations, taken together (the STIX type
// x-kizuna-campaign-assessment). It is at least as restricted as every
// incident and answer it was derived from.
type CampaignAssessment struct {
	ID           string
	Created      time.Time
	Modified     time.Time
	CreatedByRef string
	MarkingRefs  []string
	CampaignRef  string // a STIX campaign, when an analyst named one
	IncidentRefs []string
	Links        []CampaignLink
	Nations      []string // affected, across the incidents
	FirstSeen    time.Time
	LastSeen     time.Time
	Results      []AssessmentResult
}
