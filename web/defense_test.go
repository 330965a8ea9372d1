package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/defense"
	"github.com/kizuna-dev/kizuna/defense/consult"
	"github.com/kizuna-dev/kizuna/defense/defapi"
	"github.com/kizuna-dev/kizuna/defense/defstix"
	"github.com/kizuna-dev/kizuna/federation"
	"github.com/kizuna-dev/kizuna/ingest"
	"github.com/kizuna-dev/kizuna/node"
	"github.com/kizuna-dev/kizuna/node/nodetest"
	"github.com/kizuna-dev/kizuna/web"
)

// The organisations of the shipped consultation configuration's points of
// contact (defense/defaults/consultation.json).
const (
	jpnOrg = "identity--a1000000-0000-4000-8000-000000000001"
	usaOrg = "identity--a2000000-0000-4000-8000-000000000002"
	ausOrg = "identity--a3000000-0000-4000-8000-000000000003"
	// tlpGreen is TLP 2.0's GREEN.
	tlpGreen  = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
	accessExt = "extension-definition--a6ad3f01-dcdd-4bf5-8b2f-242de041664e"
)

// defensePrincipals act in collective defense: the points of contact of
// the three configured nations, readers without the role, and an admin.
var defensePrincipals = []*kizuna.Principal{
	{Name: "usa-poc", Nation: "USA", Organization: usaOrg, Clearances: []kizuna.Classification{{Scheme: "USA", Level: "SECRET"}},
		Roles: []string{kizuna.RoleReader, kizuna.RolePublisher, kizuna.RolePOC}},
	{Name: "jpn-poc", Nation: "JPN", Organization: jpnOrg, Clearances: []kizuna.Classification{{Scheme: "JPN", Level: "gokuhi"}},
		Roles: []string{kizuna.RoleReader, kizuna.RolePublisher, kizuna.RolePOC}},
	{Name: "aus-poc", Nation: "AUS", Organization: ausOrg, Clearances: []kizuna.Classification{{Scheme: "AUS", Level: "SECRET"}},
		Roles: []string{kizuna.RoleReader, kizuna.RolePublisher, kizuna.RolePOC}},
	{Name: "jpn-analyst", Nation: "JPN", Organization: jpnOrg, Clearances: []kizuna.Classification{{Scheme: "JPN", Level: "gokuhi"}},
		Roles: []string{kizuna.RoleReader}},
	{Name: "root", Nation: "USA", Roles: []string{kizuna.RoleAdmin, kizuna.RoleReader}},
}

// defenseWorkspace is the workspace of a node serving collective defense
// as 'kizuna serve' does, on the shipped configuration, with a
// SECRET//REL TO USA, JPN marking in its default collection.
type defenseWorkspace struct {
	*workspace
	secret string
}

func startDefenseWorkspace(t *testing.T) *defenseWorkspace {
	t.Helper()
	return startDefenseWorkspaceWith(t, node.ServeConfig{}, web.Options{})
}

// startDefenseWorkspaceWith is startDefenseWorkspace with more mounts and
// options.
func startDefenseWorkspaceWith(t *testing.T, cfg node.ServeConfig, wopt web.Options) *defenseWorkspace {
	t.Helper()
	var def *defapi.Server
	cfg.Mounts = append([]node.Mount{defenseMount(t, &def)}, cfg.Mounts...)
	wopt.Defense = func() *defapi.Server { return def }
	w := startWorkspace(t, nodetest.Options{}, cfg, wopt)
	for _, p := range defensePrincipals {
		w.addPrincipal(t, p)
	}
	d := &defenseWorkspace{workspace: w, secret: "marking-definition--" + kizuna.NewUUID()}
	marking := `{"type":"marking-definition","spec_version":"2.1","id":"` + d.secret + `","created":"2026-01-01T00:00:00.000Z",
		"name":"SECRET//REL TO USA, JPN","extensions":{"` + accessExt + `":{"extension_type":"property-extension","scheme":"USA","level":"SECRET","releasable_to":["USA","JPN"]}}}`
	if res, err := w.Ingest.Ingest(ingest.AsOperator(context.Background()), node.DefaultAlias, []json.RawMessage{json.RawMessage(marking)}); err != nil || res[0].Err != nil {
		t.Fatal(err, res)
	}
	return d
}

