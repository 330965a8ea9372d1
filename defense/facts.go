package defense

import (
	"slices"

	"github.com/kizuna-dev/kizuna"
)

// Orders of the ordinal facts, lowest first, used to take the worst of
// several values (the current impacts of an incident, or the incidents of
// a campaign).
var (
	orderFunctional  = kizuna.FunctionalImpacts
	orderInformation = kizuna.InformationImpacts
	orderActivity    = kizuna.ObservedActivities
	orderLocation    = []string{"unsuccessful", "business-dmz", "business-network", "unknown",
		"business-network-management", "critical-system-dmz", "critical-system-management",
		"critical-systems", "safety-systems"}
	orderActor          = kizuna.ActorCharacterizations
	orderPotential      = kizuna.PotentialImpacts
	orderPhysical       = []string{"none", "unknown", "damaged-functional", "damaged-nonfunctional", "destruction"}
	orderRecoverability = []string{"not-applicable", "regular", "supplemented", "extended", "not-recoverable"}
)

// worst returns whichever of a and b comes later in order; a value not in
// the order loses to one that is.
func worst(order []string, a, b string) string {
	if slices.Index(order, b) > slices.Index(order, a) {
		return b
	}
	return a
}

// functionalFromAvailability maps an availability impact (0..100) to the
// functional impact of the US-CERT scale, by the ranges of Appendix A of
// the OASIS Incident Core Extension.
func functionalFromAvailability(v int) string {
	switch {
	case v <= 0:
		return "no-impact"
	case v < 10:
		return "no-impact-to-services"
	case v < 20:
		return "minimal-non-critical"
	case v < 40:
		return "minimal-critical"
	case v < 60:
		return "significant-non-critical"
	case v < 70:
		return "denial-non-critical"
	case v < 80:
		return "significant-critical"
	}
	return "denial-critical"
}

// CurrentImpacts returns the impacts of the incident that no other impact
// supersedes: those the incident lists (all given, when it lists none)
// without superseded_by_ref.
func CurrentImpacts(inc *kizuna.Incident, impacts []*kizuna.Impact) []*kizuna.Impact {
	var out []*kizuna.Impact
	for _, im := range impacts {
		if im.SupersededByRef != "" {
			continue
		}
		if len(inc.ImpactRefs) > 0 && !slices.Contains(inc.ImpactRefs, im.ID) {
			continue
		}
		out = append(out, im)
	}
	return out
}

// Facts derives the facts that scoring models and policies read from an
// incident and its impacts. The current impacts, when there are any,
// decide the functional impact (from the highest availability impact),
// the physical damage and the external impacts, and worsen the
// recoverability; otherwise the alliance extension's values stand. Sector
// ids are extended with the sectors the crosswalk links them to in the
// other configured nations' vocabularies (never through weak mappings).
func (e *Engine) Facts(inc *kizuna.Incident, impacts []*kizuna.Impact) *kizuna.IncidentFacts {
	a := inc.Alliance
	if a == nil {
		a = &kizuna.AllianceFacts{}
	}
	f := &kizuna.IncidentFacts{
		IncidentID:            inc.ID,
		Determination:         inc.Determination,
		InvestigationStatus:   inc.InvestigationStatus,
		AffectedNations:       slices.Clone(a.AffectedNations),
		ReportedSectors:       slices.Clone(a.Sectors),
		Sectors:               e.sectors.Expand(a.Sectors, e.expand),
		DependentSectors:      e.sectors.Expand(a.DependentSectors, e.expand),
		FunctionalImpact:      a.FunctionalImpact,
		InformationImpact:     a.InformationImpact,
		ObservedActivity:      a.ObservedActivity,
		ActivityLocation:      a.ActivityLocation,
		ActorCharacterization: a.ActorCharacterization,
		PotentialImpact:       a.PotentialImpact,
		Recoverability:        inc.Recoverability,
		PhysicalDamage:        a.PhysicalDamage,
		Deaths:                a.Deaths,
		Injuries:              a.Injuries,
		DurationHours:         a.DurationHours,
		MilitaryTargets:       a.MilitaryTargets,
		GovernmentTargets:     a.GovernmentTargets,
		SuspectedActorRef:     a.SuspectedActorRef,
		SuspectedState:        a.SuspectedState,
		EvidenceRefs:          slices.Clone(a.EvidenceRefs),
	}
	if inc.Criticality != nil {
		f.Criticality = *inc.Criticality
	}
	if a.AttributionConfidence != nil {
		f.AttributionConfidence = *a.AttributionConfidence
	}
	for _, d := range a.Dependencies {
		if !slices.Contains(f.DependentNations, d.Nation) {
			f.DependentNations = append(f.DependentNations, d.Nation)
		}
		if d.Kind == "military" && !slices.Contains(f.MilitaryDependentNations, d.Nation) {
			f.MilitaryDependentNations = append(f.MilitaryDependentNations, d.Nation)
		}
	}
	availability, physical := -1, ""
	for _, im := range CurrentImpacts(inc, impacts) {
		f.CurrentImpact = append(f.CurrentImpact, im.ID)
		f.Recoverability = worst(orderRecoverability, f.Recoverability, im.Recoverability)
		switch im.Category {
		case "availability":
			availability = max(availability, im.Availability)
		case "physical":
			physical = worst(orderPhysical, physical, im.ImpactType)
		case "external":
			if im.ImpactType != "" && !slices.Contains(f.ExternalImpacts, im.ImpactType) {
				f.ExternalImpacts = append(f.ExternalImpacts, im.ImpactType)
			}
		}
	}
	if availability >= 0 {
		f.MaxAvailabilityImpact = availability
		f.FunctionalImpact = functionalFromAvailability(availability)
	}
	if physical != "" {
		f.PhysicalDamage = physical
	}
	return f
}
