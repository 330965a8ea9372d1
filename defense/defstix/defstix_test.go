package defstix_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/defense/defstix"
	"github.com/kizuna-dev/kizuna/stix"
)

var (
	t0     = time.Date(2026, 11, 20, 2, 40, 0, 0, time.UTC)
	jpnOrg = "identity--a1000000-0000-4000-8000-000000000001"
	usaOrg = "identity--a2000000-0000-4000-8000-000000000002"
	tlp    = "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"
	incID  = "incident--6f1c2a8e-3b4d-4e5f-8a9b-0c1d2e3f4a5b"
	impID  = "impact--1a2b3c4d-0001-4e5f-8a9b-0c1d2e3f4a5b"
	imp2ID = "impact--1a2b3c4d-0002-4e5f-8a9b-0c1d2e3f4a5b"
	faID   = "x-kizuna-factor-answers--0b0c0d0e-0000-4000-8000-000000000001"
	asID   = "x-kizuna-threshold-assessment--0b0c0d0e-0000-4000-8000-000000000002"
	coID   = "x-kizuna-consultation--0b0c0d0e-0000-4000-8000-000000000003"
	reID   = "x-kizuna-consultation-response--0b0c0d0e-0000-4000-8000-000000000004"
	jpID   = "x-kizuna-joint-position--0b0c0d0e-0000-4000-8000-000000000005"
	caID   = "x-kizuna-campaign-assessment--0b0c0d0e-0000-4000-8000-000000000006"
	inc2ID = "incident--b0000000-0000-4000-8000-000000000002"
)

func ip(i int) *int { return &i }

func incident() *kizuna.Incident {
	return &kizuna.Incident{ID: incID, Name: "Destructive attack on a container terminal's OT network", Created: t0, Modified: t0.Add(time.Hour),
		CreatedByRef: jpnOrg, MarkingRefs: []string{tlp}, Determination: "confirmed", InvestigationStatus: "open", Criticality: ip(90),
		Recoverability: "extended", IncidentTypes: []string{"destruction"}, ImpactRefs: []string{impID, imp2ID},
		EventRefs: []string{"event--0b0c0d0e-0000-4000-8000-000000000007"},
		Alliance: &kizuna.AllianceFacts{AffectedNations: []string{"JPN"}, Sectors: []string{"jp.ports"},
			Dependencies:      []kizuna.Dependency{{Nation: "USA", Kind: "military", Description: "naval facility supply"}},
			InformationImpact: "destruction-critical", PhysicalDamage: "damaged-nonfunctional", Injuries: 2, DurationHours: 96,
			SuspectedActorRef: "intrusion-set--2b3c4d5e-6f70-4182-93a4-b5c6d7e8f901", AttributionConfidence: ip(60),
			EvidenceRefs: []string{"indicator--9e8d7c6b-5a49-4837-a261-5f4e3d2c1b0a"}}}
}

func result() kizuna.AssessmentResult {
	return kizuna.AssessmentResult{Nation: "USA",
		Severity: kizuna.Severity{Model: "nciss-notional", ModelVersion: "2026-12-07", Notional: true, Score: 87.02, Level: 4, LevelName: "Severe",
			Categories: []kizuna.CategoryScore{{Category: "functional_impact", Weight: 6, Options: []string{"denial-critical"}, Value: 100, Weighted: 600}}},
		Policy:     kizuna.PolicyRef{Nation: "USA", Version: "example", Digest: strings.Repeat("ab", 32), Example: true},
		Level:      kizuna.Level{ID: "armed-attack-consult", Name: "possible armed attack — treaty consultation", Rank: 2},
		RulesFired: []string{"physical_harm", "state_attributed"}, DecidingRules: []string{"state_attributed"}, DecidingFactors: []string{"state_involvement"}}
}

// roundTrip encodes v, checks that package stix accepts the JSON as ingest
// would, decodes it and compares.
func roundTrip[T any](t *testing.T, v *T, enc func(*T) ([]byte, error), dec func([]byte) (*T, error), stixOK bool) []byte {
	t.Helper()
	raw, err := enc(v)
	if err != nil {
		t.Fatal(err)
	}
	if _, errs := stix.Validate(raw); stixOK && len(errs) > 0 {
		t.Fatalf("package stix refuses %s: %v", raw, errs)
	}
	got, err := dec(raw)
	if err != nil {
		t.Fatalf("%v\n%s", err, raw)
	}
	if !reflect.DeepEqual(got, v) {
		t.Fatalf("round trip:\n got %+v\nwant %+v\n%s", got, v, raw)
	}
	return raw
}

