package defapi_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/defense"
	"github.com/kizuna-dev/kizuna/defense/defapi"
	"github.com/kizuna-dev/kizuna/defense/defstix"
)

// TestHiddenIncidentLeaksNothing stores an incident marked SECRET//REL TO
// USA, JPN with answers, an assessment, a consultation and a campaign
// assessment, and checks that an Australian reader gets, for each route, the
// answer it gets for an id that does not exist, and that lists and counts
// leave it out; the American and Japanese readers read it all.
func TestHiddenIncidentLeaksNothing(t *testing.T) {
	n := newTestNode(t)
	hidden, body := incident(t, []string{n.secret})
	n.must("usa", "POST", "/api/v1/incidents", body, 201, nil)
	open, body := incident(t, []string{tlpGreen})
	n.must("usa", "POST", "/api/v1/incidents", body, 201, nil)
	n.must("usa", "PUT", "/api/v1/incidents/"+hidden+"/factors", answers, 200, nil)
	var as struct{ Assessment json.RawMessage }
	n.must("usa", "POST", "/api/v1/incidents/"+hidden+"/assessments", map[string]any{"store": true}, 201, &as)
	var cons struct{ Consultation struct{ ID string } }
	n.must("usa", "POST", "/api/v1/consultations", map[string]any{"incident_ref": hidden, "addressees": []string{"JPN"}}, 201, &cons)
	n.must("usa", "POST", "/api/v1/campaigns/assessments", map[string]any{"incident_refs": []string{hidden, open}}, 201, nil)

	// The derived objects carry the incident's marking.
	for _, typ := range []string{defstix.TypeFactorAnswers, defstix.TypeAssessment, defstix.TypeConsultation, defstix.TypeCampaignAssessment} {
		page, err := n.db.FindObjects(context.Background(), kizuna.ObjectFilter{Collection: n.coll.ID, Types: []string{typ},
			Access: kizuna.AccessScope{Unrestricted: true}, Limit: 10})
		if err != nil || len(page.Objects) != 1 {
			t.Fatalf("%s: %v %d objects", typ, err, len(page.Objects))
		}
		if !slices.Contains(page.Objects[0].MarkingRefs, n.secret) {
			t.Errorf("%s is marked %v, without its incident's marking", typ, page.Objects[0].MarkingRefs)
		}
	}

	missing := "incident--" + kizuna.NewUUID()
	for _, r := range []struct{ method, path string }{
		{"GET", "/api/v1/incidents/%s"}, {"GET", "/api/v1/incidents/%s/factors"}, {"GET", "/api/v1/incidents/%s/assessments"},
		{"GET", "/api/v1/incidents/%s/divergence"}, {"POST", "/api/v1/incidents/%s/assessments"},
	} {
		var b any
		if r.method == "POST" {
			b = map[string]any{"store": false}
		}
		c1, b1 := n.do("aus", r.method, strings.Replace(r.path, "%s", hidden, 1), b, nil)
		c2, b2 := n.do("aus", r.method, strings.Replace(r.path, "%s", missing, 1), b, nil)
		if c1 != 404 || c2 != 404 || strings.ReplaceAll(b1, hidden, "ID") != strings.ReplaceAll(b2, missing, "ID") {
			t.Errorf("%s %s: hidden %d %q, missing %d %q", r.method, r.path, c1, b1, c2, b2)
		}
		if c, b := n.do("usa", r.method, strings.Replace(r.path, "%s", hidden, 1), b, nil); c >= 300 {
			t.Errorf("usa %s %s: %d %s", r.method, r.path, c, b)
		}
	}
	if c, b := n.do("aus", "GET", "/api/v1/consultations/"+cons.Consultation.ID, nil, nil); c != 404 {
		t.Errorf("aus reads the consultation: %d %s", c, b)
	}
	if c, b := n.do("aus", "POST", "/api/v1/consultations/"+cons.Consultation.ID+"/acts", map[string]any{"act": "acknowledge"}, nil); c != 404 {
		t.Errorf("aus acts in the consultation: %d %s", c, b)
	}
	if c, b := n.do("aus", "POST", "/api/v1/campaigns/assessments", map[string]any{"incident_refs": []string{hidden, open}}, nil); c != 404 {
		t.Errorf("aus assesses a campaign with the hidden incident: %d %s", c, b)
	}
	if c, b := n.do("aus", "POST", "/api/v1/policies/AUS/test", map[string]any{"incident_ref": hidden}, nil); c != 404 {
		t.Errorf("aus tests a policy on the hidden incident: %d %s", c, b)
	}
	var list struct{ Incidents []struct{ ID string } }
	n.must("aus", "GET", "/api/v1/incidents", nil, 200, &list)
	if len(list.Incidents) != 1 || list.Incidents[0].ID != open {
		t.Errorf("aus lists %+v, want only %s", list.Incidents, open)
	}
	var cl struct{ Consultations []json.RawMessage }
	n.must("aus", "GET", "/api/v1/consultations", nil, 200, &cl)
	if len(cl.Consultations) != 0 {
		t.Errorf("aus lists %d consultations", len(cl.Consultations))
	}
	var camps struct{ Campaigns []defense.Cluster }
	n.must("aus", "GET", "/api/v1/campaigns", nil, 200, &camps)
	if len(camps.Campaigns) != 0 {
		t.Errorf("aus sees campaigns %+v", camps.Campaigns)
	}
	n.must("usa", "GET", "/api/v1/campaigns", nil, 200, &camps)
	if len(camps.Campaigns) != 1 || !slices.Contains(camps.Campaigns[0].IncidentRefs, hidden) {
		t.Errorf("usa sees campaigns %+v, want the two incidents linked", camps.Campaigns)
	}
	var jl struct{ Assessments []json.RawMessage }
	n.must("jpn", "GET", "/api/v1/incidents/"+hidden+"/assessments", nil, 200, &jl)
	if len(jl.Assessments) != 1 {
		t.Errorf("jpn reads %d assessments of the incident, want 1", len(jl.Assessments))
	}
}

