package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/exercise"
	"github.com/kizuna-dev/kizuna/exercise/exapi"
	"github.com/kizuna-dev/kizuna/ingest"
	"github.com/kizuna-dev/kizuna/node"
	"github.com/kizuna-dev/kizuna/web"
)

// exerciseMount mounts exercises as 'kizuna serve' does, on the wall
// clock, on a node named jpn-node (the example scenario's Japanese node),
// and keeps the server in *served.
func exerciseMount(served **exapi.Server) node.Mount {
	return func(n *node.Node, r *node.Router) error {
		c := &kizuna.Collection{Alias: exapi.CollectionAlias, Title: "Exercises",
			CanRead:  kizuna.AccessRule{Roles: []string{kizuna.RoleReader, kizuna.RolePublisher, kizuna.RoleAdmin, kizuna.RolePOC}},
			CanWrite: kizuna.AccessRule{Roles: []string{kizuna.RolePublisher, kizuna.RoleAdmin}}}
		if err := n.CreateCollection(context.Background(), c); err != nil {
			return err
		}
		s := &exapi.Server{Objects: n.Guard, Collections: n.Guard, Store: n.Store, Operator: operatorIngester{n.Ingest}, State: n.State,
			Audit: n.Audit, AuditLog: n.Store, Principals: n.Store, Node: "jpn-node", NodeID: n.Identity.ID,
			OperatorOrg: n.Identity.Organization, StoreCollections: n.Store, Collection: c.ID, WriteError: r.WriteError, Logger: n.Logger}
		n.Guard.SetExerciseView(c.ID)
		n.Guard.SetExercisePeers(s.ExercisePeer)
		s.Register(r.Mux, r.Protect, func(h http.Handler) http.Handler { return r.ProtectRole(kizuna.RoleAdmin, h) })
		*served = s
		return nil
	}
}

// TestExercisePages loads and starts the shipped example exercise: a
// player sees it, its participants and the inject released to it with a
// link to its objects, under the EXERCISE banner, in English and
// Japanese, without the evaluation; the control cell sees the evaluation
// and the report's link; a reader of an organisation that does not take
// part finds it neither listed nor by id (404), and sees no trace of it.
func TestExercisePages(t *testing.T) {
	var xs *exapi.Server
	d := startDefenseWorkspaceWith(t, node.ServeConfig{Mounts: []node.Mount{exerciseMount(&xs)}},
		web.Options{Exercises: func() *exapi.Server { return xs }})
	raw, err := exercise.Defaults.ReadFile(exercise.ExampleScenario)
	if err != nil {
		t.Fatal(err)
	}
	ex, err := exercise.ParseScenario(raw, "scenario.json")
	if err != nil {
		t.Fatal(err)
	}
	org := map[string]string{}
	for _, p := range ex.Participants {
		org[p.ID] = p.Organization
	}
	for _, p := range []*kizuna.Principal{
		{Name: "ncco", Nation: "JPN", Organization: org["jpn-ncco"], Roles: []string{kizuna.RoleReader, kizuna.RolePublisher}},
		{Name: "control", Nation: "JPN", Organization: org["joint-control"], Roles: []string{kizuna.RoleReader}},
	} {
		d.addPrincipal(t, p)
	}
	d.api(t, "root", "POST", "/api/v1/exercises", json.RawMessage(raw), http.StatusCreated, nil)
	// STARTEX a minute ago: I-01 is out, to jpn-ncco and jpn-port-isac.
	d.api(t, "root", "POST", "/api/v1/exercises/"+ex.ID+"/start", map[string]time.Time{"startex": time.Now().Add(-time.Minute)}, http.StatusOK, nil)
	var rels struct{ Releases []kizuna.InjectRelease }
	d.api(t, "ncco", "GET", "/api/v1/exercises/"+ex.ID+"/releases", nil, http.StatusOK, &rels)
	i := slices.IndexFunc(rels.Releases, func(r kizuna.InjectRelease) bool { return r.Participant == "jpn-ncco" })
	if i < 0 || rels.Releases[i].Inject != "I-01" || len(rels.Releases[i].ObjectRefs) == 0 {
		t.Fatalf("jpn-ncco's releases: %+v", rels.Releases)
	}
	released := rels.Releases[i].ObjectRefs[0]
	name := ex.Name.In("en")

	ncco := d.signedIn(t, "ncco")
	list := ncco.get("/exercises")
	if got := rows(list.body); len(got) != 1 || got[0] != ex.ID || !strings.Contains(list.body, name) {
		t.Fatalf("the player's exercise list: %v", got)
	}
	if _, text := banners(t, list.body); !strings.HasPrefix(text, "EXERCISE 演習") {
		t.Errorf("the player's list banner %q", text)
	}
	p := ncco.get("/exercises/" + ex.ID)
	if p.status != http.StatusOK {
		t.Fatalf("the player's exercise page: %d %.300s", p.status, p.body)
	}
	for _, want := range []string{name, `data-participant="usa-navlog"`, `data-inject="I-01"`, released, `href="/objects/` + released, kizuna.ExerciseActive} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the player's exercise page lacks %q", want)
		}
	}
	if _, text := banners(t, p.body); !strings.HasPrefix(text, "EXERCISE 演習") {
		t.Errorf("the player's page banner %q", text)
	}
	for _, leak := range []string{`id="expectations"`, `/report"`} {
		if strings.Contains(p.body, leak) {
			t.Errorf("the player's page shows %q, which only the control cell evaluates", leak)
		}
	}
	ncco.get("/lang/ja?next=/exercises")
	if p := ncco.get("/exercises/" + ex.ID); !strings.Contains(p.body, ex.Name.In("ja")) || !strings.Contains(p.body, "貴組織に付与された状況付与") {
		t.Errorf("the Japanese exercise page: %.500s", p.body)
	}

	control := d.signedIn(t, "control")
	p = control.get("/exercises/" + ex.ID)
	for _, want := range []string{`id="expectations"`, `href="/api/v1/exercises/` + ex.ID + `/report"`, `id="summary"`} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the control cell's page lacks %q", want)
		}
	}
	if rep := control.get("/api/v1/exercises/" + ex.ID + "/report"); rep.status != http.StatusOK {
		t.Errorf("the report's link, with the control cell's session: %d", rep.status)
	}

	// usa-poc's organisation takes no part.
	usa := d.signedIn(t, "usa-poc")
	list = usa.get("/exercises")
	if got := rows(list.body); len(got) != 0 || !strings.Contains(list.body, `id="empty"`) {
		t.Errorf("the outsider's exercise list: %v", got)
	}
	p = usa.get("/exercises/" + ex.ID)
	if p.status != http.StatusNotFound {
		t.Errorf("the outsider's exercise page: %d", p.status)
	}
	for _, body := range []string{list.body, p.body} {
		for _, leak := range []string{ex.ID, name, ex.Name.In("ja"), "EXERCISE", "演習 "} {
			if strings.Contains(body, leak) {
				t.Errorf("the outsider sees %q", leak)
			}
		}
	}
}

