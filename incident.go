package kizuna

import "time"

// Extension-definition ids of the OASIS Incident Extension Suite (incident
// core 2.0), which kizuna reads and writes as published.
const (
	ExtIncidentCore = "extension-definition--ef765651-680c-498d-9894-99799f2fa126" // property-extension of incident
	ExtIncidentImp  = "extension-definition--7cc33dd6-f6a1-489b-98ea-522d351d71b9" // new-sdo impact
	ExtIncidentEvt  = "extension-definition--4ca6de00-5b0d-45ef-a1dc-ea7279ea910e" // new-sdo event
	ExtIncidentTask = "extension-definition--2074a052-8be4-4932-849e-f5e7798e0030" // new-sdo task
)

// Incident is a STIX 2.1 incident as the collective-defense engine reads
// it: the envelope, the properties of the OASIS incident-core extension and
// the facts of kizuna's alliance extension.
type Incident struct {
	ID           string
	Name         string
	Description  string
	Created      time.Time
	Modified     time.Time
	CreatedByRef string
	MarkingRefs  []string

	// OASIS incident-core extension.
	Determination       string   // incident-determination-enum: confirmed, suspected, ...
	InvestigationStatus string   // incident-investigation-ov: new, open, closed
	Criticality         *int     // 0..100
	Recoverability      string   // recoverability-enum
	IncidentTypes       []string // event-type-ov
	DetectionMethods    []string
	ImpactRefs          []string // impact objects
	EventRefs           []string // event objects, from the events list
	TaskRefs            []string // task objects, from the tasks list

	// Alliance holds kizuna's alliance extension; nil when the incident
	// has none.
	Alliance *AllianceFacts
}

// AllianceFacts is what an alliance needs to know of an incident and STIX
// lacks: kizuna's property extension of incident. The JSON names are those
// of the extension.
type AllianceFacts struct {
	// AffectedNations are ISO 3166-1 alpha-3 codes of the nations whose
	// territory, organisations or forces were affected.
	AffectedNations []string `json:"affected_nations"`
	// Sectors are the national critical-infrastructure sector ids of the
	// affected entities ("jp.ports", "us.transportation").
	Sectors []string `json:"sectors,omitempty"`
	// DependentSectors are sector ids whose services depend on the
	// affected entities.
	DependentSectors []string `json:"dependent_sectors,omitempty"`
	// Dependencies name the nations and functions that depend on the
	// affected entities, such as an allied base supplied through a port.
	Dependencies []Dependency `json:"dependencies,omitempty"`

	FunctionalImpact      string `json:"functional_impact,omitempty"`      // FunctionalImpacts
	InformationImpact     string `json:"information_impact,omitempty"`     // InformationImpacts
	ObservedActivity      string `json:"observed_activity,omitempty"`      // ObservedActivities
	ActivityLocation      string `json:"activity_location,omitempty"`      // ActivityLocations
	ActorCharacterization string `json:"actor_characterization,omitempty"` // ActorCharacterizations
	PotentialImpact       string `json:"potential_impact,omitempty"`       // PotentialImpacts
	// PhysicalDamage uses the OASIS physical-impact-enum: none,
	// damaged-functional, damaged-nonfunctional, destruction, unknown.
	PhysicalDamage string `json:"physical_damage,omitempty"`

	Deaths        int     `json:"deaths,omitempty"`
	Injuries      int     `json:"injuries,omitempty"`
	DurationHours float64 `json:"duration_hours,omitempty"`

	MilitaryTargets   bool `json:"military_targets,omitempty"`
	GovernmentTargets bool `json:"government_targets,omitempty"`

	// SuspectedActorRef is a threat-actor or intrusion-set id;
	// SuspectedState the ISO code of a state suspected to be behind it;
	// AttributionConfidence the STIX confidence (0..100) of either.
	SuspectedActorRef     string `json:"suspected_actor_ref,omitempty"`
	SuspectedState        string `json:"suspected_state,omitempty"`
	AttributionConfidence *int   `json:"attribution_confidence,omitempty"`

	// EvidenceRefs are the indicators, sightings, observed-data, malware
	// and reports that evidence the incident.
	EvidenceRefs []string `json:"evidence_refs,omitempty"`
	// LinkedIncidentRefs are incidents an analyst judged to belong with
	// this one (a campaign link).
	LinkedIncidentRefs []string `json:"linked_incident_refs,omitempty"`
}

// Dependency is a nation's function that depends on an affected entity.
type Dependency struct {
	Nation      string `json:"nation"`
	Kind        string `json:"kind"` // DependencyKinds
	Sector      string `json:"sector,omitempty"`
	Description string `json:"description,omitempty"`
}

// Vocabularies of the alliance extension. The NCISS-derived ones name the
// options of the Federal Incident Notification Guidelines and of CISA's
// NCISS in kizuna's slug form.
var (
	FunctionalImpacts = []string{"no-impact", "no-impact-to-services", "minimal-non-critical",
		"minimal-critical", "significant-non-critical", "denial-non-critical",
		"significant-critical", "denial-critical"}
	InformationImpacts = []string{"no-impact", "suspected", "privacy-breach", "proprietary-breach",
		"destruction-non-critical", "critical-data-breach", "core-credential-compromise",
		"destruction-critical"}
	ObservedActivities = []string{"none", "prepare", "engage", "presence", "effect"}
	ActivityLocations  = []string{"unsuccessful", "business-dmz", "business-network",
		"business-network-management", "critical-system-dmz", "critical-system-management",
		"critical-systems", "safety-systems", "unknown"}
	ActorCharacterizations = []string{"hacktivist", "unwitting-insider", "criminal", "unknown",
		"witting-insider", "apt", "apt-targeted"}
	PotentialImpacts = []string{"minimal", "low", "moderate", "high", "severe"}
	PhysicalDamages  = []string{"none", "damaged-functional", "damaged-nonfunctional", "destruction", "unknown"}
	DependencyKinds  = []string{"military", "government", "economic", "civil"}
)