// TestRoundTrip encodes and decodes every object type; each is valid STIX
// 2.1 to package stix, except the OASIS impact, whose category extensions
// package stix does not know.
func TestRoundTrip(t *testing.T) {
	roundTrip(t, incident(), defstix.EncodeIncident, defstix.DecodeIncident, true)
	roundTrip(t, &kizuna.Impact{ID: impID, Created: t0, Modified: t0, Category: "availability", Availability: 100, Start: t0,
		End: t0.Add(20 * time.Hour), SupersededByRef: imp2ID, Recoverability: "extended", Criticality: ip(90)},
		defstix.EncodeImpact, defstix.DecodeImpact, false)
	roundTrip(t, &kizuna.Impact{ID: imp2ID, Created: t0, Modified: t0, Category: "physical", ImpactType: "damaged-nonfunctional",
		AssetType: "ics-actuator", EntityCounts: map[string]int{"ics-actuator": 2}}, defstix.EncodeImpact, defstix.DecodeImpact, false)
	roundTrip(t, &kizuna.FactorAnswers{ID: faID, Created: t0, Modified: t0, CreatedByRef: usaOrg, IncidentRef: incID, Nation: "USA",
		Answers: []kizuna.FactorAnswer{{Factor: "severity", Degree: "high", Confidence: 75, AnalystRef: usaOrg,
			EvidenceRefs: []string{"indicator--9e8d7c6b-5a49-4837-a261-5f4e3d2c1b0a"}, Rationale: "cranes inoperable"},
			{Factor: "state_involvement", Degree: "unknown", Confidence: 0, AnalystRef: usaOrg}}},
		defstix.EncodeFactorAnswers, defstix.DecodeFactorAnswers, true)
	roundTrip(t, &kizuna.ThresholdAssessment{ID: asID, Created: t0, Modified: t0, CreatedByRef: usaOrg, MarkingRefs: []string{tlp},
		IncidentRef: incID, IncidentVersion: t0.Add(time.Hour), ImpactRefs: []string{imp2ID}, FactorAnswersRef: faID,
		FactorAnswersVersion: t0, Result: result()}, defstix.EncodeAssessment, defstix.DecodeAssessment, true)
	roundTrip(t, &kizuna.CampaignAssessment{ID: caID, Created: t0, Modified: t0, CreatedByRef: usaOrg, IncidentRefs: []string{incID, inc2ID},
		Links:   []kizuna.CampaignLink{{From: incID, To: inc2ID, Reason: kizuna.LinkIndicator, Ref: "indicator--9e8d7c6b-5a49-4837-a261-5f4e3d2c1b0a"}},
		Nations: []string{"JPN", "USA"}, FirstSeen: t0, LastSeen: t0.Add(48 * time.Hour), Results: []kizuna.AssessmentResult{result()}},
		defstix.EncodeCampaignAssessment, defstix.DecodeCampaignAssessment, true)
	c := &kizuna.Consultation{ID: coID, Created: t0, Modified: t0.Add(time.Hour), CreatedByRef: jpnOrg, MarkingRefs: []string{tlp},
		IncidentRef: incID, Nation: "JPN", State: kizuna.ConsultProposed, Rank: 2, OpenedAt: t0, ProposedAt: t0.Add(time.Hour),
		Parties: []kizuna.Party{{Nation: "JPN", POCRef: jpnOrg, Status: kizuna.ParticipantEndorsed, AssessmentRef: asID},
			{Nation: "USA", POCRef: usaOrg, Status: kizuna.ParticipantReviewing, Deadline: t0.Add(7 * time.Hour), Escalation: 1, LevelRank: ip(2)}},
		Steps: []kizuna.ConsultStep{{Seq: 1, Action: "open", Nation: "JPN", ActorRef: jpnOrg, At: t0, StateAfter: kizuna.ConsultRequested},
			{Seq: 2, Action: "acknowledge", Nation: "USA", ActorRef: usaOrg, At: t0.Add(time.Minute), Ref: reID, StateBefore: "requested", StateAfter: "acknowledged"}},
		Escalations: []kizuna.Escalation{{Nation: "USA", Duty: "review", Level: 1, ContactRef: usaOrg, Missed: t0, At: t0, NewDeadline: t0.Add(time.Hour)}},
		Position: &kizuna.JointPositionDraft{Statement: "Consult.", LevelRank: 2, MarkingRefs: []string{tlp}, InputRefs: []string{asID},
			Release: &kizuna.ReleaseDecision{DecidedByRef: jpnOrg, Principal: "principal--x", Authority: "a", Rationale: "r", At: t0,
				FromMarkingRefs: []string{tlp}, ToMarkingRefs: []string{tlp}}}}
	roundTrip(t, c, defstix.EncodeConsultation, defstix.DecodeConsultation, true)
	roundTrip(t, &kizuna.ConsultationResponse{ID: reID, Created: t0, Modified: t0, CreatedByRef: usaOrg, ConsultationRef: coID,
		Nation: "USA", Action: kizuna.ConsultActionAssess, AssessmentRef: asID, LevelRank: ip(2)}, defstix.EncodeResponse, defstix.DecodeResponse, true)
	roundTrip(t, &kizuna.JointPosition{ID: jpID, Created: t0, Modified: t0, CreatedByRef: jpnOrg, MarkingRefs: []string{tlp},
		ConsultationRef: coID, IncidentRef: incID, Statement: "Consult.", LevelRank: 2, Nations: []string{"JPN", "USA"}, InputRefs: []string{asID},
		Release: c.Position.Release}, defstix.EncodeJointPosition, defstix.DecodeJointPosition, true)
}

