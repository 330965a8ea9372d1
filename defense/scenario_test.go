package defense_test

import (
	"time"

	"github.com/kizuna-dev/kizuna"
)

// The worked example of docs/collective-defense.md: a destructive attack on
// the OT network of a Japanese port operator's container terminal, on
// which a US naval facility depends for fuel and cargo.
const (
	portIncident   = "incident--6f1c2a8e-3b4d-4e5f-8a9b-0c1d2e3f4a5b"
	portAvail1     = "impact--1a2b3c4d-0001-4e5f-8a9b-0c1d2e3f4a5b"
	portAvail2     = "impact--1a2b3c4d-0002-4e5f-8a9b-0c1d2e3f4a5b"
	portPhysical   = "impact--1a2b3c4d-0003-4e5f-8a9b-0c1d2e3f4a5b"
	portNatSec     = "impact--1a2b3c4d-0004-4e5f-8a9b-0c1d2e3f4a5b"
	portSafety     = "impact--1a2b3c4d-0005-4e5f-8a9b-0c1d2e3f4a5b"
	wiperIndicator = "indicator--9e8d7c6b-5a49-4837-a261-5f4e3d2c1b0a"
	actorRef       = "intrusion-set--2b3c4d5e-6f70-4182-93a4-b5c6d7e8f901"
	jpnPOC         = "identity--a1000000-0000-4000-8000-000000000001"
	usaPOC         = "identity--a2000000-0000-4000-8000-000000000002"
	ausPOC         = "identity--a3000000-0000-4000-8000-000000000003"
)

var t0 = time.Date(2026, 11, 20, 2, 40, 0, 0, time.UTC)

func ip(i int) *int { return &i }

func portAttack() (*kizuna.Incident, []*kizuna.Impact) {
	inc := &kizuna.Incident{
		ID:   portIncident,
		Name: "Destructive attack on a container terminal's OT network",
		Description: "Wiper malware destroyed the terminal operating system and the engineering workstations of the gantry-crane " +
			"control network; two cranes were left inoperable after unsafe motion; two workers were injured.",
		Created: t0, Modified: t0.Add(30 * time.Hour), CreatedByRef: jpnPOC,
		Determination: "confirmed", InvestigationStatus: "open", Criticality: ip(90), Recoverability: "extended",
		IncidentTypes: []string{"destruction", "denial-of-service"},
		ImpactRefs:    []string{portAvail1, portAvail2, portPhysical, portNatSec, portSafety},
		Alliance: &kizuna.AllianceFacts{
			AffectedNations: []string{"JPN"},
			Sectors:         []string{"jp.ports", "jp.logistics"},
			Dependencies: []kizuna.Dependency{{Nation: "USA", Kind: "military", Sector: "us.transportation",
				Description: "fuel and container throughput for a nearby US naval facility"}},
			InformationImpact: "destruction-critical", ObservedActivity: "effect", ActivityLocation: "critical-systems",
			ActorCharacterization: "apt-targeted", PotentialImpact: "high",
			Injuries: 2, DurationHours: 96,
			SuspectedActorRef: actorRef, AttributionConfidence: ip(60),
			EvidenceRefs: []string{wiperIndicator, "malware--3c4d5e6f-7081-4293-a4b5-c6d7e8f90a1b"},
		},
	}
	impacts := []*kizuna.Impact{
		{ID: portAvail1, Category: "availability", Availability: 100, Recoverability: "extended",
			Start: t0, End: t0.Add(20 * time.Hour), SupersededByRef: portAvail2},
		{ID: portAvail2, Category: "availability", Availability: 85, Recoverability: "extended", Start: t0.Add(20 * time.Hour)},
		{ID: portPhysical, Category: "physical", ImpactType: "damaged-nonfunctional", AssetType: "ics-actuator", Start: t0},
		{ID: portNatSec, Category: "external", ImpactType: "national-security", Start: t0},
		{ID: portSafety, Category: "external", ImpactType: "public-safety", Start: t0},
	}
	return inc, impacts
}

func answer(f, degree string, conf int, analyst string) kizuna.FactorAnswer {
	return kizuna.FactorAnswer{Factor: f, Degree: degree, Confidence: conf, AnalystRef: analyst,
		EvidenceRefs: []string{wiperIndicator}}
}

func portAnswers() map[string]*kizuna.FactorAnswers {
	mk := func(nation, analyst string, d map[string]string, c map[string]int) *kizuna.FactorAnswers {
		a := &kizuna.FactorAnswers{IncidentRef: portIncident, Nation: nation}
		for _, f := range kizuna.Factors {
			a.Answers = append(a.Answers, answer(f, d[f], c[f], analyst))
		}
		return a
	}
	return map[string]*kizuna.FactorAnswers{
		"USA": mk("USA", usaPOC,
			map[string]string{"severity": "high", "immediacy": "very-high", "directness": "high", "invasiveness": "high",
				"measurability": "high", "military_character": "high", "state_involvement": "high", "presumptive_legality": "none"},
			map[string]int{"severity": 75, "immediacy": 80, "directness": 70, "invasiveness": 80,
				"measurability": 80, "military_character": 70, "state_involvement": 75, "presumptive_legality": 80}),
		"JPN": mk("JPN", jpnPOC,
			map[string]string{"severity": "high", "immediacy": "very-high", "directness": "high", "invasiveness": "high",
				"measurability": "very-high", "military_character": "moderate", "state_involvement": "high", "presumptive_legality": "none"},
			map[string]int{"severity": 80, "immediacy": 85, "directness": 75, "invasiveness": 80,
				"measurability": 85, "military_character": 60, "state_involvement": 65, "presumptive_legality": 85}),
		"AUS": mk("AUS", ausPOC,
			map[string]string{"severity": "high", "immediacy": "high", "directness": "high", "invasiveness": "high",
				"measurability": "high", "military_character": "moderate", "state_involvement": "moderate", "presumptive_legality": "none"},
			map[string]int{"severity": 70, "immediacy": 70, "directness": 70, "invasiveness": 70,
				"measurability": 75, "military_character": 50, "state_involvement": 55, "presumptive_legality": 80}),
	}
}
