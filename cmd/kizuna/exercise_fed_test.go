package main

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/exercise"
	"github.com/kizuna-dev/kizuna/federation"
	"github.com/kizuna-dev/kizuna/node"
	"github.com/kizuna-dev/kizuna/node/nodetest"
)

// More organisations of the shipped example scenario.
const (
	exJPNISACOrg   = "identity--26c5e423-6f50-4123-a990-a7b8db2323d2"
	exUSANavlogOrg = "identity--98b6b363-e130-4345-a6e5-e3779f80a034"
)

// TestExerciseThreeNodes runs the shipped US–Japan exercise on three real
// nodes configured through the CLI: the JPN node hosts the control cell and
// the Japanese players, the USA node the US players, and the AUS node,
// peered with both, takes no part. The schedule runs on a test clock
// (KIZUNA_TEST_EXERCISE_CLOCK): each inject is released when the clock
// passes its time, and travels by federation to the USA node only when
// released to a US player. The players read, share onward, acknowledge,
// assess and open a consultation; each node's evaluation from its own audit
// log shows exactly those acts met. The AUS node and a non-participant
// principal of the JPN node see nothing of the exercise (TAXII, the API,
// exports, feeds, the matcher), the players see nothing of it in their real
// results, the after-action report renders, and ending with --purge deletes
// the exercise's data on both participating nodes.
func TestExerciseThreeNodes(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three nodes: skipped in -short mode")
	}
	raw, err := exercise.Defaults.ReadFile(exercise.ExampleScenario)
	if err != nil {
		t.Fatal(err)
	}
	maps := []string{"default=default", "exercises=exercises"}
	root := t.TempDir()
	specs := []fedSpec{
		{Name: "USA", Nation: "USA", Org: usaPOCOrg, Behind: []string{exUSANCCCOrg, exUSANavlogOrg}, MaxTLP: "amber", Maps: maps},
		{Name: "JPN", Nation: "JPN", Org: jpnPOCOrg, Behind: []string{exControlOrg, exJPNNCCOOrg, exJPNISACOrg}, MaxTLP: "amber", Maps: maps},
		{Name: "AUS", Nation: "AUS", Org: ausPOCOrg, MaxTLP: "amber", Maps: maps},
	}
	var nodes []*fedNode
	for _, s := range specs {
		n := MustFedNode(t, root, s, false)
		// Peers know a node by the organisation 'kizuna node key' shows.
		for _, line := range strings.Split(n.cli(t, "node", "key"), "\n") {
			if org, ok := strings.CutPrefix(line, "organization: "); ok {
				n.Org = org
			}
		}
		nodes = append(nodes, n)
	}
	usa, jpn, aus := nodes[0], nodes[1], nodes[2]
	// The exercises collection exists from a node's first start; the
	// peering agreements map it.
	clock := filepath.Join(root, "exercise-clock")
	setClock := func(ahead string) {
		if err := os.WriteFile(clock, []byte(ahead), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	setClock("0s")
	for _, n := range nodes {
		n.env = []string{exerciseClockEnv + "=" + clock}
		n.start(t)
		n.stop(t, syscall.SIGTERM)
	}
	peerMesh(t, nodes)

	// The scenario's nodes are the two nodes' identity ids.
	scenarioText := strings.ReplaceAll(strings.ReplaceAll(string(raw), `"jpn-node"`, `"`+jpn.nodeID+`"`), `"usa-node"`, `"`+usa.nodeID+`"`)
	scenario := filepath.Join(root, "scenario.json")
	os.WriteFile(scenario, []byte(scenarioText), 0o600)
	ex, err := exercise.ParseScenario([]byte(scenarioText), scenario)
	if err != nil {
		t.Fatal(err)
	}
	// The principals: none is given the exercise community by hand.
	tokens := map[string]string{}
	add := func(n *fedNode, name, org string, roles ...string) {
		args := []string{"principal", "add", "--name", name, "--nation", n.Nation, "--org", org}
		for _, r := range roles {
			args = append(args, "--role", r)
		}
		tokens[name] = strings.TrimSpace(n.cli(t, args...))
	}
	add(jpn, "control", exControlOrg, "reader", "publisher")
	add(jpn, "jpn-ncco", exJPNNCCOOrg, "reader", "publisher", "poc")
	add(jpn, "jpn-isac", exJPNISACOrg, "reader", "publisher")
	add(jpn, "jpn-outsider", "identity--a1000000-0000-4000-8000-0000000000aa", "reader", "publisher")
	add(usa, "usa-nccc", exUSANCCCOrg, "reader", "publisher", "poc")
	add(usa, "usa-navlog", exUSANavlogOrg, "reader", "publisher")
	add(aus, "aus-reader", ausPOCOrg, "reader", "publisher")
	// The players' centres are their nations' consultation contacts.
	contacts := `{"JPN": {"poc": "` + exJPNNCCOOrg + `", "second": "` + exJPNISACOrg + `", "operator": "` + jpn.Org + `"}, ` +
		`"USA": {"poc": "` + exUSANCCCOrg + `", "second": "` + exUSANavlogOrg + `", "operator": "` + usa.Org + `"}, ` +
		`"AUS": {"poc": "` + ausPOCOrg + `", "second": "` + ausPOCOrg + `", "operator": "` + aus.Org + `"}}`
	admin := map[*fedNode]string{}
	for _, n := range nodes {
		setConsultationConfig(t, n.dir, map[string]string{"contacts": contacts})
		b, err := os.ReadFile(filepath.Join(n.dir, node.AdminTokenFile))
		if err != nil {
			t.Fatal(err)
		}
		admin[n] = strings.TrimSpace(string(b))
		n.start(t)
		t.Cleanup(func() { n.stop(t, syscall.SIGTERM) })
	}
	base := func(n *fedNode) string { return "http://" + n.addr }
	cli := func(n *fedNode, token string, args ...string) (string, string, int) {
		return runCLI(t, append(args, "--url", base(n), "--token", token)...)
	}
	mustCLI := func(n *fedNode, token string, args ...string) string {
		t.Helper()
		out, errOut, code := cli(n, token, args...)
		if code != 0 {
			t.Fatalf("%s: kizuna %s: exit %d: %s", n.Name, strings.Join(args, " "), code, errOut)
		}
		return out
	}
	// read returns the ids a principal reads from a collection through
	// TAXII and the page's banner header.
	read := func(n *fedNode, name, coll string) ([]string, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", base(n)+"/taxii2/api/collections/"+coll+"/objects/?limit=1000", nil)
		req.Header.Set("Accept", "application/taxii+json;version=2.1")
		req.SetBasicAuth(name, tokens[name])
		resp, err := n.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var env struct {
			Objects []struct {
				ID string `json:"id"`
			} `json:"objects"`
		}
		if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&env) != nil {
			t.Fatalf("%s: %s reads %s: %d", n.Name, name, coll, resp.StatusCode)
		}
		var ids []string
		for _, o := range env.Objects {
			ids = append(ids, o.ID)
		}
		return ids, resp.Header.Get("X-Kizuna-Banner")
	}
	waitRead := func(n *fedNode, name string, want []string) {
		t.Helper()
		for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			got, banner := read(n, name, "exercises")
			if !slices.ContainsFunc(want, func(id string) bool { return !slices.Contains(got, id) }) {
				if banner != kizuna.ExerciseBanner([]string{ex.ID}) {
					t.Errorf("%s: the exercise page read by %s has the banner %q", n.Name, name, banner)
				}
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: %s never reads %v (reads %v)", n.Name, name, want, got)
			}
		}
	}
	i01, i02, i03, i04 := injectIDs(ex, 0), injectIDs(ex, 1), injectIDs(ex, 2), injectIDs(ex, 3)
	exIDs := slices.Concat(i01, i02, i03, i04)

	// STARTEX now, on the control cell's node: I-01 goes to the Japanese
	// players at once.
	mustCLI(jpn, admin[jpn], "exercise", "load", scenario)
	startex := time.Now().UTC().Truncate(time.Second)
	if out := mustCLI(jpn, admin[jpn], "exercise", "start", ex.ID, "--at", startex.Format(time.RFC3339)); !strings.Contains(out, "\tactive\t") {
		t.Fatalf("exercise start: %s", out)
	}
	waitRead(jpn, "jpn-ncco", i01)
	waitRead(jpn, "jpn-isac", i01)
	// The exercise record reaches the USA node; its admin grants the
	// community to the US players and to the JPN node's peer principal.
	var granted string
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		out, errOut, code := cli(usa, admin[usa], "exercise", "grant", ex.ID)
		if code == 0 {
			granted = out
			break
		}
		if !strings.Contains(errOut, "404") || time.Now().After(deadline) {
			t.Fatalf("USA: exercise grant: exit %d %s", code, errOut)
		}
	}
	for _, want := range []string{"to usa-nccc\n", "to usa-navlog\n", "to jpn\n"} {
		if !strings.Contains(granted, want) {
			t.Errorf("USA grant: no %q in\n%s", want, granted)
		}
	}
	if strings.Contains(granted, "aus") {
		t.Errorf("USA grants the community to AUS:\n%s", granted)
	}
	if _, errOut, code := cli(aus, admin[aus], "exercise", "grant", ex.ID); code != 1 || !strings.Contains(errOut, "404") {
		t.Errorf("AUS holds the exercise record: exit %d %s", code, errOut)
	}

	// The clock passes 2 h: I-02 (the incident) goes to the Japanese centre
	// and, by federation, to both US players; then 6 h: I-03 to the Navy
	// cell (on the USA node) and the port ISAC, not to the US centre.
	setClock("2h1m")
	waitRead(jpn, "jpn-ncco", i02)
	waitRead(usa, "usa-nccc", i02)
	waitRead(usa, "usa-navlog", i02)
	setClock("6h1m")
	waitRead(usa, "usa-navlog", i03)
	waitRead(jpn, "jpn-isac", i03)
	if got, _ := read(usa, "usa-nccc", "exercises"); slices.ContainsFunc(i03, func(id string) bool { return slices.Contains(got, id) }) || slices.ContainsFunc(i01, func(id string) bool { return slices.Contains(got, id) }) {
		t.Errorf("the US centre reads injects not released to it: %v", got)
	}
	for _, id := range slices.Concat(i01, i04) {
		if _, ok := usa.heldIn(t, "exercises")[id]; ok {
			t.Errorf("the USA node holds %s, released to no US player (or not yet)", id)
		}
	}

	// The native API's answers about the exercise carry the banner too.
	req, _ := http.NewRequest("GET", base(usa)+"/api/v1/exercises/"+ex.ID+"/releases", nil)
	req.SetBasicAuth("usa-nccc", tokens["usa-nccc"])
	if resp, err := usa.client.Do(req); err != nil || resp.StatusCode != http.StatusOK || resp.Header.Get("X-Kizuna-Banner") != kizuna.ExerciseBanner([]string{ex.ID}) {
		t.Errorf("USA: the releases of the exercise: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}

	// The players act. Onward sharing under the exercise marking, in the
	// exercises collection: the Japanese centre on the I-01 indicator, the
	// Navy cell on the I-03 hash (from the USA node: it federates to JPN).
	share := func(n *fedNode, name, org, ref string) string {
		t.Helper()
		id := "report--" + kizuna.NewUUID()
		now := time.Now().UTC().Format("2006-01-02T15:04:05.000Z")
		code, body := postJSON(t, base(n)+"/taxii2/api/collections/exercises/objects/", "application/taxii+json;version=2.1", name, tokens[name],
			map[string]any{"objects": []any{map[string]any{"type": "report", "spec_version": "2.1", "id": id, "created": now, "modified": now,
				"created_by_ref": org, "name": "Onward share", "published": now, "report_types": []string{"threat-report"},
				"object_refs": []string{ref}, "object_marking_refs": []string{exercise.MarkingID(ex.ID)}}}})
		if code != http.StatusAccepted || !strings.Contains(string(body), `"success_count":1`) {
			t.Fatalf("%s: %s's share: %d %s", n.Name, name, code, body)
		}
		return id
	}
	jpnShare := share(jpn, "jpn-ncco", exJPNNCCOOrg, exercise.RemapID(ex.ID, "indicator--0217125f-8bf1-4050-a3c8-da2b8601a3b9"))
	navShare := share(usa, "usa-navlog", exUSANavlogOrg, i03[0])
	// The default collection, of real data, refuses exercise data.
	code, body := postJSON(t, base(jpn)+"/taxii2/api/collections/default/objects/", "application/taxii+json;version=2.1", "jpn-ncco", tokens["jpn-ncco"],
		map[string]any{"objects": []any{map[string]any{"type": "note", "spec_version": "2.1", "id": "note--" + kizuna.NewUUID(),
			"created": "2027-02-16T01:00:00.000Z", "modified": "2027-02-16T01:00:00.000Z", "content": "x", "object_refs": []string{i01[0]},
			"object_marking_refs": []string{exercise.MarkingID(ex.ID)}}}})
	if code != http.StatusAccepted || !strings.Contains(string(body), "stored only in the exercises collection") {
		t.Errorf("exercise data in the default collection: %d %s", code, body)
	}
	// Acknowledgements, each on the player's own node.
	mustCLI(jpn, tokens["jpn-ncco"], "exercise", "ack", ex.ID, exercise.ReleaseID(ex.ID, "I-01", "jpn-ncco"))
	mustCLI(usa, tokens["usa-nccc"], "exercise", "ack", ex.ID, exercise.ReleaseID(ex.ID, "I-02", "usa-nccc"))
	// The Japanese centre assesses the incident and opens a consultation
	// with the USA on it; the US centre acknowledges on its node.
	incident := i02[0]
	answers := filepath.Join(root, "answers.json")
	os.WriteFile(answers, []byte(`[{"factor": "severity", "degree": "high", "confidence": 75, "analyst_ref": "`+exJPNNCCOOrg+`"}]`), 0o600)
	mustCLI(jpn, tokens["jpn-ncco"], "incident", "answer", incident, answers, "--collection", "exercises")
	mustCLI(jpn, tokens["jpn-ncco"], "incident", "assess", incident, "--store", "--collection", "exercises")
	out := mustCLI(jpn, tokens["jpn-ncco"], "consult", "open", "--incident", incident, "--to", "USA", "--collection", "exercises")
	consultation := strings.TrimSuffix(strings.Fields(out)[1], ",")
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		if _, _, code := cli(usa, tokens["usa-nccc"], "consult", "show", consultation, "--collection", "exercises"); code == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the consultation never reaches the USA node")
		}
	}
	mustCLI(usa, tokens["usa-nccc"], "consult", "act", consultation, "acknowledge", "--collection", "exercises")
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		if _, ok := jpn.heldIn(t, "exercises")[navShare]; ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the Navy cell's share never reaches the JPN node")
		}
	}

	// The audit logs record each act on the node where it was taken.
	acts := func(n *fedNode, action, object string) int {
		count := 0
		for _, e := range n.audit(t, action) {
			if e.Object == object || object == "" {
				count++
			}
		}
		return count
	}
	for _, c := range []struct {
		n              *fedNode
		action, object string
	}{
		{jpn, kizuna.AuditExerciseAck, exercise.ReleaseID(ex.ID, "I-01", "jpn-ncco")},
		{usa, kizuna.AuditExerciseAck, exercise.ReleaseID(ex.ID, "I-02", "usa-nccc")},
		{jpn, kizuna.AuditIngest, jpnShare},
		{usa, kizuna.AuditIngest, navShare},
		{jpn, kizuna.AuditConsultPrefix + "open", consultation},
		{usa, kizuna.AuditConsultPrefix + "acknowledge", consultation},
	} {
		if acts(c.n, c.action, c.object) == 0 {
			t.Errorf("%s: no %s record of %s", c.n.Name, c.action, c.object)
		}
	}

	// The evaluation from the JPN node's audit log: the acts taken there
	// are met; the Japanese port ISAC shared nothing; the US players' acts
	// are in the USA node's log, not this one.
	out = mustCLI(jpn, tokens["control"], "exercise", "evaluate", ex.ID)
	for _, line := range []string{
		"I-01\tread\tjpn-ncco\tmet\t", "I-01\tread\tjpn-port-isac\tmet\t", "I-01\tacknowledge\tjpn-ncco\tmet\t",
		"I-01\tshare\tjpn-ncco\tmet\t", "I-01\tshare\tjpn-port-isac\tpending\t",
		"I-02\tread\tjpn-ncco\tmet\t", "I-02\tassess\tjpn-ncco\tmet\t", "I-02\tconsult-open\tjpn-ncco\tmet\t",
		"I-02\tread\tusa-nccc\tpending\t", "I-03\tread\tjpn-port-isac\tmet\t", "I-04\tread\tjpn-ncco\tnot-released",
	} {
		if !strings.Contains(out, line) {
			t.Errorf("JPN evaluation: no line %q:\n%s", line, out)
		}
	}
	// The USA node evaluates its own log, against the scenario the record's
	// digest vouches for.
	out = mustCLI(usa, admin[usa], "exercise", "evaluate", ex.ID, "--scenario", scenario)
	for _, line := range []string{
		"I-02\tread\tusa-nccc\tmet\t", "I-02\tread\tusa-navlog\tmet\t", "I-02\tacknowledge\tusa-nccc\tmet\t",
		"I-03\tread\tusa-navlog\tmet\t", "I-03\tshare\tusa-navlog\tmet\t", "I-02\tassess\tusa-nccc\tpending\t",
	} {
		if !strings.Contains(out, line) {
			t.Errorf("USA evaluation: no line %q:\n%s", line, out)
		}
	}
	tampered := filepath.Join(root, "tampered.json")
	os.WriteFile(tampered, []byte(strings.Replace(scenarioText, `"30m"`, `"300h"`, 1)), 0o600)
	if _, errOut, code := cli(usa, admin[usa], "exercise", "evaluate", ex.ID, "--scenario", tampered); code != 1 || !strings.Contains(errOut, "409") {
		t.Errorf("an evaluation against another scenario: exit %d %s", code, errOut)
	}

	// The USA node's signed audit export: the control cell evaluates the
	// whole exercise, both nodes' acts; an export altered on the way is
	// refused.
	usaAudit := filepath.Join(root, "usa-audit.json")
	mustCLI(usa, admin[usa], "exercise", "audit", ex.ID, "--out", usaAudit)
	out = mustCLI(jpn, tokens["control"], "exercise", "evaluate", ex.ID, "--audit", usaAudit)
	for _, line := range []string{
		"I-01\tread\tjpn-ncco\tmet\t", "I-02\tconsult-open\tjpn-ncco\tmet\t", "I-02\tread\tusa-nccc\tmet\t", "I-02\tread\tusa-navlog\tmet\t",
		"I-02\tacknowledge\tusa-nccc\tmet\t", "I-03\tread\tusa-navlog\tmet\t", "I-03\tshare\tusa-navlog\tmet\t", "I-02\tassess\tusa-nccc\tpending\t",
	} {
		if !strings.Contains(out, line) {
			t.Errorf("JPN evaluation with the USA node's audit: no line %q:\n%s", line, out)
		}
	}
	b, _ := os.ReadFile(usaAudit)
	altered := filepath.Join(root, "usa-audit-altered.json")
	os.WriteFile(altered, []byte(strings.Replace(string(b), `"exercise.acknowledge"`, `"exercise.acknowledgeX"`, 1)), 0o600)
	if _, errOut, code := cli(jpn, tokens["control"], "exercise", "evaluate", ex.ID, "--audit", altered); code != 1 || !strings.Contains(errOut, "403") || !strings.Contains(errOut, "signature") {
		t.Errorf("an altered audit export: exit %d %s", code, errOut)
	}
	if _, errOut, code := cli(aus, admin[aus], "exercise", "audit", ex.ID, "--out", filepath.Join(root, "aus.json")); code != 1 || !strings.Contains(errOut, "404") {
		t.Errorf("AUS exports an audit of the exercise: exit %d %s", code, errOut)
	}

	// Nothing of the exercise outside it: the AUS node holds none of its
	// objects; AUS and the JPN outsider read none; the players' real
	// results (TAXII of the default collection, exports, feeds, the
	// matcher) hold none either.
	for _, coll := range []string{"exercises", "default"} {
		for id := range aus.heldIn(t, coll) {
			if slices.Contains(exIDs, id) || strings.HasPrefix(id, "x-kizuna-exercise") || strings.HasPrefix(id, "x-kizuna-inject-release") || id == exercise.MarkingID(ex.ID) {
				t.Errorf("the AUS node holds %s in %s", id, coll)
			}
		}
	}
	for _, who := range []struct {
		n    *fedNode
		name string
	}{{aus, "aus-reader"}, {jpn, "jpn-outsider"}} {
		if got, _ := read(who.n, who.name, "exercises"); len(got) != 0 {
			t.Errorf("%s reads %v in the exercises collection", who.name, got)
		}
		if out := mustCLI(who.n, tokens[who.name], "exercise", "list"); out != "" {
			t.Errorf("%s lists %s", who.name, out)
		}
		if export := who.n.cli(t, "export", "--collection", "exercises", "--principal", who.name); strings.Contains(export, ex.ID) || strings.Contains(export, "x_kizuna_banner") {
			t.Errorf("%s's export of the exercises collection holds the exercise", who.name)
		}
	}
	for _, who := range []struct {
		n    *fedNode
		name string
	}{{aus, "aus-reader"}, {jpn, "jpn-outsider"}, {jpn, "jpn-ncco"}, {usa, "usa-nccc"}, {usa, "usa-navlog"}} {
		got, banner := read(who.n, who.name, "default")
		if slices.ContainsFunc(got, func(id string) bool { return slices.Contains(exIDs, id) || id == jpnShare || id == navShare }) || banner != "" {
			t.Errorf("%s: %s reads exercise data in the default collection: %v (banner %q)", who.n.Name, who.name, got, banner)
		}
		for _, format := range []string{"stix", "csv"} {
			export := who.n.cli(t, "export", "--collection", "default", "--principal", who.name, "--format", format)
			if strings.Contains(export, ex.ID) || slices.ContainsFunc(exIDs, func(id string) bool { return strings.Contains(export, id) }) || strings.Contains(export, "tide-update.example") {
				t.Errorf("%s: %s's %s export of the default collection holds exercise data", who.n.Name, who.name, format)
			}
		}
		res := matchValues(t, base(who.n), who.name, tokens[who.name], kizuna.MatchRequest{Values: []string{"tide-update.example"}})
		if len(res.Matches) != 0 {
			t.Errorf("%s: %s matches the exercise's domain: %+v", who.n.Name, who.name, res.Matches)
		}
	}
	// A participant's export of the exercises collection carries the banner.
	var bundle struct {
		Banner  string            `json:"x_kizuna_banner"`
		Objects []json.RawMessage `json:"objects"`
	}
	if err := json.Unmarshal([]byte(jpn.cli(t, "export", "--collection", "exercises", "--principal", "jpn-ncco")), &bundle); err != nil || bundle.Banner != kizuna.ExerciseBanner([]string{ex.ID}) {
		t.Errorf("the export of the exercises collection: banner %q (%v)", bundle.Banner, err)
	}

	// The after-action report.
	htmlFile, pdfFile := filepath.Join(root, "aar.html"), filepath.Join(root, "aar.pdf")
	mustCLI(jpn, tokens["control"], "exercise", "report", ex.ID, "--html", htmlFile, "--pdf", pdfFile, "--audit", usaAudit)
	h, _ := os.ReadFile(htmlFile)
	p, _ := os.ReadFile(pdfFile)
	if !strings.Contains(string(h), "EXERCISE") || !strings.Contains(string(h), "jpn-ncco") || !strings.Contains(string(h), "usa-navlog") || !strings.HasPrefix(string(p), "%PDF-") {
		t.Errorf("report: HTML %d bytes, PDF %d bytes", len(h), len(p))
	}

	// ENDEX with purge on the control cell's node: the exercise's data is
	// gone there, the record stays, the community is taken back; the purged
	// record reaches the USA node, which follows it.
	out = mustCLI(jpn, admin[jpn], "exercise", "end", ex.ID, "--purge")
	if !strings.Contains(out, "\tpurged\t") || !strings.Contains(out, "revoked the community from jpn-ncco") || !strings.Contains(out, "\t"+jpnShare+"\t") {
		t.Errorf("JPN end --purge:\n%s", out)
	}
	for deadline := time.Now().Add(60 * time.Second); acts(usa, kizuna.AuditExerciseEnd, ex.ID) == 0; time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the USA node never follows the control cell's purge")
		}
	}
	if got, _ := read(usa, "usa-nccc", "exercises"); !slices.Equal(got, []string{exercise.RecordMarkingID(ex.ID), ex.ID}) {
		t.Errorf("USA: the US centre reads %v after the purge, not only the record and its marking", got)
	}
	for _, n := range []*fedNode{jpn, usa} {
		held := n.heldIn(t, "exercises")
		for _, id := range slices.Concat(exIDs, []string{jpnShare, navShare, exercise.MarkingID(ex.ID), exercise.ReleaseID(ex.ID, "I-02", "usa-nccc")}) {
			if _, ok := held[id]; ok {
				t.Errorf("%s holds %s after the purge", n.Name, id)
			}
		}
		if _, ok := held[ex.ID]; !ok {
			t.Errorf("%s: the exercise record is purged", n.Name)
		}
		if acts(n, kizuna.AuditExercisePurge, "") == 0 || acts(n, kizuna.AuditExerciseEnd, ex.ID) != 1 {
			t.Errorf("%s: the purge is not audited", n.Name)
		}
	}
	if _, errOut, code := cli(jpn, admin[jpn], "exercise", "end", ex.ID, "--purge"); code != 1 || !strings.Contains(errOut, "409") {
		t.Errorf("a second end: exit %d %s", code, errOut)
	}
}