// TestSearchSectorOfExerciseCreator: a search of every collection matches
// a real object by the sectors of its creator as the reader reads the
// creator outside the exercises collection, and the real object's page
// names its creator so too: an identity a player published in the
// exercise (exercise data) with the same id lends a real object none of
// its sectors and no name (docs/exercises.md, rule 2).
func TestSearchSectorOfExerciseCreator(t *testing.T) {
	var xs *exapi.Server
	d := startDefenseWorkspaceWith(t, node.ServeConfig{Mounts: []node.Mount{exerciseMount(&xs)}},
		web.Options{Exercises: func() *exapi.Server { return xs }})
	raw, err := exercise.Defaults.ReadFile(exercise.ExampleScenario)
	if err != nil {
		t.Fatal(err)
	}
	ex, err := exercise.ParseScenario(raw, "scenario.json")
	if err != nil {
		t.Fatal(err)
	}
	org := map[string]string{}
	for _, p := range ex.Participants {
		org[p.ID] = p.Organization
	}
	d.addPrincipal(t, &kizuna.Principal{Name: "ncco", Nation: "JPN", Organization: org["jpn-ncco"], Roles: []string{kizuna.RoleReader, kizuna.RolePublisher}})
	d.api(t, "root", "POST", "/api/v1/exercises", json.RawMessage(raw), http.StatusCreated, nil)
	d.api(t, "root", "POST", "/api/v1/exercises/"+ex.ID+"/start", map[string]time.Time{"startex": time.Now().Add(-time.Minute)}, http.StatusOK, nil)
	// The player publishes an identity in the exercise, under its marking.
	creator := "identity--" + kizuna.NewUUID()
	ident := `{"type":"identity","spec_version":"2.1","id":"` + creator + `","created":"2027-02-16T00:00:00.000Z",
		"modified":"2027-02-16T00:00:00.000Z","name":"Exercise terminal operator","identity_class":"organization",
		"sectors":["exercise-only-sector"],"object_marking_refs":["` + exercise.MarkingID(ex.ID) + `"]}`
	d.taxiiPost(t, "ncco", exapi.CollectionAlias, ident)
	real := "indicator--" + kizuna.NewUUID()
	ind := `{"type":"indicator","spec_version":"2.1","id":"` + real + `","created":"2026-11-20T00:00:00.000Z","modified":"2026-11-20T00:00:00.000Z",
		"created_by_ref":"` + creator + `","object_marking_refs":["` + tlpGreen + `"],"pattern":"[ipv4-addr:value = '198.51.100.7']",
		"pattern_type":"stix","valid_from":"2026-11-20T00:00:00Z"}`
	if res, err := d.Ingest.Ingest(ingest.AsOperator(context.Background()), node.DefaultAlias, []json.RawMessage{json.RawMessage(ind)}); err != nil || res[0].Err != nil {
		t.Fatal(err, res)
	}
	ncco := d.signedIn(t, "ncco")
	if p := ncco.get("/objects/" + creator + "?collection=" + exapi.CollectionAlias); p.status != http.StatusOK {
		t.Fatalf("the player reads the released identity in the exercises collection: %d", p.status)
	}
	if p := ncco.get("/?value=198.51.100.7"); !strings.Contains(p.body, real) {
		t.Fatalf("the player's search lacks the real indicator: %.300s", p.body)
	}
	if p := ncco.get("/?sector=exercise-only-sector"); strings.Contains(p.body, real) {
		t.Errorf("a search of every collection matches the real indicator by the sector of an exercise identity")
	}
	// The real indicator's page names its creator as the reader reads it
	// outside the exercises collection: not at all.
	p := ncco.get("/objects/" + real)
	if p.status != http.StatusOK {
		t.Fatalf("the real indicator's page: %d", p.status)
	}
	for _, leak := range []string{"Exercise terminal operator", `href="/objects/` + creator, "EXERCISE", "演習 "} {
		if strings.Contains(p.body, leak) {
			t.Errorf("the real indicator's page shows %q, of the exercise identity", leak)
		}
	}
}

