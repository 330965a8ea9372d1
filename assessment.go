package kizuna

import "time"

// The eight indicative factors of Tallinn Manual 2.0 Rule 69 for whether a
// cyber operation is a use of force. Analysts answer each per incident;
// threshold policies read the answers.
const (
	FactorSeverity            = "severity"
	FactorImmediacy           = "immediacy"
	FactorDirectness          = "directness"
	FactorInvasiveness        = "invasiveness"
	FactorMeasurability       = "measurability"
	FactorMilitaryCharacter   = "military_character"
	FactorStateInvolvement    = "state_involvement"
	FactorPresumptiveLegality = "presumptive_legality"
)

// Factors lists the factor ids in the Manual's order.
var Factors = []string{FactorSeverity, FactorImmediacy, FactorDirectness, FactorInvasiveness,
	FactorMeasurability, FactorMilitaryCharacter, FactorStateInvolvement, FactorPresumptiveLegality}

// Degrees of a factor answer, from none to very-high; "unknown" records
// that the analyst could not answer. For presumptive_legality a high
// degree means the activity is of a kind States generally treat as lawful
// (espionage, propaganda), which weighs against a use of force.
var Degrees = []string{"none", "low", "moderate", "high", "very-high"}

// DegreeUnknown is the answer of an analyst who cannot judge a factor.
const DegreeUnknown = "unknown"

// DegreeRank returns the position of a degree in Degrees (0..4); ok is
// false for "unknown" and for anything not a degree.
func DegreeRank(d string) (rank int, ok bool) {
	for i, s := range Degrees {
		if s == d {
			return i, true
		}
	}
	return 0, false
}

// FactorAnswer is one analyst's answer to one factor.
type FactorAnswer struct {
	Factor       string   `json:"factor"`
	Degree       string   `json:"degree"`
	Confidence   int      `json:"confidence"`  // STIX confidence, 0..100
	AnalystRef   string   `json:"analyst_ref"` // identity of the analyst
	EvidenceRefs []string `json:"evidence_refs,omitempty"`
	Rationale    string   `json:"rationale,omitempty"`
}

// FactorAnswers is a nation's set of answers to the factors for one
// incident (the STIX type x-kizuna-factor-answers); each change of an
// answer is a new version.
type FactorAnswers struct {
	ID           string
	Created      time.Time
	Modified     time.Time
	CreatedByRef string
	MarkingRefs  []string
	IncidentRef  string
	Nation       string
	Answers      []FactorAnswer
}

// Answer returns the answer to the factor, or nil.
func (a *FactorAnswers) Answer(factor string) *FactorAnswer {
	if a == nil {
		return nil
	}
	for i := range a.Answers {
		if a.Answers[i].Factor == factor {
			return &a.Answers[i]
		}
	}
	return nil
}

// Severity is an incident's score under one scoring model, and the band
// (NCISS-like level) the score falls in.
type Severity struct {
	Model        string `json:"model"`
	ModelVersion string `json:"model_version"`
	// Notional is true under a model whose weights are not an agency's
	// operational ones (the shipped NCISS default).
	Notional   bool            `json:"notional,omitempty"`
	Score      float64         `json:"score"`
	Level      int             `json:"level"`
	LevelName  string          `json:"level_name"`
	Categories []CategoryScore `json:"categories"`
}

// CategoryScore is one category's part of a Severity: the options the
// incident's facts selected and what they contributed.
type CategoryScore struct {
	Category string   `json:"category"`
	Weight   float64  `json:"weight"`
	Options  []string `json:"options,omitempty"` // ids of the options selected
	Value    float64  `json:"value"`
	Weighted float64  `json:"weighted"`
	// Unanswered is true when the facts selected no option; the category
	// then counts at its lowest value.
	Unanswered bool `json:"unanswered,omitempty"`
}

// Level is a threshold level as a nation's policy names it. Rank orders
// the levels on the scale the allies share (0 below use of force, rising),
// so that two nations' levels can be compared whatever they are called.
type Level struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Rank int    `json:"rank"`
}

// PolicyRef names the policy an assessment was made under.
type PolicyRef struct {
	Nation  string `json:"nation"`
	Version string `json:"version"`
	// Digest is the hex SHA-256 of the policy file, so that a result can
	// be tied to the exact text that produced it.
	Digest string `json:"digest"`
	// Example is true under a policy shipped as an illustration, not a
	// nation's position.
	Example bool `json:"example,omitempty"`
}

// AssessmentResult is what one nation's configured scoring model and
// threshold policy conclude about an incident, and why. It is never a
// declaration that a treaty article is met.
type AssessmentResult struct {
	Nation     string    `json:"nation"`
	Severity   Severity  `json:"severity"`
	Policy     PolicyRef `json:"policy"`
	Level      Level     `json:"level"`
	RulesFired []string  `json:"rules_fired"`
	// DecidingRules are the fired rules without which the policy would
	// have concluded another level; DecidingFactors the factors those
	// rules (and the decision itself) read.
	DecidingRules   []string `json:"deciding_rules"`
	DecidingFactors []string `json:"deciding_factors"`
}

// ThresholdAssessment is a stored AssessmentResult (the STIX type
// x-kizuna-threshold-assessment), tied to the versions of the incident,
// impacts and factor answers it was computed from.
type ThresholdAssessment struct {
	ID                   string
	Created              time.Time
	Modified             time.Time
	CreatedByRef         string
	MarkingRefs          []string
	IncidentRef          string
	IncidentVersion      time.Time
	ImpactRefs           []string
	FactorAnswersRef     string
	FactorAnswersVersion time.Time
	Result               AssessmentResult
}
