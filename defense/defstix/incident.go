package defstix

import (
	"regexp"

	"github.com/kizuna-dev/kizuna"
)

// Determinations accepted in the incident-core extension: the values of
// its prose specification and of its JSON schema, which differ (the prose
// has "confirmed", the schema "successful-attempt" and "low-value").
var Determinations = []string{"blocked", "confirmed", "failed-attempt", "false-positive", "low-value", "successful-attempt", "suspected"}

// Recoverabilities is the recoverability-enum of the incident suite.
var Recoverabilities = []string{"not-applicable", "regular", "supplemented", "extended", "not-recoverable"}

var sectorRE = regexp.MustCompile(`^[a-z]{2}\.[a-z0-9-]+$`)

var coreProps = []string{"extension_type", "determination", "investigation_status", "criticality", "recoverability",
	"incident_types", "detection_methods", "impact_refs", "events", "tasks", "scores", "impacted_entity_counts"}

var allianceProps = []string{"extension_type", "affected_nations", "sectors", "dependent_sectors", "dependencies",
	"functional_impact", "information_impact", "observed_activity", "activity_location", "actor_characterization",
	"potential_impact", "physical_damage", "deaths", "injuries", "duration_hours", "military_targets",
	"government_targets", "suspected_actor_ref", "suspected_state", "attribution_confidence", "evidence_refs",
	"linked_incident_refs"}

// DecodeIncident validates a STIX incident and reads its incident-core
// and alliance extensions. Errors: EINVALID listing every problem as
// "id: path: message".
func DecodeIncident(raw []byte) (*kizuna.Incident, error) {
	r, m, err := parse(raw, "incident")
	if err != nil {
		return nil, err
	}
	e := r.envelope(m)
	inc := &kizuna.Incident{ID: e.ID, Created: e.Created, Modified: e.Modified, CreatedByRef: e.CreatedByRef,
		MarkingRefs: e.MarkingRefs, Name: r.str(m, "name", "$", true), Description: r.str(m, "description", "$", false)}
	exts := r.object(m, "extensions", "$", false)
	if core, ok := exts[kizuna.ExtIncidentCore].(map[string]any); ok {
		readCore(r, core, member("$.extensions", kizuna.ExtIncidentCore), inc)
	}
	if al, ok := exts[ExtAlliance].(map[string]any); ok {
		inc.Alliance = readAlliance(r, al, member("$.extensions", ExtAlliance))
	}
	return inc, r.err()
}

func readCore(r *reader, c map[string]any, p string, inc *kizuna.Incident) {
	r.only(c, p, coreProps...)
	r.enum(c, "extension_type", p, true, []string{"property-extension"})
	inc.Determination = r.enum(c, "determination", p, true, Determinations)
	inc.InvestigationStatus = r.str(c, "investigation_status", p, true)
	if v, ok := r.integer(c, "criticality", p, false, 0, 100); ok {
		inc.Criticality = &v
	}
	inc.Recoverability = r.enum(c, "recoverability", p, false, Recoverabilities)
	inc.IncidentTypes = r.strs(c, "incident_types", p, false, nil)
	inc.DetectionMethods = r.strs(c, "detection_methods", p, false, nil)
	inc.ImpactRefs = r.refs(c, "impact_refs", p, false, "impact")
	for i, ev := range r.objects(c, "events", p, false) {
		inc.EventRefs = append(inc.EventRefs, r.ref(ev, "event_ref", index(member(p, "events"), i), true, "event"))
	}
	for i, t := range r.objects(c, "tasks", p, false) {
		inc.TaskRefs = append(inc.TaskRefs, r.ref(t, "task_ref", index(member(p, "tasks"), i), true, "task"))
	}
}