// taxiiPost adds an object to a collection through TAXII with a
// principal's token, and fails unless all of it is stored.
func (d *defenseWorkspace) taxiiPost(t *testing.T, who, collection, object string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, d.Base+"/taxii2/api/collections/"+collection+"/objects/",
		strings.NewReader(`{"objects":[`+object+`]}`))
	req.Header.Set("Authorization", "Bearer "+d.tokens[who])
	req.Header.Set("Content-Type", "application/taxii+json;version=2.1")
	req.Header.Set("Accept", "application/taxii+json;version=2.1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var raw map[string]any
	json.NewDecoder(resp.Body).Decode(&raw)
	if resp.StatusCode != http.StatusAccepted || raw["success_count"] != 1.0 {
		t.Fatalf("%s adds %s to %s: %d %v", who, object, collection, resp.StatusCode, raw)
	}
}

// TestIncidentListsLeaveExercisesOut: the incidents and consultations
// lists of every collection are of real incidents: the exercise's
// incident, released to the player, is listed only when the exercises
// collection is named, and its page is found by id only there
// (docs/exercises.md, rule 2).
func TestIncidentListsLeaveExercisesOut(t *testing.T) {
	var xs *exapi.Server
	d := startDefenseWorkspaceWith(t, node.ServeConfig{Mounts: []node.Mount{exerciseMount(&xs)}},
		web.Options{Exercises: func() *exapi.Server { return xs }})
	raw, err := exercise.Defaults.ReadFile(exercise.ExampleScenario)
	if err != nil {
		t.Fatal(err)
	}
	ex, err := exercise.ParseScenario(raw, "scenario.json")
	if err != nil {
		t.Fatal(err)
	}
	org := map[string]string{}
	for _, p := range ex.Participants {
		org[p.ID] = p.Organization
	}
	d.addPrincipal(t, &kizuna.Principal{Name: "ncco", Nation: "JPN", Organization: org["jpn-ncco"], Roles: []string{kizuna.RoleReader, kizuna.RolePublisher}})
	d.api(t, "root", "POST", "/api/v1/exercises", json.RawMessage(raw), http.StatusCreated, nil)
	// STARTEX three hours ago: I-02, with the exercise's incident, is out.
	d.api(t, "root", "POST", "/api/v1/exercises/"+ex.ID+"/start", map[string]time.Time{"startex": time.Now().Add(-3 * time.Hour)}, http.StatusOK, nil)
	var rels struct{ Releases []kizuna.InjectRelease }
	d.api(t, "ncco", "GET", "/api/v1/exercises/"+ex.ID+"/releases", nil, http.StatusOK, &rels)
	var incident string
	for _, rel := range rels.Releases {
		for _, id := range rel.ObjectRefs {
			if strings.HasPrefix(id, "incident--") {
				incident = id
			}
		}
	}
	real := d.postIncident(t, "Real outage", []string{tlpGreen})
	ncco := d.signedIn(t, "ncco")
	if p := ncco.get("/incidents?collection=" + exapi.CollectionAlias); !slices.Contains(rows(p.body), incident) {
		t.Fatalf("the player's incidents of the exercises collection: %v", rows(p.body))
	}
	p := ncco.get("/incidents")
	if got := rows(p.body); !slices.Contains(got, real) || slices.Contains(got, incident) {
		t.Errorf("the player's incidents of every collection: %v", got)
	}
	for _, leak := range []string{"EXERCISE", "演習 ", incident} {
		if strings.Contains(p.body, leak) {
			t.Errorf("the player's incidents of every collection show %q", leak)
		}
	}
	if p := ncco.get("/incidents/" + incident); p.status != http.StatusNotFound {
		t.Errorf("the exercise's incident by id, no collection named: %d", p.status)
	}
	if p := ncco.get("/incidents/" + incident + "?collection=" + exapi.CollectionAlias); p.status != http.StatusOK {
		t.Errorf("the exercise's incident in the exercises collection: %d", p.status)
	}
	if p := ncco.get("/consultations"); strings.Contains(p.body, "EXERCISE") {
		t.Errorf("the player's consultations of every collection show exercise data")
	}
}