// TestExerciseEgressOnlyToParticipatingNodes checks rule 3 on one served
// node: its peers read (and so receive by federation) an exercise's data
// only when their node hosts a participant. A peer of a participating
// nation and organisation that holds the exercise community (an operator's
// mistake) but whose node is not in the exercise reads none of it, and each
// refusal is audited; the peer of the participating node, given the
// community by the start, reads what was released to its node's players.
func TestExerciseEgressOnlyToParticipatingNodes(t *testing.T) {
	ctx := context.Background()
	s := nodetest.Serve(t, nodetest.Options{}, node.ServeConfig{Mounts: []node.Mount{exerciseMount(nil, nil, time.Hour, nil)}})
	raw, _ := exercise.Defaults.ReadFile(exercise.ExampleScenario)
	ex, err := exercise.ParseScenario(raw, "scenario.json")
	if err != nil {
		t.Fatal(err)
	}
	pub, _, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	addPeer := func(name, org string, communities ...string) string {
		t.Helper()
		pc := &federation.PeerConfig{Name: name, Node: "identity--" + kizuna.NewUUID(), URL: "http://127.0.0.1:9/taxii2/api/",
			PublicKey: federation.EncodePublicKey(pub), Nation: "USA", Organization: org, Organizations: []string{org}, MaxTLP: "amber"}
		token, err := s.Node.AddPeer(ctx, pc, nil, communities)
		if err != nil {
			t.Fatal(err)
		}
		return token
	}
	// The scenario names the US players' node "usa-node": the peering
	// agreement of that name is it.
	inToken := addPeer("usa-node", usaPOCOrg)
	outToken := addPeer("usa-other", exUSANCCCOrg, exercise.Community(ex.ID))
	if code, out := postJSON(t, s.Base+"/api/v1/exercises", "application/json", node.AdminName, s.Admin, json.RawMessage(raw)); code != http.StatusCreated {
		t.Fatalf("load: %d %s", code, out)
	}
	startex := time.Now().UTC().Add(-150 * time.Minute).Truncate(time.Second)
	if code, out := postJSON(t, s.Base+"/api/v1/exercises/"+ex.ID+"/start", "application/json", node.AdminName, s.Admin, map[string]time.Time{"startex": startex}); code != http.StatusOK {
		t.Fatalf("start: %d %s", code, out)
	}
	incident := exercise.RemapID(ex.ID, "incident--f903b045-1ffc-45b1-8b1e-9215870af60c")
	if ids := taxiiIDs(t, s.Base, "exercises", "usa-node", inToken); !slices.Contains(ids, incident) || !slices.Contains(ids, exercise.ReleaseID(ex.ID, "I-02", "usa-navlog")) {
		t.Errorf("the participating node's peer reads %v, without the I-02 incident and release", ids)
	}
	ids := taxiiIDs(t, s.Base, "exercises", "usa-other", outToken)
	for _, id := range ids {
		if id == incident || strings.HasPrefix(id, "x-kizuna-inject-release--") {
			t.Errorf("a peer whose node is not in the exercise reads %s", id)
		}
	}
	events, err := s.Node.Store.FindAudit(ctx, 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	refused := 0
	for _, e := range events {
		if e.Action == "deny" && strings.Contains(e.Reason, `peer "usa-other" may not receive data of exercise `+ex.ID) && strings.Contains(e.Reason, "hosts none of the exercise's participants") {
			refused++
		}
	}
	if refused == 0 {
		t.Error("the refusals are not audited")
	}
}
