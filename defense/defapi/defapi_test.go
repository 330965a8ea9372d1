package defapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/defense"
	"github.com/kizuna-dev/kizuna/defense/consult"
	"github.com/kizuna-dev/kizuna/defense/defapi"
	"github.com/kizuna-dev/kizuna/defense/defstix"
	"github.com/kizuna-dev/kizuna/ingest"
	"github.com/kizuna-dev/kizuna/policy"
	"github.com/kizuna-dev/kizuna/stix"
	"github.com/kizuna-dev/kizuna/store/sqlite"
)

const (
	accessExt = "extension-definition--a6ad3f01-dcdd-4bf5-8b2f-242de041664e"
	tlpGreen  = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
	jpnOrg    = "identity--a1000000-0000-4000-8000-000000000001"
	usaOrg    = "identity--a2000000-0000-4000-8000-000000000002"
	ausOrg    = "identity--a3000000-0000-4000-8000-000000000003"
)

type fakeClock struct{ t time.Time }

func (c *fakeClock) Now() time.Time { return c.t }

// testNode is the defense API over a real store, policy guard and ingest,
// with the principal of each request set by the test.
type testNode struct {
	t      testing.TB
	db     *sqlite.DB
	srv    *httptest.Server
	coll   *kizuna.Collection
	worker *defapi.Worker
	clock  *fakeClock
	secret string // SECRET//REL TO USA, JPN
	users  map[string]*kizuna.Principal
	pol    *policy.Policy
}

// receive stores an object as federation does with what a peer sends:
// labelled, with the peer as its origin.
func (n *testNode) receive(raw []byte, origin string) {
	n.t.Helper()
	ctx := context.Background()
	obj, err := stix.Parse(raw)
	if err != nil {
		n.t.Fatal(err)
	}
	obj.Origin = origin
	if obj.Label, obj.Portions, _, err = n.pol.Label(ctx, obj, n.coll); err != nil {
		n.t.Fatal(err)
	}
	if res, err := n.db.PutObjects(ctx, n.coll.ID, []*kizuna.Object{obj}); err != nil || res[0].Err != nil {
		n.t.Fatal(err, res)
	}
}

func newTestNode(t testing.TB) *testNode {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "kizuna.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	pol, err := policy.New(policy.DefaultConfig(), db)
	if err != nil {
		t.Fatal(err)
	}
	guard := policy.NewGuard(pol, db)
	in := ingest.New(db, guard, pol, nil)
	coll := &kizuna.Collection{Alias: "default", Title: "defense", CanRead: kizuna.AccessRule{Roles: []string{"reader"}},
		CanWrite: kizuna.AccessRule{Roles: []string{"publisher"}}, DefaultMarkingRefs: []string{tlpGreen}}
	if err := db.CreateCollection(ctx, coll); err != nil {
		t.Fatal(err)
	}
	n := &testNode{t: t, db: db, coll: coll, pol: pol, clock: &fakeClock{t: time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)}}
	n.secret = "marking-definition--" + kizuna.NewUUID()
	marking := `{"type":"marking-definition","spec_version":"2.1","id":"` + n.secret + `","created":"2026-01-01T00:00:00.000Z",
		"name":"SECRET//REL TO USA, JPN","extensions":{"` + accessExt + `":{"extension_type":"property-extension","scheme":"USA","level":"SECRET","releasable_to":["USA","JPN"]}}}`
	if res, err := in.Ingest(ingest.AsOperator(ctx), coll.ID, []json.RawMessage{json.RawMessage(marking)}); err != nil || res[0].Err != nil {
		t.Fatal(err, res)
	}
	e, err := defense.LoadDefaults()
	if err != nil {
		t.Fatal(err)
	}
	cfgData, _ := defense.Defaults.ReadFile("defaults/consultation.json")
	cfg, err := consult.Load(cfgData, "consultation.json")
	if err != nil {
		t.Fatal(err)
	}
	m := consult.New(cfg, n.clock)
	n.worker = &defapi.Worker{Machine: m, Store: db, Ingester: operator{in}}
	in.Subscribe(n.worker.Notify) // as the node does: Notify runs while the worker stores a version
	s := &defapi.Server{Engine: e, Consult: m, Objects: guard, Collections: guard, Ingester: in, Collection: "default",
		Clock: n.clock, Worker: n.worker, WriteError: func(w http.ResponseWriter, r *http.Request, err error) {
			status := map[string]int{kizuna.EINVALID: 400, kizuna.EFORBIDDEN: 403, kizuna.ENOTFOUND: 404, kizuna.ECONFLICT: 409}[kizuna.ErrorCode(err)]
			if status == 0 {
				status = 500
			}
			http.Error(w, kizuna.ErrorMessage(err), status)
		}}
	n.users = map[string]*kizuna.Principal{
		"usa": {ID: "principal--" + kizuna.NewUUID(), Name: "usa", Nation: "USA", Organization: usaOrg,
			Roles: []string{"reader", "publisher", "poc"}, Clearances: []kizuna.Classification{{Scheme: "USA", Level: "SECRET"}}},
		"jpn": {ID: "principal--" + kizuna.NewUUID(), Name: "jpn", Nation: "JPN", Organization: jpnOrg,
			Roles: []string{"reader", "publisher", "poc"}, Clearances: []kizuna.Classification{{Scheme: "JPN", Level: "極秘"}}},
		"aus": {ID: "principal--" + kizuna.NewUUID(), Name: "aus", Nation: "AUS", Organization: ausOrg,
			Roles: []string{"reader", "publisher", "poc"}, Clearances: []kizuna.Classification{{Scheme: "AUS", Level: "SECRET"}}},
	}
	h := s.Handler(http.NotFoundHandler())
	n.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := n.users[r.Header.Get("X-Test-User")]
		h.ServeHTTP(w, r.WithContext(kizuna.NewContextWithPrincipal(r.Context(), p)))
	}))
	t.Cleanup(n.srv.Close)
	return n
}