// TestIncidentOfAnotherOrganisation refuses an incident, or an impact,
// whose creator is not the caller's organisation before storing any of the
// request, and names the object and path.
func TestIncidentOfAnotherOrganisation(t *testing.T) {
	n := newTestNode(t)
	id, body := incident(t, []string{tlpGreen})
	code, b := n.do("jpn", "POST", "/api/v1/incidents", body, nil)
	if code != 403 || !strings.Contains(b, id+": $.created_by_ref") {
		t.Errorf("jpn stored usa's incident: %d %s", code, b)
	}
	page, err := n.db.FindObjects(context.Background(), kizuna.ObjectFilter{Collection: n.coll.ID, Types: []string{"incident", "impact"},
		Access: kizuna.AccessScope{Unrestricted: true}, Limit: 10})
	if err != nil || len(page.Objects) != 0 {
		t.Errorf("the refused request left %d objects (%v)", len(page.Objects), err)
	}
	if code, b := n.do("usa", "POST", "/api/v1/incidents", map[string]any{"incident": json.RawMessage(`{"type":"incident"}`)}, nil); code != 400 {
		t.Errorf("a malformed incident: %d %s", code, b)
	}
}

// TestFactsFromReadableImpactsOnly: a reader who may read an incident but
// not one of its impacts gets facts derived without that impact, so that
// the facts tell nothing of it.
func TestFactsFromReadableImpactsOnly(t *testing.T) {
	n := newTestNode(t)
	id, body := incident(t, []string{tlpGreen})
	var imp map[string]any
	json.Unmarshal(body["impacts"].([]json.RawMessage)[0], &imp)
	imp["object_marking_refs"] = []string{n.secret}
	raw, _ := json.Marshal(imp)
	body["impacts"] = []json.RawMessage{raw}
	n.must("usa", "POST", "/api/v1/incidents", body, 201, nil)
	var view struct {
		Impacts []json.RawMessage
		Facts   kizuna.IncidentFacts
	}
	n.must("usa", "GET", "/api/v1/incidents/"+id, nil, 200, &view)
	if len(view.Impacts) != 1 || view.Facts.FunctionalImpact != "denial-critical" || view.Facts.MaxAvailabilityImpact != 85 {
		t.Errorf("usa: %d impacts, facts %+v", len(view.Impacts), view.Facts)
	}
	n.must("aus", "GET", "/api/v1/incidents/"+id, nil, 200, &view)
	if len(view.Impacts) != 0 || view.Facts.FunctionalImpact != "" || view.Facts.MaxAvailabilityImpact != 0 || len(view.Facts.CurrentImpact) != 0 {
		t.Errorf("aus: %d impacts, facts %+v", len(view.Impacts), view.Facts)
	}
}