// millis is the wall clock to the millisecond, the precision of STIX
// timestamps.
type millis struct{}

func (millis) Now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }

// defenseMount mounts collective defense on the shipped configuration and
// keeps its server in *served.
func defenseMount(t *testing.T, served **defapi.Server) node.Mount {
	return func(n *node.Node, r *node.Router) error {
		e, err := defense.LoadDefaults()
		if err != nil {
			return err
		}
		data, err := defense.Defaults.ReadFile("defaults/consultation.json")
		if err != nil {
			return err
		}
		cfg, err := consult.Load(data, "consultation.json")
		if err != nil {
			return err
		}
		m := consult.New(cfg, millis{})
		w := &defapi.Worker{Machine: m, Store: n.Store, Ingester: operatorIngester{n.Ingest}, Logger: n.Logger,
			Exclusive: func(ctx context.Context, fn func() error) error { return n.Exclusive(ctx, "defense consultations", fn) }}
		n.Subscribe(w.Notify)
		s := &defapi.Server{Engine: e, Consult: m, Objects: n.Guard, Collections: n.Guard, Ingester: n.Ingest,
			Collection: node.DefaultAlias, WriteError: r.WriteError, Logger: n.Logger, Clock: millis{}, Worker: w, Audit: n.Audit}
		s.Register(r.Mux, r.Protect)
		*served = s
		return nil
	}
}

type operatorIngester struct{ in *ingest.Service }

func (o operatorIngester) Ingest(ctx context.Context, coll string, raws []json.RawMessage) ([]kizuna.PutResult, error) {
	return o.in.Ingest(ingest.AsOperator(ctx), coll, raws)
}

// api calls the native API with a principal's token and decodes the
// answer into out.
func (d *defenseWorkspace) api(t *testing.T, who, method, path string, body any, want int, out any) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, d.Base+path, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+d.tokens[who])
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s %s: %d %s, want %d", who, method, path, resp.StatusCode, buf.String(), want)
	}
	if out != nil {
		if err := json.Unmarshal(buf.Bytes(), out); err != nil {
			t.Fatal(err)
		}
	}
}

// postIncident stores an incident of usaOrg with an availability impact,
// marked with markings, through the API; it returns its id.
func (d *defenseWorkspace) postIncident(t *testing.T, name string, markings []string) string {
	t.Helper()
	t0 := time.Date(2026, 11, 20, 2, 40, 0, 0, time.UTC)
	imp := &kizuna.Impact{ID: "impact--" + kizuna.NewUUID(), Created: t0, Modified: t0, CreatedByRef: usaOrg, MarkingRefs: markings,
		Category: "availability", Availability: 85, Start: t0}
	inc := &kizuna.Incident{ID: "incident--" + kizuna.NewUUID(), Name: name, Created: t0, Modified: t0,
		CreatedByRef: usaOrg, MarkingRefs: markings, Determination: "confirmed", InvestigationStatus: "open",
		ImpactRefs: []string{imp.ID}, Alliance: &kizuna.AllianceFacts{AffectedNations: []string{"JPN"}, Sectors: []string{"jp.ports"},
			PhysicalDamage: "damaged-nonfunctional", Injuries: 2, DurationHours: 96}}
	ri, err := defstix.EncodeIncident(inc)
	if err != nil {
		t.Fatal(err)
	}
	rm, err := defstix.EncodeImpact(imp)
	if err != nil {
		t.Fatal(err)
	}
	d.api(t, "usa-poc", "POST", "/api/v1/incidents", map[string]any{"incident": json.RawMessage(ri), "impacts": []json.RawMessage{rm}}, 201, nil)
	return inc.ID
}

var rowPattern = regexp.MustCompile(`<tr data-(?:id|nation|seq)="([^"]+)"`)

