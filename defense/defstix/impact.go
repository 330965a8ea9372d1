package defstix

import (
	"github.com/kizuna-dev/kizuna"
)

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

// DecodeImpact validates an OASIS impact object. Package stix checks the
// category extensions the incident suite keys by category name
// ("availability", "external", …) at ingest; this function checks them
// again with the rest of the object, so that one answer names every
// problem, and adds that an impact carries the one of its impact_category.
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