// TestBodyMembersAreUnambiguous: a request body that a gateway or a log
// could read otherwise than the node (a member twice, a member in another
// case, nesting past the bound) is refused with 400 naming the member,
// and nothing is stored.
func TestBodyMembersAreUnambiguous(t *testing.T) {
	n := newTestNode(t)
	first, body := incident(t, []string{tlpGreen})
	n.must("usa", "POST", "/api/v1/incidents", body, 201, nil)
	second, body := incident(t, []string{tlpGreen})
	n.must("usa", "POST", "/api/v1/incidents", body, 201, nil)

	for _, c := range []struct{ body, want string }{
		{`{"incident_ref":"` + first + `","incident_ref":"` + second + `","addressees":["JPN"]}`, "$.incident_ref: appears twice"},
		{`{"Incident_Ref":"` + second + `","addressees":["JPN"]}`, "$.Incident_Ref: is not a property"},
		{`{"incident_ref":"` + first + `","addressees":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`, "nested more than"},
	} {
		code, b := n.do("usa", "POST", "/api/v1/consultations", json.RawMessage(c.body), nil)
		if code != 400 || !strings.Contains(b, c.want) {
			t.Errorf("%.60s: %d %s, want 400 naming %q", c.body, code, b, c.want)
		}
	}
	var list struct{ Consultations []json.RawMessage }
	n.must("usa", "GET", "/api/v1/consultations", nil, 200, &list)
	if len(list.Consultations) != 0 {
		t.Errorf("%d consultations stored from refused bodies", len(list.Consultations))
	}
}

// draftOnIncident returns a node holding an incident every test
// principal reads, and a fresh draft of the shipped Australian policy.
func draftOnIncident(t *testing.T) (n *testNode, incidentID string, draft func() map[string]any) {
	n = newTestNode(t)
	id, body := incident(t, []string{tlpGreen})
	n.must("usa", "POST", "/api/v1/incidents", body, 201, nil)
	data, err := defense.Defaults.ReadFile("defaults/policies/aus.json")
	if err != nil {
		t.Fatal(err)
	}
	return n, id, func() map[string]any {
		var p map[string]any
		if err := json.Unmarshal(data, &p); err != nil {
			t.Fatal(err)
		}
		return p
	}
}

// TestDraftPolicyCostIsBounded: any reader may run a draft policy on an
// incident it reads; a rule written to run ten million iterations fails at
// the evaluation cost bound with 400 naming the rule, instead of holding a
// core for as long as it runs.
func TestDraftPolicyCostIsBounded(t *testing.T) {
	n, id, newDraft := draftOnIncident(t)
	draft := newDraft()
	heavy := "false"
	for _, v := range []string{"a", "b", "c", "d", "e", "f", "g"} {
		heavy = "[0,1,2,3,4,5,6,7,8,9].exists(" + v + ", " + heavy + ")"
	}
	draft["rules"].([]any)[0].(map[string]any)["when"] = heavy
	code, b := n.do("aus", "POST", "/api/v1/policies/AUS/test", map[string]any{"incident_ref": id, "policy": draft}, nil)
	if code != 400 || !strings.Contains(b, "cost limit") || !strings.Contains(b, "$.rules[0].when") {
		t.Fatalf("a draft policy of 10^7 iterations: %d %s, want 400 naming the cost limit and the rule", code, b)
	}
}

// TestDraftPolicySizeIsBounded: a draft policy larger than MaxDraftPolicy
// is refused with 413 naming $.policy before it is compiled, so that a
// reader cannot hold a core compiling megabytes of rules; one of the
// bound's size compiles.
func TestDraftPolicySizeIsBounded(t *testing.T) {
	n, id, newDraft := draftOnIncident(t)
	draft := func(size int) json.RawMessage {
		p := newDraft()
		p["description"] = ""
		raw, _ := json.Marshal(p)
		p["description"] = strings.Repeat("x", size-len(raw))
		raw, _ = json.Marshal(p)
		if len(raw) != size {
			t.Fatalf("draft of %d bytes, want %d", len(raw), size)
		}
		return raw
	}
	code, b := n.do("aus", "POST", "/api/v1/policies/AUS/test", map[string]any{"incident_ref": id, "policy": draft(defapi.MaxDraftPolicy + 1)}, nil)
	if code != 413 || !strings.Contains(b, "$.policy") {
		t.Errorf("a draft of MaxDraftPolicy+1 bytes: %d %s, want 413 naming $.policy", code, b)
	}
	n.must("aus", "POST", "/api/v1/policies/AUS/test", map[string]any{"incident_ref": id, "policy": draft(defapi.MaxDraftPolicy)}, 200, nil)
}
