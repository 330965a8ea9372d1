package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/exercise"
	"github.com/kizuna-dev/kizuna/node"
	"github.com/kizuna-dev/kizuna/policy"
)

// The organisations of the shipped example scenario.
const (
	exControlOrg = "identity--3c90eb0a-514c-428d-9b85-00ff69310ada"
	exJPNNCCOOrg = "identity--f3c44888-9ecd-43f9-b929-ac2f580547b8"
	exUSANCCCOrg = "identity--51075012-2b39-4175-a022-32b710c3fab7"
)

// taxiiIDs returns the ids of the objects a principal reads from a
// collection through TAXII.
func taxiiIDs(t *testing.T, base, coll, user, token string) []string {
	t.Helper()
	code, body := taxiiGet(t, base+"/taxii2/api/collections/"+coll+"/objects/?limit=1000", user, token)
	if code != http.StatusOK {
		t.Fatalf("%s: TAXII %s: %d %s", user, coll, code, body)
	}
	var env struct {
		Objects []struct {
			ID string `json:"id"`
		} `json:"objects"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, o := range env.Objects {
		ids = append(ids, o.ID)
	}
	return ids
}

// injectIDs returns the ids under which the objects of an exercise's
// inject (by index) are published.
func injectIDs(ex *kizuna.Exercise, inject int) []string {
	var ids []string
	for _, o := range ex.Injects[inject].Objects {
		var head struct{ ID string }
		json.Unmarshal(o, &head)
		ids = append(ids, exercise.RemapID(ex.ID, head.ID))
	}
	return ids
}

// TestExerciseCLI runs the shipped US–Japan example on a running node from
// the CLI: the admin loads it and starts it 2½ hours ago, so the first two
// injects are released and the last two are not. Each participant reads
// through TAXII what was released to it and nothing else; a non-participant
// (without the exercise community) and a principal of a third nation that
// holds the community read nothing of the exercise through TAXII or the
// API (404 as for an id that does not exist); the indicator matcher gives
// nobody, participant or not, an exercise indicator, and gives everyone a
// real one of the same value. The US
// centre acknowledges its release in time; the control cell's evaluation
// from the audit log shows it met, the unacknowledged Japanese release
// not met; the after-action report renders as HTML and PDF with the
// EXERCISE banner.
func TestExerciseCLI(t *testing.T) {
	base, data := startNode(t)
	dir := t.TempDir()
	raw, err := exercise.Defaults.ReadFile(exercise.ExampleScenario)
	if err != nil {
		t.Fatal(err)
	}
	scenario := filepath.Join(dir, "scenario.json")
	os.WriteFile(scenario, raw, 0o600)
	ex, err := exercise.ParseScenario(raw, "scenario.json")
	if err != nil {
		t.Fatal(err)
	}
	community := exercise.Community(ex.ID)
	add := func(name, nation, org string, communities ...string) string {
		args := []string{"principal", "add", "--data", data, "--name", name, "--nation", nation, "--org", org, "--role", "reader", "--role", "publisher"}
		for _, c := range communities {
			args = append(args, "--community", c)
		}
		return strings.TrimSpace(MustRunCLI(t, args...))
	}
	control := add("ex-control", "JPN", exControlOrg, community)
	jpn := add("ex-jpn-ncco", "JPN", exJPNNCCOOrg, community)
	usa := add("ex-usa-nccc", "USA", exUSANCCCOrg, community)
	outsider := add("ex-outsider", "USA", "identity--a2000000-0000-4000-8000-000000000002")
	aus := add("ex-aus", "AUS", "identity--a3000000-0000-4000-8000-000000000003", community)
	adminTok, err := os.ReadFile(filepath.Join(data, node.AdminTokenFile))
	if err != nil {
		t.Fatal(err)
	}
	admin := strings.TrimSpace(string(adminTok))
	as, mustAs := nodeCLI(t, base)

	if out := MustRunCLI(t, "exercise", "validate", scenario); !strings.Contains(out, ex.ID) {
		t.Errorf("exercise validate: %s", out)
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(strings.Replace(string(raw), `"control"`, `"contol"`, 1)), 0o600)
	if _, errOut, code := as(admin, "exercise", "load", bad); code != 1 || !strings.Contains(errOut, "400") || !strings.Contains(errOut, "scenario: $.contol: ") {
		t.Errorf("a bad scenario: exit %d %s", code, errOut)
	}
	if out := mustAs(admin, "exercise", "load", scenario); !strings.Contains(out, "EXERCISE "+ex.ID+"\tplanned") {
		t.Fatalf("exercise load: %s", out)
	}
	if _, errOut, code := as(admin, "exercise", "load", scenario); code != 1 || !strings.Contains(errOut, "409") {
		t.Errorf("a second load: exit %d %s", code, errOut)
	}
	if _, errOut, code := as(jpn, "exercise", "load", scenario); code != 1 || !strings.Contains(errOut, "403") {
		t.Errorf("a load by a player: exit %d %s", code, errOut)
	}
	startex := time.Now().UTC().Add(-150 * time.Minute).Truncate(time.Second)
	if out := mustAs(admin, "exercise", "start", ex.ID, "--at", startex.Format(time.RFC3339)); !strings.Contains(out, "\tactive\t") {
		t.Fatalf("exercise start: %s", out)
	}

	i01, i02, i03 := injectIDs(ex, 0), injectIDs(ex, 1), injectIDs(ex, 2)
	jpnIDs := taxiiIDs(t, base, "exercises", "ex-jpn-ncco", jpn)
	usaIDs := taxiiIDs(t, base, "exercises", "ex-usa-nccc", usa)
	for _, id := range append(slices.Clone(i01), i02...) {
		if !slices.Contains(jpnIDs, id) {
			t.Errorf("the Japanese centre, a recipient of I-01 and I-02, does not read %s", id)
		}
	}
	for _, id := range i01 {
		if slices.Contains(usaIDs, id) {
			t.Errorf("the US centre reads %s of I-01, which was not released to it", id)
		}
	}
	for _, id := range i02 {
		if !slices.Contains(usaIDs, id) {
			t.Errorf("the US centre, a recipient of I-02, does not read %s", id)
		}
	}
	for _, id := range i03 {
		if slices.Contains(jpnIDs, id) || slices.Contains(usaIDs, id) {
			t.Errorf("%s of I-03, due in 3½ hours, is released", id)
		}
	}
	out := mustAs(usa, "exercise", "status", ex.ID)
	if !strings.Contains(out, "\tI-02\tto usa-nccc\t") {
		t.Fatalf("US status:\n%s", out)
	}
	usaRelease := exercise.ReleaseID(ex.ID, "I-02", "usa-nccc")

	// The non-participant and the third nation's principal learn nothing.
	missing := "x-kizuna-exercise--" + kizuna.NewUUID()
	for _, who := range []struct{ name, token string }{{"ex-outsider", outsider}, {"ex-aus", aus}} {
		if ids := taxiiIDs(t, base, "exercises", who.name, who.token); len(ids) != 0 {
			t.Errorf("%s reads %v through TAXII", who.name, ids)
		}
		if out := mustAs(who.token, "exercise", "list"); out != "" {
			t.Errorf("%s lists %s", who.name, out)
		}
		_, hiddenErr, hiddenCode := as(who.token, "exercise", "status", ex.ID)
		_, missingErr, missingCode := as(who.token, "exercise", "status", missing)
		if hiddenCode != 1 || !strings.Contains(hiddenErr, "404") || missingCode != 1 ||
			strings.ReplaceAll(hiddenErr, ex.ID, "ID") != strings.ReplaceAll(missingErr, missing, "ID") {
			t.Errorf("%s status of the exercise: exit %d %q; of none: exit %d %q", who.name, hiddenCode, hiddenErr, missingCode, missingErr)
		}
		if _, errOut, code := as(who.token, "exercise", "ack", ex.ID, usaRelease); code != 1 || !strings.Contains(errOut, "404") {
			t.Errorf("%s acknowledges a release: exit %d %s", who.name, code, errOut)
		}
	}
	// The matcher never gives exercise data, to participants either
	// (rule 2): a real indicator of the same domain, published once the
	// exercise indicator is stored, is matched; the exercise's is not.
	exIndicator := exercise.RemapID(ex.ID, "indicator--d1ca4fe9-1824-4081-b66b-278e25c8b667")
	realIndicator := "indicator--" + kizuna.NewUUID()
	code, body := postJSON(t, base+"/taxii2/api/collections/default/objects/", "application/taxii+json;version=2.1", "ex-jpn-ncco", jpn,
		map[string]any{"objects": []any{map[string]any{"type": "indicator", "spec_version": "2.1", "id": realIndicator,
			"created": "2027-02-16T01:00:00.000Z", "modified": "2027-02-16T01:00:00.000Z", "pattern": "[domain-name:value = 'tide-update.example']",
			"pattern_type": "stix", "valid_from": "2027-02-16T00:00:00Z", "object_marking_refs": []string{policy.TLP2Green}}}})
	if code != http.StatusAccepted {
		t.Fatalf("the real indicator: %d %s", code, body)
	}
	req := kizuna.MatchRequest{Values: []string{"tide-update.example"}}
	indicators := func(name, token string) []string {
		var ids []string
		for _, m := range matchValues(t, base, name, token, req).Matches {
			ids = append(ids, m.Indicator)
		}
		return ids
	}
	for deadline := time.Now().Add(10 * time.Second); !slices.Contains(indicators("ex-jpn-ncco", jpn), realIndicator); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the real indicator is not matched within 10 s")
		}
	}
	for _, who := range []struct{ name, token string }{{"ex-jpn-ncco", jpn}, {"ex-usa-nccc", usa}, {"ex-outsider", outsider}, {"ex-aus", aus}} {
		if got := indicators(who.name, who.token); slices.Contains(got, exIndicator) || !slices.Contains(got, realIndicator) {
			t.Errorf("%s matches %v (the exercise indicator %s must not be among them, the real %s must)", who.name, got, exIndicator, realIndicator)
		}
	}

	// The Japanese centre shares onward: a report of its own on the I-01
	// indicator, under the exercise marking, in the exercises collection
	// (the default collection, of real data, refuses it).
	indicator := exercise.RemapID(ex.ID, "indicator--0217125f-8bf1-4050-a3c8-da2b8601a3b9")
	code, body = postJSON(t, base+"/taxii2/api/collections/exercises/objects/", "application/taxii+json;version=2.1", "ex-jpn-ncco", jpn,
		map[string]any{"objects": []any{map[string]any{"type": "report", "spec_version": "2.1", "id": "report--" + kizuna.NewUUID(),
			"created": "2027-02-16T01:00:00.000Z", "modified": "2027-02-16T01:00:00.000Z", "name": "Port ransomware C2 for the port sector",
			"published": "2027-02-16T01:00:00Z", "report_types": []string{"threat-report"}, "object_refs": []string{indicator},
			"object_marking_refs": []string{exercise.MarkingID(ex.ID)}}}})
	if code != http.StatusAccepted || !strings.Contains(string(body), `"success_count":1`) {
		t.Fatalf("the Japanese centre's share: %d %s", code, body)
	}

	// Acknowledgement, evaluation, report. A participant acknowledges only
	// what was released to it.
	if _, errOut, code := as(jpn, "exercise", "ack", ex.ID, usaRelease); code != 1 || !strings.Contains(errOut, "403") {
		t.Errorf("the Japanese centre acknowledges the US release: exit %d %s", code, errOut)
	}
	if out := mustAs(usa, "exercise", "ack", ex.ID, usaRelease); !strings.Contains(out, "acknowledged") {
		t.Errorf("ack: %s", out)
	}
	if _, errOut, code := as(usa, "exercise", "evaluate", ex.ID); code != 1 || !strings.Contains(errOut, "403") {
		t.Errorf("a player evaluates: exit %d %s", code, errOut)
	}
	out = mustAs(control, "exercise", "evaluate", ex.ID)
	// The reads through TAXII above are in the audit log: the recipients
	// read in time; the Navy cell, which read nothing, has not.
	for _, met := range []string{"I-01\tread\tjpn-ncco\tmet\t", "I-02\tread\tjpn-ncco\tmet\t", "I-02\tread\tusa-nccc\tmet\t", "I-02\tread\tusa-navlog\tpending\t", "I-01\tshare\tjpn-ncco\tmet\t", "I-01\tshare\tjpn-port-isac\tpending\t"} {
		if !strings.Contains(out, met) {
			t.Errorf("the evaluation has no line %q:\n%s", met, out)
		}
	}
	if !strings.Contains(out, "I-02\tacknowledge\tusa-nccc\tmet\t") {
		t.Errorf("the US acknowledgement is not met in the evaluation:\n%s", out)
	}
	if strings.Contains(out, "I-01\tacknowledge\tjpn-ncco\tmet") || !strings.Contains(out, "I-01\tacknowledge\tjpn-ncco\t") {
		t.Errorf("the Japanese acknowledgement, never made:\n%s", out)
	}
	if !strings.Contains(out, "I-03\tread\tusa-navlog\tnot-released") {
		t.Errorf("I-03 is not pending release:\n%s", out)
	}
	htmlFile, pdfFile := filepath.Join(dir, "aar.html"), filepath.Join(dir, "aar.pdf")
	mustAs(control, "exercise", "report", ex.ID, "--html", htmlFile, "--pdf", pdfFile)
	h, _ := os.ReadFile(htmlFile)
	p, _ := os.ReadFile(pdfFile)
	if !strings.Contains(string(h), "EXERCISE") || !strings.Contains(string(h), "usa-nccc") || !strings.HasPrefix(string(p), "%PDF-") {
		t.Errorf("report: HTML %d bytes, PDF %d bytes (%q)", len(h), len(p), p[:min(len(p), 8)])
	}
}
