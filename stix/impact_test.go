package stix

import (
	"strings"
	"testing"
)

// impactJSON is an OASIS incident-suite impact with the extension of its
// category, as the suite's examples write them.
func impactJSON(category, ext string) []byte {
	return []byte(`{"type":"impact","spec_version":"2.1","id":"impact--0a3b5c7d-1e2f-4a5b-8c6d-7e8f9a0b1c2d",
	"created":"2026-11-21T09:00:00.000Z","modified":"2026-11-21T09:00:00.000Z","impact_category":"` + category + `",
	"extensions":{"extension-definition--7cc33dd6-f6a1-489b-98ea-522d351d71b9":{"extension_type":"new-sdo"},
	"` + category + `":` + ext + `}}`)
}

// TestImpactCategoryExtensions accepts every category extension of the
// incident suite on type impact, with its properties checked.
func TestImpactCategoryExtensions(t *testing.T) {
	for _, tc := range []struct{ category, ext string }{
		{"availability", `{"availability_impact":85}`},
		{"confidentiality", `{"loss_type":"confirmed-loss","information_type":"credentials-user","record_count":12}`},
		{"external", `{"impact_type":"national-security"}`},
		{"integrity", `{"alteration":"full-destruction","information_type":"system"}`},
		{"monetary", `{"variety":"ransom-demand","currency":"USD","min_amount":1000.5,"max_amount":20000}`},
		{"physical", `{"impact_type":"damaged-nonfunctional","asset_type":"ics-actuator"}`},
		{"traceability", `{"traceability_impact":"partial-accountability"}`},
	} {
		t.Run(tc.category, func(t *testing.T) {
			warns, errs := Validate(impactJSON(tc.category, tc.ext))
			for _, p := range errs {
				t.Errorf("error: %s", p)
			}
			for _, p := range warns {
				t.Errorf("warning: %s", p)
			}
		})
	}
}

// TestImpactCategoryExtensionErrors names the path of each bad property.
func TestImpactCategoryExtensionErrors(t *testing.T) {
	for _, tc := range []struct{ category, ext, path, msg string }{
		{"availability", `{"availability_impact":101}`, "$.extensions.availability.availability_impact", "101"},
		{"availability", `{}`, "$.extensions.availability.availability_impact", "required"},
		{"availability", `{"availability_impact":"high"}`, "$.extensions.availability.availability_impact", "integer"},
		{"physical", `{"impact_type":"melted"}`, "$.extensions.physical.impact_type", "melted"},
		{"traceability", `{"traceability_impact":1}`, "$.extensions.traceability.traceability_impact", "string"},
		{"monetary", `{"variety":"x","min_amount":-1}`, "$.extensions.monetary.min_amount", "-1"},
		{"external", `{"impact_type":"public-safety","Bad Key":1}`, "$.extensions.external['Bad Key']", "property names"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			_, errs := Validate(impactJSON(tc.category, tc.ext))
			for _, p := range errs {
				if p.Path == tc.path && strings.Contains(p.Message, tc.msg) {
					return
				}
			}
			t.Errorf("want an error at %s mentioning %q, got %v", tc.path, tc.msg, errs)
		})
	}
}

// TestImpactCategoryOnlyOnImpact keeps the category names from being
// extension keys of other types.
func TestImpactCategoryOnlyOnImpact(t *testing.T) {
	raw := []byte(`{"type":"incident","spec_version":"2.1","id":"incident--0a3b5c7d-1e2f-4a5b-8c6d-7e8f9a0b1c2d",
	"created":"2026-11-21T09:00:00.000Z","modified":"2026-11-21T09:00:00.000Z","name":"x",
	"extensions":{"availability":{"availability_impact":85}}}`)
	_, errs := Validate(raw)
	for _, p := range errs {
		if p.Path == "$.extensions.availability" {
			return
		}
	}
	t.Errorf("an availability extension on an incident was accepted: %v", errs)
}