// rows returns the data-id (or data-nation) of the rows of a page.
func rows(body string) []string {
	var out []string
	for _, m := range rowPattern.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

// TestIncidentPages: each reader sees the incidents it may read, with each
// nation's level side by side and only the factor answers it may read; an
// incident it may not read is not found and appears nowhere, its banner
// included.
func TestIncidentPages(t *testing.T) {
	d := startDefenseWorkspace(t)
	open := d.postIncident(t, "Destructive attack on a container terminal", []string{tlpGreen})
	secret := d.postIncident(t, "Wiper at a naval shipyard", []string{d.secret})
	// USA answers on the open incident under its SECRET marking; JPN
	// answers openly.
	d.api(t, "usa-poc", "PUT", "/api/v1/incidents/"+open+"/factors", map[string]any{"marking_refs": []string{d.secret}, "answers": []map[string]any{
		{"factor": "severity", "degree": "high", "confidence": 80, "analyst_ref": usaOrg, "rationale": "USA-ONLY-RATIONALE"},
		{"factor": "state_involvement", "degree": "high", "confidence": 75, "analyst_ref": usaOrg}}}, 200, nil)
	d.api(t, "jpn-poc", "PUT", "/api/v1/incidents/"+open+"/factors", map[string]any{"answers": []map[string]any{
		{"factor": "severity", "degree": "low", "confidence": 60, "analyst_ref": jpnOrg, "rationale": "JPN-RATIONALE"}}}, 200, nil)

	usa := d.signedIn(t, "usa-poc")
	aus := d.signedIn(t, "aus-poc")

	list := usa.get("/incidents")
	if got := rows(list.body); len(got) != 2 || !strings.Contains(list.body, "Wiper at a naval shipyard") {
		t.Fatalf("USA's incident list: %v", got)
	}
	if _, text := banners(t, list.body); !strings.Contains(text, "SECRET") || !strings.Contains(text, "REL TO JPN, USA") {
		t.Errorf("USA's list banner %q", text)
	}
	list = aus.get("/incidents")
	if got := rows(list.body); len(got) != 1 || got[0] != open {
		t.Fatalf("AUS's incident list: %v", got)
	}
	for _, leak := range []string{secret, "Wiper", "SECRET", "REL TO"} {
		if strings.Contains(list.body, leak) {
			t.Errorf("AUS's incident list shows %q", leak)
		}
	}
	if p := aus.get("/incidents/" + secret); p.status != http.StatusNotFound || strings.Contains(p.body, "Wiper") || strings.Contains(p.body, "SECRET") {
		t.Errorf("AUS opened the SECRET incident: %d", p.status)
	}
	if p := aus.get("/incidents/incident--" + kizuna.NewUUID()); p.status != http.StatusNotFound {
		t.Errorf("an incident that does not exist: %d", p.status)
	}

	// Each nation's level side by side; the answers the reader may read.
	p := usa.get("/incidents/" + open)
	if p.status != http.StatusOK {
		t.Fatalf("USA's incident page: %d %.300s", p.status, p.body)
	}
	for _, n := range []string{"JPN", "USA", "AUS"} {
		if !strings.Contains(p.body, `<tr data-nation="`+n+`"><td>`+n+`</td>`) {
			t.Errorf("USA's page lacks %s's assessment", n)
		}
	}
	for _, want := range []string{"USA-ONLY-RATIONALE", "JPN-RATIONALE", `id="divergence"`} {
		if !strings.Contains(p.body, want) {
			t.Errorf("USA's page lacks %q", want)
		}
	}
	if _, text := banners(t, p.body); !strings.Contains(text, "SECRET") {
		t.Errorf("USA's page shows USA's SECRET answers under the banner %q", text)
	}
	p = aus.get("/incidents/" + open)
	if p.status != http.StatusOK || !strings.Contains(p.body, "JPN-RATIONALE") {
		t.Fatalf("AUS's incident page: %d", p.status)
	}
	for _, leak := range []string{"USA-ONLY-RATIONALE", "SECRET", "REL TO", defstixAnswersID(open, "USA")} {
		if strings.Contains(p.body, leak) {
			t.Errorf("AUS's incident page shows %q", leak)
		}
	}
	if class, text := banners(t, p.body); !strings.Contains(text, "TLP:GREEN") || class != "m-tlp-green" {
		t.Errorf("AUS's incident banner %q %q", class, text)
	}

	// In Japanese.
	jp := d.signedIn(t, "jpn-poc")
	jp.get("/lang/ja?next=/incidents")
	if p := jp.get("/incidents/" + open); !strings.Contains(p.body, "各国の評価") || !strings.Contains(p.body, "閾値レベル") {
		t.Errorf("the Japanese incident page: %.500s", p.body)
	}
}

func defstixAnswersID(incident, nation string) string {
	return defstix.FactorAnswersID(incident, nation)
}

// TestConsultationPages follows a consultation: its clocks on the list and
// the page, the acknowledgement through the form (the API's act: the
// consultation's next version, audited), the act refused to a reader
// without the poc role and hidden from a reader of another nation who may
// not read the incident.
func TestConsultationPages(t *testing.T) {
	d := startDefenseWorkspace(t)
	inc := d.postIncident(t, "Destructive attack on a container terminal", []string{tlpGreen})
	secret := d.postIncident(t, "Wiper at a naval shipyard", []string{d.secret})
	var out struct{ Consultation json.RawMessage }
	d.api(t, "usa-poc", "POST", "/api/v1/consultations", map[string]any{"incident_ref": inc, "addressees": []string{"JPN", "AUS"}}, 201, &out)
	c, err := defstix.DecodeConsultation(out.Consultation)
	if err != nil {
		t.Fatal(err)
	}
	d.api(t, "usa-poc", "POST", "/api/v1/consultations", map[string]any{"incident_ref": secret, "addressees": []string{"JPN"}}, 201, &out)
	hidden, err := defstix.DecodeConsultation(out.Consultation)
	if err != nil {
		t.Fatal(err)
	}

	jp := d.signedIn(t, "jpn-poc")
	list := jp.get("/consultations")
	if got := rows(list.body); len(got) != 2 {
		t.Fatalf("JPN's consultations: %v", got)
	}
	if !strings.Contains(list.body, "left") {
		t.Errorf("the list shows no time left: %.500s", list.body)
	}
	aus := d.signedIn(t, "aus-poc")
	list = aus.get("/consultations")
	if got := rows(list.body); len(got) != 1 || got[0] != c.ID {
		t.Errorf("AUS's consultations: %v", got)
	}
	if strings.Contains(list.body, hidden.ID) || strings.Contains(list.body, "Wiper") || strings.Contains(list.body, "SECRET") {
		t.Error("AUS's list shows the consultation on the SECRET incident")
	}
	if p := aus.get("/consultations/" + hidden.ID); p.status != http.StatusNotFound {
		t.Errorf("AUS opened the consultation on the SECRET incident: %d", p.status)
	}
	if p := aus.post("/consultations/"+hidden.ID, url.Values{"act": {"acknowledge"}}); p.status != http.StatusNotFound {
		t.Errorf("AUS acted on the consultation on the SECRET incident: %d", p.status)
	}

	// A reader without the poc role sees the clocks, not the form, and
	// its act is refused.
	analyst := d.signedIn(t, "jpn-analyst")
	p := analyst.get("/consultations/" + c.ID)
	if p.status != http.StatusOK || strings.Contains(p.body, `id="act-acknowledge"`) || !strings.Contains(p.body, `<tr data-nation="JPN"`) {
		t.Fatalf("the analyst's page: %d", p.status)
	}
	if p := analyst.post("/consultations/"+c.ID, url.Values{"act": {"acknowledge"}, "collection": {node.DefaultAlias}}); p.status == http.StatusOK || p.status == http.StatusSeeOther {
		t.Errorf("an analyst without the poc role acknowledged: %d", p.status)
	}

	before, _, err := d.Store.AuditChainHead(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	p = jp.get("/consultations/" + c.ID)
	if !strings.Contains(p.body, `id="act-acknowledge"`) {
		t.Fatalf("JPN's point of contact is offered no acknowledgement: %.1000s", p.body)
	}
	// Without the CSRF token the form is refused and nothing changes.
	if p := jp.post("/consultations/"+c.ID, url.Values{"act": {"acknowledge"}, "csrf": {"forged"}}); p.status != http.StatusForbidden {
		t.Errorf("a forged form: %d", p.status)
	}
	p = jp.post("/consultations/"+c.ID, url.Values{"act": {"acknowledge"}, "statement": {"Received; assessing."}, "collection": {node.DefaultAlias}})
	if p.status != http.StatusOK || !strings.Contains(p.body, `id="done"`) || strings.Contains(p.body, `id="act-acknowledge"`) {
		t.Fatalf("the acknowledgement: %d %.1000s", p.status, p.body)
	}
	if !strings.Contains(p.body, "Received; assessing.") {
		t.Error("the page does not show the statement")
	}
	// The API reads the new version, as any other client would.
	var got struct{ Consultation json.RawMessage }
	d.api(t, "usa-poc", "GET", "/api/v1/consultations/"+c.ID, nil, 200, &got)
	c2, err := defstix.DecodeConsultation(got.Consultation)
	if err != nil {
		t.Fatal(err)
	}
	if c2.Parties[1].Nation != "JPN" || c2.Parties[1].Status != kizuna.ParticipantAcked || c2.Steps[len(c2.Steps)-1].Statement != "Received; assessing." {
		t.Fatalf("after the form: %+v", c2.Parties)
	}
	// The stored version is in the audit log.
	after, err := d.Store.FindAudit(context.Background(), before, 1000)
	if err != nil {
		t.Fatal(err)
	}
	audited := false
	for _, e := range after {
		audited = audited || (e.Object == c.ID && e.Action == kizuna.AuditConsultPrefix+"acknowledge" && e.Decision == "allow" && e.Principal != "")
	}
	if !audited {
		t.Errorf("the acknowledgement is not in the audit log: %+v", after)
	}
	// Acknowledging again is refused with the machine's reason.
	p = jp.post("/consultations/"+c.ID, url.Values{"act": {"acknowledge"}, "collection": {node.DefaultAlias}})
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, `id="error"`) {
		t.Errorf("a second acknowledgement: %d", p.status)
	}
}

// TestAdminPages: the audit log and the peers are an admin's; others get
// 403 and no navigation entry.
func TestAdminPages(t *testing.T) {
	d := startDefenseWorkspace(t)
	pc := &federation.PeerConfig{Name: "jp-node", URL: "http://127.0.0.1:9/taxii2/api/", Plain: true, Nation: "JPN", Organization: jpnOrg,
		Organizations: []string{jpnOrg}, MaxTLP: "amber", Collections: []federation.CollectionMap{{Local: node.DefaultAlias, Remote: "shared", Push: true}}}
	if _, err := d.AddPeer(context.Background(), pc, nil, nil); err != nil {
		t.Fatal(err)
	}
	// A refusal of the peer's, as federation audits it.
	if err := d.Store.AppendAudit(context.Background(), &kizuna.AuditEvent{Action: federation.AuditRefused, Object: "indicator--" + kizuna.NewUUID(),
		Decision: "deny", Reason: `peer "jp-node" collection shared refused the version: PEER-REFUSAL-MESSAGE`}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"usa-poc", "jpn-analyst", "tanaka"} {
		c := d.signedIn(t, name)
		for _, path := range []string{"/audit", "/peers", "/audit?verify=1"} {
			if p := c.get(path); p.status != http.StatusForbidden || strings.Contains(p.body, "jp-node") || strings.Contains(p.body, `id="entries"`) ||
				strings.Contains(p.body, "PEER-REFUSAL-MESSAGE") {
				t.Errorf("%s GET %s: %d", name, path, p.status)
			}
		}
		if p := c.get("/"); strings.Contains(p.body, `href="/audit"`) || strings.Contains(p.body, `href="/peers"`) {
			t.Errorf("%s's navigation offers the admin pages", name)
		}
	}
	root := d.signedIn(t, "root")
	p := root.get("/peers")
	if p.status != http.StatusOK || !strings.Contains(p.body, `data-peer="jp-node"`) || !strings.Contains(p.body, "never") {
		t.Errorf("the peers page: %d %.800s", p.status, p.body)
	}
	if !strings.Contains(p.body, `<td rowspan="1" class="refusals">1<br>`) || !strings.Contains(p.body, "PEER-REFUSAL-MESSAGE") {
		t.Errorf("the peers page lacks the peer's refusal: %.3000s", p.body)
	}
	p = root.get("/audit?verify=1")
	if p.status != http.StatusOK || !strings.Contains(p.body, `id="verify-ok"`) || len(rows(p.body)) == 0 {
		t.Errorf("the audit page: %d %.800s", p.status, p.body)
	}
	p = root.get("/audit?action=principal.&principal=nobody")
	if p.status != http.StatusOK || !strings.Contains(p.body, `id="empty"`) {
		t.Errorf("a filter nothing matches: %d", p.status)
	}
	if p := root.get("/audit?from=yesterday"); p.status != http.StatusBadRequest || !strings.Contains(p.body, "yesterday") {
		t.Errorf("a bad time: %d", p.status)
	}
}