type operator struct{ in *ingest.Service }

func (o operator) Ingest(ctx context.Context, coll string, raws []json.RawMessage) ([]kizuna.PutResult, error) {
	return o.in.Ingest(ingest.AsOperator(ctx), coll, raws)
}

// do sends a request as a user and decodes the JSON answer into out (when
// not nil); it returns the status and the body.
func (n *testNode) do(user, method, path string, body any, out any) (int, string) {
	n.t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, _ := http.NewRequest(method, n.srv.URL+path, rd)
	req.Header.Set("X-Test-User", user)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		n.t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(buf.Bytes(), out); err != nil {
			n.t.Fatalf("%s %s: %v: %s", method, path, err, buf.String())
		}
	}
	return resp.StatusCode, buf.String()
}

func (n *testNode) must(user, method, path string, body any, want int, out any) {
	n.t.Helper()
	if code, b := n.do(user, method, path, body, out); code != want {
		n.t.Fatalf("%s %s %s: %d %s, want %d", user, method, path, code, b, want)
	}
}

// incident returns an incident of usaOrg with an availability impact.
func incident(t testing.TB, markings []string) (id string, body map[string]any) {
	t.Helper()
	t0 := time.Date(2026, 11, 20, 2, 40, 0, 0, time.UTC)
	imp := &kizuna.Impact{ID: "impact--" + kizuna.NewUUID(), Created: t0, Modified: t0, CreatedByRef: usaOrg, MarkingRefs: markings,
		Category: "availability", Availability: 85, Start: t0}
	inc := &kizuna.Incident{ID: "incident--" + kizuna.NewUUID(), Name: "Destructive attack on a container terminal", Created: t0, Modified: t0,
		CreatedByRef: usaOrg, MarkingRefs: markings, Determination: "confirmed", InvestigationStatus: "open",
		ImpactRefs: []string{imp.ID}, Alliance: &kizuna.AllianceFacts{AffectedNations: []string{"JPN"}, Sectors: []string{"jp.ports"},
			PhysicalDamage: "damaged-nonfunctional", Injuries: 2, DurationHours: 96,
			SuspectedActorRef: "intrusion-set--2b3c4d5e-6f70-4182-93a4-b5c6d7e8f901",
			EvidenceRefs:      []string{"indicator--9e8d7c6b-5a49-4837-a261-5f4e3d2c1b0a"}}}
	ri, err := defstix.EncodeIncident(inc)
	if err != nil {
		t.Fatal(err)
	}
	rm, err := defstix.EncodeImpact(imp)
	if err != nil {
		t.Fatal(err)
	}
	return inc.ID, map[string]any{"incident": json.RawMessage(ri), "impacts": []json.RawMessage{rm}}
}

var answers = map[string]any{"answers": []map[string]any{
	{"factor": "severity", "degree": "high", "confidence": 80, "analyst_ref": usaOrg},
	{"factor": "state_involvement", "degree": "high", "confidence": 75, "analyst_ref": usaOrg}}}

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
	if res, err := n.worker.Ingester.Ingest(context.Background(), n.coll.ID, []json.RawMessage{raw}); err != nil || res[0].Err != nil {
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
