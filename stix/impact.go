package stix

// impactCategoryExts are the sub-extensions of the impact type of the OASIS
// Incident Extension Suite (incident core 2.0). impact is a new SDO defined
// by the extension-definition extension-definition--7cc33dd6-…, and, as the
// file SCO does with its predefined extensions, every impact carries one
// extension keyed by its impact_category ("availability", "external", …)
// with that category's properties. They are checked here by the suite's
// definitions; which one an impact must carry is the reader's rule (package
// defense/defstix).
var impactCategoryExts = map[string]*shape{
	"availability": {required: []string{"availability_impact"}, props: map[string]prop{
		"availability_impact": intRange(0, 100)}},
	"confidentiality": {required: []string{"loss_type"}, props: map[string]prop{
		"information_type": pString, "record_count": pNonNeg, "record_size": pNonNeg,
		"loss_type": enum("confirmed-loss", "contained", "exploited-loss", "none", "suspected-loss")}},
	"external": {required: []string{"impact_type"}, props: map[string]prop{
		"impact_type": pString}},
	"integrity": {required: []string{"alteration"}, props: map[string]prop{
		"alteration": enum("potential-destruction", "potential-modification", "partial-destruction",
			"partial-modification", "full-destruction", "full-modification", "none"),
		"information_type": pString, "record_count": pNonNeg, "record_size": pNonNeg}},
	"monetary": {required: []string{"variety"}, props: map[string]prop{
		"variety": pString, "currency": pString, "currency_actual": pString,
		"conversion_rate": floatRange(0, 1e18), "conversion_time": pTimestamp,
		"min_amount": floatRange(0, 1e18), "max_amount": floatRange(0, 1e18)}},
	"physical": {required: []string{"impact_type"}, props: map[string]prop{
		"impact_type": enum("damaged-functional", "damaged-nonfunctional", "destruction", "none", "unknown"),
		"asset_type":  pString}},
	"traceability": {required: []string{"traceability_impact"}, props: map[string]prop{
		"traceability_impact": enum("accountability-lost", "partial-accountability", "provable-accountability")}},
}

// typeExts returns the extensions keyed by name that objects of typ may
// carry: an SCO type's predefined extensions, and the impact categories of
// the incident suite's impact type.
func typeExts(typ string, spec *typeSpec) map[string]*shape {
	if typ == "impact" && specs[typ] == nil {
		return impactCategoryExts
	}
	return spec.exts
}
