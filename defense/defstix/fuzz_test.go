package defstix_test

import (
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/defense/defstix"
)

// FuzzDecode feeds every decoder arbitrary bytes: each returns an object
// or an EINVALID error, never panics, and an accepted object encodes again.
func FuzzDecode(f *testing.F) {
	for _, enc := range []func() ([]byte, error){
		func() ([]byte, error) { return defstix.EncodeIncident(incident()) },
		func() ([]byte, error) {
			return defstix.EncodeImpact(&kizuna.Impact{ID: impID, Created: t0, Modified: t0, Category: "external", ImpactType: "national-security"})
		},
		func() ([]byte, error) {
			return defstix.EncodeAssessment(&kizuna.ThresholdAssessment{ID: asID, Created: t0, Modified: t0, IncidentRef: incID, IncidentVersion: t0, Result: result()})
		},
		func() ([]byte, error) {
			return defstix.EncodeResponse(&kizuna.ConsultationResponse{ID: reID, Created: t0, Modified: t0, CreatedByRef: usaOrg,
				ConsultationRef: coID, Nation: "USA", Action: "endorse"})
		},
	} {
		raw, err := enc()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Add([]byte(`{"type":"x-kizuna-consultation","id":"x-kizuna-consultation--0b0c0d0e-0000-4000-8000-000000000003","parties":[{"deadline":1}],"steps":[null]}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		check := func(err error) {
			if err != nil && kizuna.ErrorCode(err) != kizuna.EINVALID {
				t.Fatalf("error %v is not EINVALID", err)
			}
		}
		if inc, err := defstix.DecodeIncident(raw); err == nil {
			if _, err := defstix.EncodeIncident(inc); err != nil {
				t.Fatal(err)
			}
		} else {
			check(err)
		}
		_, err := defstix.DecodeImpact(raw)
		check(err)
		_, err = defstix.DecodeFactorAnswers(raw)
		check(err)
		_, err = defstix.DecodeAssessment(raw)
		check(err)
		_, err = defstix.DecodeConsultation(raw)
		check(err)
		_, err = defstix.DecodeResponse(raw)
		check(err)
		_, err = defstix.DecodeJointPosition(raw)
		check(err)
		_, err = defstix.DecodeCampaignAssessment(raw)
		check(err)
	})
}
