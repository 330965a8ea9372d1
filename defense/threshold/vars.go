package threshold

import (
	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/interpreter"

	"github.com/kizuna-dev/kizuna"
)

// Input is what a policy reads: one incident's facts, the severity under
// the nation's scoring model, the nation's answers to the factors, and the
// campaign the incident belongs to (the incident alone when none).
type Input struct {
	Facts    *kizuna.IncidentFacts
	Severity kizuna.Severity
	Answers  *kizuna.FactorAnswers // nil: no factor answered
	Campaign Campaign
}

// Campaign is what a policy knows of the incidents assessed together.
type Campaign struct {
	Incidents int
	Nations   []string
	SpanDays  float64
}

// Var is a name a policy may read, with its CEL type and how it is
// computed from an Input.
type Var struct {
	Name string
	Type *cel.Type
	Doc  string
	get  func(*Input) any
}

func str(name, doc string, get func(*kizuna.IncidentFacts) string) Var {
	return Var{"incident." + name, cel.StringType, doc, func(in *Input) any { return get(in.Facts) }}
}

func strs(name, doc string, get func(*kizuna.IncidentFacts) []string) Var {
	return Var{"incident." + name, cel.ListType(cel.StringType), doc, func(in *Input) any {
		if v := get(in.Facts); v != nil {
			return v
		}
		return []string{}
	}}
}

func num(name, doc string, get func(*kizuna.IncidentFacts) int) Var {
	return Var{"incident." + name, cel.IntType, doc, func(in *Input) any { return int64(get(in.Facts)) }}
}

func flag(name, doc string, get func(*kizuna.IncidentFacts) bool) Var {
	return Var{"incident." + name, cel.BoolType, doc, func(in *Input) any { return get(in.Facts) }}
}

// Vars lists every name a policy may read; docs/collective-defense.md
// lists them too.
var Vars = func() []Var {
	type F = kizuna.IncidentFacts
	v := []Var{
		str("determination", "incident-core determination", func(f *F) string { return f.Determination }),
		str("investigation_status", "incident-core investigation_status", func(f *F) string { return f.InvestigationStatus }),
		num("criticality", "incident-core criticality, 0..100 (0 when absent)", func(f *F) int { return f.Criticality }),
		strs("affected_nations", "ISO alpha-3 codes", func(f *F) []string { return f.AffectedNations }),
		strs("sectors", "reported sector ids and their crosswalk equivalents", func(f *F) []string { return f.Sectors }),
		strs("reported_sectors", "sector ids as reported", func(f *F) []string { return f.ReportedSectors }),
		strs("dependent_sectors", "sectors depending on the affected entities, with equivalents", func(f *F) []string { return f.DependentSectors }),
		strs("dependent_nations", "nations with a function depending on the affected entities", func(f *F) []string { return f.DependentNations }),
		strs("military_dependent_nations", "nations whose military depends on them", func(f *F) []string { return f.MilitaryDependentNations }),
		str("functional_impact", "kizuna.FunctionalImpacts", func(f *F) string { return f.FunctionalImpact }),
		str("information_impact", "kizuna.InformationImpacts", func(f *F) string { return f.InformationImpact }),
		str("observed_activity", "kizuna.ObservedActivities", func(f *F) string { return f.ObservedActivity }),
		str("activity_location", "kizuna.ActivityLocations", func(f *F) string { return f.ActivityLocation }),
		str("actor_characterization", "kizuna.ActorCharacterizations", func(f *F) string { return f.ActorCharacterization }),
		str("potential_impact", "kizuna.PotentialImpacts", func(f *F) string { return f.PotentialImpact }),
		str("recoverability", "recoverability-enum", func(f *F) string { return f.Recoverability }),
		str("physical_damage", "physical-impact-enum", func(f *F) string { return f.PhysicalDamage }),
		strs("external_impacts", "external-impact-ov of the current external impacts", func(f *F) []string { return f.ExternalImpacts }),
		num("max_availability_impact", "0..100, of the current availability impacts", func(f *F) int { return f.MaxAvailabilityImpact }),
		num("deaths", "people killed", func(f *F) int { return f.Deaths }),
		num("injuries", "people injured", func(f *F) int { return f.Injuries }),
		{"incident.duration_hours", cel.DoubleType, "how long the effects lasted", func(in *Input) any { return in.Facts.DurationHours }},
		flag("military_targets", "military systems were targeted", func(f *F) bool { return f.MilitaryTargets }),
		flag("government_targets", "government systems were targeted", func(f *F) bool { return f.GovernmentTargets }),
		str("suspected_actor_ref", "threat-actor or intrusion-set id", func(f *F) string { return f.SuspectedActorRef }),
		str("suspected_state", "ISO alpha-3 of the suspected state", func(f *F) string { return f.SuspectedState }),
		num("attribution_confidence", "0..100", func(f *F) int { return f.AttributionConfidence }),
		num("evidence_count", "evidence objects cited", func(f *F) int { return len(f.EvidenceRefs) }),
		{"severity.score", cel.DoubleType, "0..100 under the nation's scoring model", func(in *Input) any { return in.Severity.Score }},
		{"severity.level", cel.IntType, "band level, NCISS 0..5 by default", func(in *Input) any { return int64(in.Severity.Level) }},
		{"severity.level_name", cel.StringType, "band name", func(in *Input) any { return in.Severity.LevelName }},
		{"campaign.incidents", cel.IntType, "incidents assessed together (1 alone)", func(in *Input) any { return int64(max(in.Campaign.Incidents, 1)) }},
		{"campaign.nations", cel.ListType(cel.StringType), "nations affected across them", func(in *Input) any {
			if in.Campaign.Nations == nil {
				return in.Facts.AffectedNations
			}
			return in.Campaign.Nations
		}},
		{"campaign.span_days", cel.DoubleType, "days from the first to the last", func(in *Input) any { return in.Campaign.SpanDays }},
	}
	for _, f := range kizuna.Factors {
		v = append(v,
			Var{"factors." + f + ".degree", cel.IntType, "0 none … 4 very-high (0 when unanswered)", func(in *Input) any {
				if a := in.Answers.Answer(f); a != nil {
					r, _ := kizuna.DegreeRank(a.Degree)
					return int64(r)
				}
				return int64(0)
			}},
			Var{"factors." + f + ".confidence", cel.IntType, "0..100 (0 when unanswered)", func(in *Input) any {
				if a := in.Answers.Answer(f); a != nil {
					return int64(a.Confidence)
				}
				return int64(0)
			}},
			Var{"factors." + f + ".answered", cel.BoolType, "false when unanswered or unknown", func(in *Input) any {
				a := in.Answers.Answer(f)
				_, ok := kizuna.DegreeRank(degreeOf(a))
				return ok
			}},
		)
	}
	return v
}()

func degreeOf(a *kizuna.FactorAnswer) string {
	if a == nil {
		return ""
	}
	return a.Degree
}

var varIndex = func() map[string]int {
	m := make(map[string]int, len(Vars))
	for i, v := range Vars {
		m[v.Name] = i
	}
	return m
}()

// activation resolves the variables of an input when an expression reads
// them, so that an evaluation computes only what the policy uses.
type activation struct{ in *Input }

// ResolveName implements interpreter.Activation.
func (a activation) ResolveName(name string) (any, bool) {
	if i, ok := varIndex[name]; ok {
		return Vars[i].get(a.in), true
	}
	return nil, false
}

// Parent implements interpreter.Activation.
func (a activation) Parent() interpreter.Activation { return nil }
