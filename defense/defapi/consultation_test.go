package defapi_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/defense/defstix"
	"github.com/kizuna-dev/kizuna/ingest"
)

// TestConsultationOnTheClock runs a consultation on the owner's node: the
// Japanese point of contact acknowledges locally, the Australian one's
// response is applied by the worker, a missed deadline escalates when the
// injected clock passes it, and the acts are refused out of turn.
func TestConsultationOnTheClock(t *testing.T) {
	n := newTestNode(t)
	id, body := incident(t, []string{tlpGreen})
	n.must("usa", "POST", "/api/v1/incidents", body, 201, nil)
	var out struct{ Consultation json.RawMessage }
	n.must("usa", "POST", "/api/v1/consultations", map[string]any{"incident_ref": id, "addressees": []string{"JPN", "AUS"}}, 201, &out)
	c, err := defstix.DecodeConsultation(out.Consultation)
	if err != nil {
		t.Fatal(err)
	}
	if c.State != kizuna.ConsultRequested || len(c.Parties) != 3 {
		t.Fatalf("opened %+v", c)
	}
	n.clock.t = n.clock.t.Add(10 * time.Minute)
	n.must("jpn", "POST", "/api/v1/consultations/"+c.ID+"/acts", map[string]any{"act": "acknowledge"}, 200, &out)
	if code, b := n.do("jpn", "POST", "/api/v1/consultations/"+c.ID+"/acts", map[string]any{"act": "propose-position",
		"position": map[string]any{"statement": "x", "level_rank": 1}}, nil); code != 403 {
		t.Errorf("an addressee proposed the position: %d %s", code, b)
	}
	// Both acts are in the audit log: the acknowledgement allowed, the
	// proposal out of the nation's right denied.
	var acts []string
	for _, e := range n.audits {
		if strings.HasPrefix(e.Action, kizuna.AuditConsultPrefix) && e.Object == c.ID && e.Principal == n.users["jpn"].ID {
			acts = append(acts, e.Action+" "+e.Decision+" "+e.Reason)
		}
	}
	if len(acts) != 2 || !strings.HasPrefix(acts[0], "consult.acknowledge allow incident="+c.IncidentRef+" nation=JPN state=") ||
		!strings.HasPrefix(acts[1], `consult.refused deny nation=JPN act="propose-position"`) {
		t.Errorf("audited acts %q", acts)
	}

	// Past AUS's acknowledgement deadline the worker escalates once to its
	// second contact; a second Tick at the same time changes nothing.
	n.clock.t = c.Parties[2].Deadline.Add(time.Minute)
	if k, err := n.worker.Tick(context.Background()); err != nil || k != 1 {
		t.Fatalf("Tick stored %d versions, err %v", k, err)
	}
	if k, _ := n.worker.Tick(context.Background()); k != 0 {
		t.Errorf("a second Tick stored %d versions", k)
	}
	var got struct{ Consultation json.RawMessage }
	n.must("usa", "GET", "/api/v1/consultations/"+c.ID, nil, 200, &got)
	c2, _ := defstix.DecodeConsultation(got.Consultation)
	if len(c2.Escalations) != 1 || c2.Escalations[0].Nation != "AUS" || c2.Escalations[0].Level != kizuna.EscalationSecond {
		t.Fatalf("escalations %+v", c2.Escalations)
	}

	// AUS's response stored through this node's own TAXII is not applied
	// (the poc role was not checked); as it arrives from AUS's node, it is,
	// once.
	now := n.clock.t
	resp := &kizuna.ConsultationResponse{ID: defstix.TypeResponse + "--" + kizuna.NewUUID(), Created: now, Modified: now,
		CreatedByRef: ausOrg, MarkingRefs: c.MarkingRefs, ConsultationRef: c.ID, Nation: "AUS", Action: kizuna.ConsultActionAck}
	raw, _ := defstix.EncodeResponse(resp)
	if res, err := n.worker.Ingester.(operator).in.Ingest(ingest.AsOperator(context.Background()), n.coll.ID, []json.RawMessage{raw}); err != nil || res[0].Err != nil {
		t.Fatal(err, res)
	}
	if err := n.worker.Apply(context.Background(), n.coll.ID, resp.ID); err != nil {
		t.Fatal(err)
	}
	n.must("jpn", "GET", "/api/v1/consultations/"+c.ID, nil, 200, &got)
	if strings.Contains(string(got.Consultation), resp.ID) {
		t.Error("a response stored locally was applied")
	}
	// One more restricted than the consultation is not applied: its
	// statement would reach the consultation's readers.
	resp.ID, resp.MarkingRefs = defstix.TypeResponse+"--"+kizuna.NewUUID(), append(slices.Clone(c.MarkingRefs), n.secret)
	raw, _ = defstix.EncodeResponse(resp)
	n.receive(raw, "aus-node")
	if err := n.worker.Apply(context.Background(), n.coll.ID, resp.ID); kizuna.ErrorCode(err) != kizuna.EFORBIDDEN {
		t.Errorf("a response marked beyond the consultation: %v", err)
	}
	resp.ID, resp.MarkingRefs = defstix.TypeResponse+"--"+kizuna.NewUUID(), c.MarkingRefs
	raw, _ = defstix.EncodeResponse(resp)
	n.receive(raw, "aus-node")
	if err := n.worker.Apply(context.Background(), n.coll.ID, resp.ID); err != nil {
		t.Fatal(err)
	}
	if err := n.worker.Apply(context.Background(), n.coll.ID, resp.ID); err != nil {
		t.Fatal(err) // applied once: a second delivery is a no-op
	}
	n.must("jpn", "GET", "/api/v1/consultations/"+c.ID+"?versions=all", nil, 200, &got)
	c3, _ := defstix.DecodeConsultation(got.Consultation)
	if c3.State != kizuna.ConsultAcknowledged {
		t.Errorf("state %s after every ally acknowledged, want %s", c3.State, kizuna.ConsultAcknowledged)
	}
	if n := strings.Count(string(got.Consultation), resp.ID); n != 1 {
		t.Errorf("the response is recorded %d times", n)
	}

	// Every party shares an assessment, the opener proposes a position,
	// both allies endorse it (JPN here, AUS from its node): the node stores
	// the joint position with the position's markings.
	ally := func(act string, ref string) {
		t.Helper()
		n.clock.t = n.clock.t.Add(time.Minute)
		r := &kizuna.ConsultationResponse{ID: defstix.TypeResponse + "--" + kizuna.NewUUID(), Created: n.clock.t, Modified: n.clock.t,
			CreatedByRef: ausOrg, MarkingRefs: c.MarkingRefs, ConsultationRef: c.ID, Nation: "AUS", Action: act, AssessmentRef: ref}
		raw, _ := defstix.EncodeResponse(r)
		n.receive(raw, "aus-node")
		if err := n.worker.Apply(context.Background(), n.coll.ID, r.ID); err != nil {
			t.Fatalf("AUS %s: %v", act, err)
		}
	}
	for _, user := range []string{"usa", "jpn"} {
		var as struct{ Assessment struct{ ID string } }
		n.must(user, "POST", "/api/v1/incidents/"+id+"/assessments", map[string]any{"store": true}, 201, &as)
		n.must(user, "POST", "/api/v1/consultations/"+c.ID+"/acts", map[string]any{"act": "share-assessment", "assessment_ref": as.Assessment.ID}, 200, nil)
	}
	ally(kizuna.ConsultActionAssess, defstix.TypeAssessment+"--"+kizuna.NewUUID())
	n.must("usa", "POST", "/api/v1/consultations/"+c.ID+"/acts", map[string]any{"act": "propose-position",
		"position": map[string]any{"statement": "The allies will coordinate their response.", "level_rank": 1, "marking_refs": []string{tlpGreen}}}, 200, nil)
	n.must("jpn", "POST", "/api/v1/consultations/"+c.ID+"/acts", map[string]any{"act": "endorse"}, 200, nil)
	ally(kizuna.ConsultActionEndorse, "")
	n.must("aus", "GET", "/api/v1/consultations/"+c.ID, nil, 200, &got)
	final, _ := defstix.DecodeConsultation(got.Consultation)
	if final.State != kizuna.ConsultJointPosition || final.PositionRef == "" {
		t.Fatalf("state %s, position %q", final.State, final.PositionRef)
	}
	page, err := n.db.FindObjects(context.Background(), kizuna.ObjectFilter{Collection: n.coll.ID, IDs: []string{final.PositionRef},
		Access: kizuna.AccessScope{Unrestricted: true}, IncludeRaw: true, Limit: 1})
	if err != nil || len(page.Objects) != 1 {
		t.Fatalf("the joint position was not stored: %v", err)
	}
	jp, err := defstix.DecodeJointPosition(page.Objects[0].Raw)
	if err != nil || jp.ConsultationRef != c.ID || !slices.Equal(jp.MarkingRefs, []string{tlpGreen}) {
		t.Errorf("joint position %+v (%v)", jp, err)
	}
}