// Impact is an OASIS incident-core impact object: one category of harm of
// an incident over a period, superseded by a newer impact when it changes.
type Impact struct {
	ID              string
	Created         time.Time
	Modified        time.Time
	CreatedByRef    string
	MarkingRefs     []string
	Category        string // availability, confidentiality, external, integrity, monetary, physical, traceability
	Criticality     *int
	Description     string
	Start, End      time.Time
	Recoverability  string
	SupersededByRef string
	ImpactedRefs    []string
	EntityCounts    map[string]int

	// The properties of the category's extension; only those of Category
	// are meaningful.
	Availability    int     // availability: availability_impact, 0..100
	ImpactType      string  // external: external-impact-ov; physical: physical-impact-enum
	AssetType       string  // physical: asset-type-ov
	InformationType string  // confidentiality, integrity: information-type-ov
	LossType        string  // confidentiality: incident-confidentiality-loss-enum
	Alteration      string  // integrity: integrity-alteration-enum
	Variety         string  // monetary: monetary-impact-type-ov
	Currency        string  // monetary
	MinAmount       float64 // monetary
	MaxAmount       float64 // monetary
	Traceability    string  // traceability: traceability-enum
}

// ImpactCategories are the impact extensions the incident suite defines.
var ImpactCategories = []string{"availability", "confidentiality", "external", "integrity",
	"monetary", "physical", "traceability"}

// IncidentFacts is the view of an incident and its current impacts that
// scoring models and threshold policies read. It is derived, never
// stored: it changes whenever the incident or an impact does. Its JSON
// names are those policies read (incident.<name>).
type IncidentFacts struct {
	IncidentID          string `json:"incident_id"`
	Determination       string `json:"determination"`
	InvestigationStatus string `json:"investigation_status"`
	Criticality         int    `json:"criticality"` // 0 when the incident has none

	AffectedNations []string `json:"affected_nations"`
	// Sectors are the reported sector ids and their crosswalk equivalents
	// in the other nations' lists; ReportedSectors only the reported.
	Sectors          []string `json:"sectors"`
	ReportedSectors  []string `json:"reported_sectors"`
	DependentSectors []string `json:"dependent_sectors"` // with crosswalk equivalents

	DependentNations         []string `json:"dependent_nations"`
	MilitaryDependentNations []string `json:"military_dependent_nations"`

	FunctionalImpact      string   `json:"functional_impact"`
	InformationImpact     string   `json:"information_impact"`
	ObservedActivity      string   `json:"observed_activity"`
	ActivityLocation      string   `json:"activity_location"`
	ActorCharacterization string   `json:"actor_characterization"`
	PotentialImpact       string   `json:"potential_impact"`
	Recoverability        string   `json:"recoverability"`
	PhysicalDamage        string   `json:"physical_damage"`
	ExternalImpacts       []string `json:"external_impacts"` // impact_type of the current external impacts

	MaxAvailabilityImpact int     `json:"max_availability_impact"` // of the current availability impacts
	Deaths                int     `json:"deaths"`
	Injuries              int     `json:"injuries"`
	DurationHours         float64 `json:"duration_hours"`
	MilitaryTargets       bool    `json:"military_targets"`
	GovernmentTargets     bool    `json:"government_targets"`

	SuspectedActorRef     string `json:"suspected_actor_ref"`
	SuspectedState        string `json:"suspected_state"`
	AttributionConfidence int    `json:"attribution_confidence"`

	EvidenceRefs  []string `json:"evidence_refs"`
	CurrentImpact []string `json:"current_impact_refs"` // ids of the impacts not superseded
}

// Values returns the values of a categorical fact by its name, as scoring
// models select options by them; ok is false for a name that is not a
// categorical fact.
func (f *IncidentFacts) Values(name string) (values []string, ok bool) {
	one := func(s string) []string {
		if s == "" {
			return nil
		}
		return []string{s}
	}
	switch name {
	case "determination":
		return one(f.Determination), true
	case "functional_impact":
		return one(f.FunctionalImpact), true
	case "information_impact":
		return one(f.InformationImpact), true
	case "observed_activity":
		return one(f.ObservedActivity), true
	case "activity_location":
		return one(f.ActivityLocation), true
	case "actor_characterization":
		return one(f.ActorCharacterization), true
	case "potential_impact":
		return one(f.PotentialImpact), true
	case "recoverability":
		return one(f.Recoverability), true
	case "physical_damage":
		return one(f.PhysicalDamage), true
	case "sectors":
		return f.Sectors, true
	case "dependent_sectors":
		return f.DependentSectors, true
	case "external_impacts":
		return f.ExternalImpacts, true
	case "affected_nations":
		return f.AffectedNations, true
	}
	return nil, false
}

// FactNames lists the names Values accepts.
var FactNames = []string{"determination", "functional_impact", "information_impact",
	"observed_activity", "activity_location", "actor_characterization", "potential_impact",
	"recoverability", "physical_damage", "sectors", "dependent_sectors", "external_impacts",
	"affected_nations"}
