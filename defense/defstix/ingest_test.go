package defstix_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/defense"
	"github.com/kizuna-dev/kizuna/defense/consult"
	"github.com/kizuna-dev/kizuna/defense/defstix"
	"github.com/kizuna-dev/kizuna/ingest"
	"github.com/kizuna-dev/kizuna/policy"
	"github.com/kizuna-dev/kizuna/store/sqlite"
)

const (
	accessExt = "extension-definition--a6ad3f01-dcdd-4bf5-8b2f-242de041664e"
	tlpGreen  = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
)

// TestThroughTheNode stores the collective-defense objects through the
// node's own ingest, policy and store: each is accepted and labelled from
// its markings, a Japanese reader cleared 極秘 reads the SECRET//REL TO
// USA, JPN incident and everything derived from it, an Australian reader
// reads none of it, only the joint position released at TLP:GREEN.
func TestThroughTheNode(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "kizuna.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	pol, err := policy.New(policy.DefaultConfig(), db)
	if err != nil {
		t.Fatal(err)
	}
	guard := policy.NewGuard(pol, db)
	svc := ingest.New(db, guard, pol, nil)
	coll := &kizuna.Collection{Title: "defense", CanRead: kizuna.AccessRule{Roles: []string{"reader"}},
		CanWrite: kizuna.AccessRule{Roles: []string{"publisher"}}, DefaultMarkingRefs: []string{tlpGreen}}
	if err := db.CreateCollection(ctx, coll); err != nil {
		t.Fatal(err)
	}

	secret := "marking-definition--" + kizuna.NewUUID()
	marking := `{"type":"marking-definition","spec_version":"2.1","id":"` + secret + `","created":"2026-01-01T00:00:00.000Z",
		"name":"SECRET//REL TO USA, JPN","extensions":{"` + accessExt + `":{"extension_type":"property-extension","scheme":"USA","level":"SECRET","releasable_to":["USA","JPN"]}}}`

	e, err := defense.LoadDefaults()
	if err != nil {
		t.Fatal(err)
	}
	inc := incident()
	inc.MarkingRefs = []string{secret}
	facts := e.Facts(inc, nil)
	answers := &kizuna.FactorAnswers{ID: faID, Created: t0, Modified: t0, CreatedByRef: jpnOrg, MarkingRefs: []string{secret},
		IncidentRef: incID, Nation: "JPN", Answers: []kizuna.FactorAnswer{{Factor: "severity", Degree: "high", Confidence: 80, AnalystRef: jpnOrg}}}
	res, err := e.Assess("JPN", facts, answers)
	if err != nil {
		t.Fatal(err)
	}
	assessment := &kizuna.ThresholdAssessment{ID: asID, Created: t0, Modified: t0, CreatedByRef: jpnOrg,
		MarkingRefs: defense.DerivedMarkings(inc.MarkingRefs, answers.MarkingRefs), IncidentRef: incID, IncidentVersion: inc.Modified,
		FactorAnswersRef: faID, FactorAnswersVersion: answers.Modified, Result: *res}

	clk := &fakeClock{t: t0.Add(2 * time.Hour)}
	cfgData, _ := defense.Defaults.ReadFile("defaults/consultation.json")
	cfg, err := consult.Load(cfgData, "consultation.json")
	if err != nil {
		t.Fatal(err)
	}
	m := consult.New(cfg, clk)
	c, err := m.Open(consult.Actor{Nation: "JPN", OrgRef: jpnOrg, POC: true}, consult.OpenRequest{ID: coID, IncidentRef: incID,
		Rank: res.Level.Rank, Addressees: []string{"USA"}, AssessmentRef: asID, MarkingRefs: assessment.MarkingRefs})
	if err != nil {
		t.Fatal(err)
	}
	resp := &kizuna.ConsultationResponse{ID: reID, Created: clk.t, Modified: clk.t, CreatedByRef: usaOrg, MarkingRefs: c.MarkingRefs,
		ConsultationRef: coID, Nation: "USA", Action: kizuna.ConsultActionAck}
	joint := &kizuna.JointPosition{ID: jpID, Created: clk.t, Modified: clk.t, CreatedByRef: jpnOrg, MarkingRefs: []string{tlpGreen},
		ConsultationRef: coID, IncidentRef: incID, Statement: "The allies are consulting.", LevelRank: 1, Nations: []string{"JPN", "USA"},
		Release: &kizuna.ReleaseDecision{DecidedByRef: jpnOrg, Authority: "release authority", Rationale: "agreed public line", At: clk.t,
			FromMarkingRefs: []string{secret}, ToMarkingRefs: []string{tlpGreen}}}

	raws := []json.RawMessage{json.RawMessage(marking)}
	for _, enc := range []func() ([]byte, error){
		func() ([]byte, error) { return defstix.EncodeIncident(inc) },
		func() ([]byte, error) { return defstix.EncodeFactorAnswers(answers) },
		func() ([]byte, error) { return defstix.EncodeAssessment(assessment) },
		func() ([]byte, error) { return defstix.EncodeConsultation(c) },
		func() ([]byte, error) { return defstix.EncodeResponse(resp) },
		func() ([]byte, error) { return defstix.EncodeJointPosition(joint) },
	} {
		raw, err := enc()
		if err != nil {
			t.Fatal(err)
		}
		raws = append(raws, raw)
	}
	results, err := svc.Ingest(ingest.AsOperator(ctx), coll.ID, raws)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range results {
		if r.Err != nil || !r.Created {
			t.Fatalf("object %d (%s): %+v", i, r.ID, r)
		}
	}

	read := func(p *kizuna.Principal) []string {
		page, err := guard.FindObjects(kizuna.NewContextWithPrincipal(ctx, p), kizuna.ObjectFilter{Collection: coll.ID, IncludeRaw: true, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, o := range page.Objects {
			if o.Type != "marking-definition" {
				ids = append(ids, o.ID)
			}
		}
		slices.Sort(ids)
		return ids
	}
	jp := &kizuna.Principal{ID: "principal--" + kizuna.NewUUID(), Name: "tanaka", Nation: "JPN", Organization: jpnOrg,
		Roles: []string{"reader"}, Clearances: []kizuna.Classification{{Scheme: "JPN", Level: "極秘"}}}
	au := &kizuna.Principal{ID: "principal--" + kizuna.NewUUID(), Name: "mitchell", Nation: "AUS", Organization: "identity--" + kizuna.NewUUID(),
		Roles: []string{"reader"}, Clearances: []kizuna.Classification{{Scheme: "AUS", Level: "SECRET"}}}
	all := []string{asID, coID, reID, faID, jpID, incID}
	slices.Sort(all)
	if got := read(jp); !slices.Equal(got, all) {
		t.Errorf("the Japanese reader reads %v, want %v", got, all)
	}
	if got := read(au); !slices.Equal(got, []string{jpID}) {
		t.Errorf("the Australian reader reads %v, want only the released joint position", got)
	}
}

type fakeClock struct{ t time.Time }

func (c *fakeClock) Now() time.Time { return c.t }