func readAlliance(r *reader, a map[string]any, p string) *kizuna.AllianceFacts {
	r.only(a, p, allianceProps...)
	r.enum(a, "extension_type", p, true, []string{"property-extension"})
	sector := func(s, q string) {
		if !sectorRE.MatchString(s) {
			r.errf(q, "%q is not a national sector id such as \"jp.ports\"", s)
		}
	}
	f := &kizuna.AllianceFacts{
		AffectedNations:       r.nations(a, "affected_nations", p, true),
		Sectors:               r.strs(a, "sectors", p, false, sector),
		DependentSectors:      r.strs(a, "dependent_sectors", p, false, sector),
		FunctionalImpact:      r.enum(a, "functional_impact", p, false, kizuna.FunctionalImpacts),
		InformationImpact:     r.enum(a, "information_impact", p, false, kizuna.InformationImpacts),
		ObservedActivity:      r.enum(a, "observed_activity", p, false, kizuna.ObservedActivities),
		ActivityLocation:      r.enum(a, "activity_location", p, false, kizuna.ActivityLocations),
		ActorCharacterization: r.enum(a, "actor_characterization", p, false, kizuna.ActorCharacterizations),
		PotentialImpact:       r.enum(a, "potential_impact", p, false, kizuna.PotentialImpacts),
		PhysicalDamage:        r.enum(a, "physical_damage", p, false, kizuna.PhysicalDamages),
		MilitaryTargets:       r.boolean(a, "military_targets", p),
		GovernmentTargets:     r.boolean(a, "government_targets", p),
		SuspectedActorRef:     r.ref(a, "suspected_actor_ref", p, false, "threat-actor", "intrusion-set"),
		SuspectedState:        r.nation(a, "suspected_state", p, false),
		EvidenceRefs:          r.refs(a, "evidence_refs", p, false),
		LinkedIncidentRefs:    r.refs(a, "linked_incident_refs", p, false, "incident"),
	}
	f.Deaths, _ = r.integer(a, "deaths", p, false, 0, 1<<31)
	f.Injuries, _ = r.integer(a, "injuries", p, false, 0, 1<<31)
	f.DurationHours, _ = r.number(a, "duration_hours", p, 0, 1e7)
	if v, ok := r.integer(a, "attribution_confidence", p, false, 0, 100); ok {
		f.AttributionConfidence = &v
	}
	for i, d := range r.objects(a, "dependencies", p, false) {
		q := index(member(p, "dependencies"), i)
		r.only(d, q, "nation", "kind", "sector", "description")
		dep := kizuna.Dependency{Nation: r.nation(d, "nation", q, true), Kind: r.enum(d, "kind", q, true, kizuna.DependencyKinds),
			Sector: r.str(d, "sector", q, false), Description: r.str(d, "description", q, false)}
		if dep.Sector != "" {
			sector(dep.Sector, member(q, "sector"))
		}
		f.Dependencies = append(f.Dependencies, dep)
	}
	return f
}

// EncodeIncident writes an incident with its incident-core extension and,
// when it has one, its alliance extension.
func EncodeIncident(inc *kizuna.Incident) ([]byte, error) {
	core := map[string]any{"extension_type": "property-extension", "determination": inc.Determination,
		"investigation_status": inc.InvestigationStatus}
	put(core, "criticality", inc.Criticality)
	put(core, "recoverability", inc.Recoverability)
	put(core, "incident_types", inc.IncidentTypes)
	put(core, "detection_methods", inc.DetectionMethods)
	put(core, "impact_refs", inc.ImpactRefs)
	if len(inc.EventRefs) > 0 {
		var ev []map[string]string
		for _, ref := range inc.EventRefs {
			ev = append(ev, map[string]string{"event_ref": ref})
		}
		core["events"] = ev
	}
	if len(inc.TaskRefs) > 0 {
		var ts []map[string]string
		for _, ref := range inc.TaskRefs {
			ts = append(ts, map[string]string{"task_ref": ref})
		}
		core["tasks"] = ts
	}
	exts := map[string]any{kizuna.ExtIncidentCore: core}
	if inc.Alliance != nil {
		exts[ExtAlliance] = struct {
			ExtensionType string `json:"extension_type"`
			*kizuna.AllianceFacts
		}{"property-extension", inc.Alliance}
	}
	return write("incident", envelope{inc.ID, inc.CreatedByRef, inc.Created, inc.Modified, inc.MarkingRefs},
		map[string]any{"name": inc.Name, "description": inc.Description}, exts)
}

func put(m map[string]any, key string, v any) {
	if !empty(v) {
		m[key] = v
	}
}
