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

// impactSpecs lists the properties of each impact category's extension.
var impactSpecs = map[string][]string{
	"availability":    {"availability_impact"},
	"confidentiality": {"information_type", "loss_type", "record_count", "record_size"},
	"external":        {"impact_type"},
	"integrity":       {"alteration", "information_type", "record_count", "record_size"},
	"monetary":        {"variety", "currency", "currency_actual", "conversion_rate", "conversion_time", "min_amount", "max_amount"},
	"physical":        {"impact_type", "asset_type"},
	"traceability":    {"traceability_impact"},
}

var (
	lossTypes    = []string{"confirmed-loss", "contained", "exploited-loss", "none", "suspected-loss"}
	alterations  = []string{"potential-destruction", "potential-modification", "partial-destruction", "partial-modification", "full-destruction", "full-modification", "none"}
	traceability = []string{"accountability-lost", "partial-accountability", "provable-accountability"}
	fidelities   = []string{"second", "minute", "hour", "day", "month", "year"}
)

// DecodeImpact validates an OASIS impact object. Package stix does not
// know the category extensions the incident suite keys by category name
// ("availability", "external", …); this function checks them.
func DecodeImpact(raw []byte) (*kizuna.Impact, error) {
	var ignore []string
	for c := range impactSpecs {
		ignore = append(ignore, "$.extensions."+c)
	}
	r, m, err := parse(raw, "impact", ignore...)
	if err != nil {
		return nil, err
	}
	r.only(m, "$", append(commonProps, "impact_category", "criticality", "description", "start_time", "start_time_fidelity",
		"end_time", "end_time_fidelity", "recoverability", "superseded_by_ref", "impacted_refs", "impacted_entity_counts")...)
	e := r.envelope(m)
	im := &kizuna.Impact{ID: e.ID, Created: e.Created, Modified: e.Modified, CreatedByRef: e.CreatedByRef, MarkingRefs: e.MarkingRefs,
		Category: r.enum(m, "impact_category", "$", true, kizuna.ImpactCategories), Description: r.str(m, "description", "$", false),
		Start: r.ts(m, "start_time", "$", false), End: r.ts(m, "end_time", "$", false),
		Recoverability:  r.enum(m, "recoverability", "$", false, Recoverabilities),
		SupersededByRef: r.ref(m, "superseded_by_ref", "$", false, "impact"), ImpactedRefs: r.refs(m, "impacted_refs", "$", false)}
	r.enum(m, "start_time_fidelity", "$", false, fidelities)
	r.enum(m, "end_time_fidelity", "$", false, fidelities)
	if v, ok := r.integer(m, "criticality", "$", false, 0, 100); ok {
		im.Criticality = &v
	}
	if counts := r.object(m, "impacted_entity_counts", "$", false); counts != nil {
		im.EntityCounts = map[string]int{}
		for k := range counts {
			im.EntityCounts[k], _ = r.integer(counts, k, "$.impacted_entity_counts", true, 0, 1<<62)
		}
	}
	if im.SupersededByRef != "" && im.End.IsZero() {
		r.errf("$.end_time", "is required with superseded_by_ref")
	}
	if !im.Start.IsZero() && !im.End.IsZero() && !im.End.After(im.Start) {
		r.errf("$.end_time", "must be later than start_time")
	}
	exts := r.object(m, "extensions", "$", true)
	if x, ok := exts[kizuna.ExtIncidentImp].(map[string]any); !ok || x["extension_type"] != "new-sdo" {
		r.errf(member("$.extensions", kizuna.ExtIncidentImp), "must be {\"extension_type\": \"new-sdo\"}: it defines the impact type")
	}
	if im.Category != "" {
		p := "$.extensions." + im.Category
		if c, ok := exts[im.Category].(map[string]any); !ok {
			r.errf(p, "is required: every impact has the extension of its impact_category")
		} else {
			readCategory(r, c, p, im)
		}
	}
	return im, r.err()
}

func readCategory(r *reader, c map[string]any, p string, im *kizuna.Impact) {
	r.only(c, p, impactSpecs[im.Category]...)
	switch im.Category {
	case "availability":
		im.Availability, _ = r.integer(c, "availability_impact", p, true, 0, 100)
	case "confidentiality":
		im.LossType = r.enum(c, "loss_type", p, true, lossTypes)
		im.InformationType = r.str(c, "information_type", p, im.LossType != "none")
	case "external":
		im.ImpactType = r.str(c, "impact_type", p, true)
	case "integrity":
		im.Alteration = r.enum(c, "alteration", p, true, alterations)
		im.InformationType = r.str(c, "information_type", p, im.Alteration != "none")
	case "monetary":
		im.Variety = r.str(c, "variety", p, true)
		im.Currency = r.str(c, "currency", p, false)
		im.MinAmount, _ = r.number(c, "min_amount", p, 0, 1e18)
		im.MaxAmount, _ = r.number(c, "max_amount", p, 0, 1e18)
	case "physical":
		im.ImpactType = r.enum(c, "impact_type", p, true, kizuna.PhysicalDamages)
		im.AssetType = r.str(c, "asset_type", p, im.ImpactType != "none" && im.ImpactType != "")
	case "traceability":
		im.Traceability = r.enum(c, "traceability_impact", p, true, traceability)
	}
}

// EncodeImpact writes an impact with its category extension.
func EncodeImpact(im *kizuna.Impact) ([]byte, error) {
	cat := map[string]any{}
	switch im.Category {
	case "availability":
		cat["availability_impact"] = im.Availability
	case "confidentiality":
		put(cat, "loss_type", im.LossType)
		put(cat, "information_type", im.InformationType)
	case "external":
		cat["impact_type"] = im.ImpactType
	case "integrity":
		put(cat, "alteration", im.Alteration)
		put(cat, "information_type", im.InformationType)
	case "monetary":
		put(cat, "variety", im.Variety)
		put(cat, "currency", im.Currency)
		if im.MaxAmount > 0 {
			cat["min_amount"], cat["max_amount"] = im.MinAmount, im.MaxAmount
		}
	case "physical":
		put(cat, "impact_type", im.ImpactType)
		put(cat, "asset_type", im.AssetType)
	case "traceability":
		put(cat, "traceability_impact", im.Traceability)
	default:
		return nil, kizuna.Errorf(kizuna.EINVALID, "%s: %q is not an impact category", im.ID, im.Category)
	}
	props := map[string]any{"impact_category": im.Category, "description": im.Description, "recoverability": im.Recoverability,
		"superseded_by_ref": im.SupersededByRef, "impacted_refs": im.ImpactedRefs, "criticality": im.Criticality,
		"start_time": tsOrEmpty(im.Start), "end_time": tsOrEmpty(im.End)}
	if len(im.EntityCounts) > 0 {
		props["impacted_entity_counts"] = im.EntityCounts
	}
	return write("impact", envelope{im.ID, im.CreatedByRef, im.Created, im.Modified, im.MarkingRefs}, props,
		map[string]any{kizuna.ExtIncidentImp: map[string]string{"extension_type": "new-sdo"}, im.Category: cat})
}