// TestDecodeNamesIDAndPath: each problem names the object id and the JSON
// path of the offending value.
func TestDecodeNamesIDAndPath(t *testing.T) {
	alliance := "$.extensions['" + defstix.ExtAlliance + "']"
	core := "$.extensions['" + kizuna.ExtIncidentCore + "']"
	cases := []struct {
		name string
		raw  func() []byte
		dec  func([]byte) error
		want []string
	}{
		{"incident", func() []byte {
			raw, _ := defstix.EncodeIncident(incident())
			s := strings.Replace(string(raw), `"jp.ports"`, `"Ports"`, 1)
			s = strings.Replace(s, `"determination":"confirmed"`, `"determination":"certain"`, 1)
			s = strings.Replace(s, `"injuries":2`, `"injuries":-2`, 1)
			s = strings.Replace(s, `"affected_nations":["JPN"]`, `"affected_nations":["JPN"],"colour":"red"`, 1)
			return []byte(s)
		}, func(b []byte) error { _, err := defstix.DecodeIncident(b); return err }, []string{
			incID + ": " + alliance + ".sectors[0]: \"Ports\" is not a national sector id",
			incID + ": " + core + ".determination: \"certain\" is not one of",
			incID + ": " + alliance + ".injuries: must be an integer from 0",
			incID + ": " + alliance + ".colour: is not a property defined here"}},
		{"impact", func() []byte {
			return []byte(`{"type":"impact","spec_version":"2.1","id":"` + impID + `","created":"2026-11-20T02:40:00.000Z","modified":"2026-11-20T02:40:00.000Z",
			"impact_category":"availability","superseded_by_ref":"` + imp2ID + `",
			"extensions":{"` + kizuna.ExtIncidentImp + `":{"extension_type":"new-sdo"},"availability":{"availability_impact":140}}}`)
		}, func(b []byte) error { _, err := defstix.DecodeImpact(b); return err }, []string{
			impID + ": $.end_time: is required with superseded_by_ref",
			impID + ": $.extensions.availability.availability_impact: must be an integer from 0 to 100"}},
		{"factor answers", func() []byte {
			raw, _ := defstix.EncodeFactorAnswers(&kizuna.FactorAnswers{ID: faID, Created: t0, Modified: t0, IncidentRef: incID, Nation: "USA",
				Answers: []kizuna.FactorAnswer{{Factor: "severity", Degree: "huge", Confidence: 101, AnalystRef: usaOrg},
					{Factor: "severity", Degree: "high", Confidence: 50, AnalystRef: "report--0b0c0d0e-0000-4000-8000-000000000001"}}})
			return raw
		}, func(b []byte) error { _, err := defstix.DecodeFactorAnswers(b); return err }, []string{
			faID + ": $.answers[0].degree: \"huge\" is not one of", faID + ": $.answers[0].confidence: must be an integer from 0 to 100",
			faID + ": $.answers[1].analyst_ref: must reference identity, not report", faID + ": $.answers[1].factor: \"severity\" is answered twice"}},
		{"envelope, through package stix", func() []byte {
			raw, _ := defstix.EncodeResponse(&kizuna.ConsultationResponse{ID: reID, Created: t0, Modified: t0, CreatedByRef: usaOrg,
				ConsultationRef: coID, Nation: "USA", Action: kizuna.ConsultActionAck})
			return []byte(strings.Replace(string(raw), `"created":"2026-11-20T02:40:00.000Z"`, `"created":"yesterday"`, 1))
		}, func(b []byte) error { _, err := defstix.DecodeResponse(b); return err }, []string{reID + ": $.created:"}},
		{"consultation", func() []byte {
			raw, _ := defstix.EncodeConsultation(&kizuna.Consultation{ID: coID, Created: t0, Modified: t0, IncidentRef: incID, Nation: "JPN",
				State: "joint-position", OpenedAt: t0, Parties: []kizuna.Party{{Nation: "USA", Status: "x"}},
				Steps: []kizuna.ConsultStep{{Seq: 2, Action: "open", At: t0}}})
			return []byte(strings.Replace(string(raw), `"at":"2026-11-20T02:40:00Z"`, `"at":"2026-11-20T11:40:00+09:00"`, 1))
		}, func(b []byte) error { _, err := defstix.DecodeConsultation(b); return err }, []string{
			coID + ": $.parties[0].nation: must be the opening nation JPN", coID + ": $.steps[0].seq: must be 1",
			coID + ": $.steps[0].at:", coID + ": $.joint_position_ref: is required once the state is joint-position"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.dec(c.raw())
			if err == nil || kizuna.ErrorCode(err) != kizuna.EINVALID {
				t.Fatalf("err = %v", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\nlacks %q", err, w)
				}
			}
		})
	}
}
