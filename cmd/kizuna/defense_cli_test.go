package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/defense/defstix"
	"github.com/kizuna-dev/kizuna/node"
	"github.com/kizuna-dev/kizuna/store/sqlite"
)

// The points of contact of the shipped consultation configuration.
const (
	jpnPOCOrg = "identity--a1000000-0000-4000-8000-000000000001"
	usaPOCOrg = "identity--a2000000-0000-4000-8000-000000000002"
	ausPOCOrg = "identity--a3000000-0000-4000-8000-000000000003"
)

// writeIncidentBundle writes a bundle of an incident of usaPOCOrg under the
// markings and its availability impact, and returns the incident's id.
func writeIncidentBundle(t *testing.T, path string, markings []string) string {
	t.Helper()
	return writeIncidentBundleBy(t, path, usaPOCOrg, markings)
}

// writeIncidentBundleBy is writeIncidentBundle for an incident of creator.
func writeIncidentBundleBy(t *testing.T, path, creator string, markings []string) string {
	t.Helper()
	t0 := time.Date(2026, 11, 20, 2, 40, 0, 0, time.UTC)
	imp := &kizuna.Impact{ID: "impact--" + kizuna.NewUUID(), Created: t0, Modified: t0, CreatedByRef: creator, MarkingRefs: markings,
		Category: "availability", Availability: 85, Start: t0}
	inc := &kizuna.Incident{ID: "incident--" + kizuna.NewUUID(), Name: "Destructive attack on a container terminal", Created: t0, Modified: t0,
		CreatedByRef: creator, MarkingRefs: markings, Determination: "confirmed", InvestigationStatus: "open", ImpactRefs: []string{imp.ID},
		Alliance: &kizuna.AllianceFacts{AffectedNations: []string{"JPN"}, Sectors: []string{"jp.ports"}, PhysicalDamage: "damaged-nonfunctional",
			Injuries: 2, DurationHours: 96, Dependencies: []kizuna.Dependency{{Nation: "USA", Kind: "military"}}}}
	ri, err := defstix.EncodeIncident(inc)
	if err != nil {
		t.Fatal(err)
	}
	rm, err := defstix.EncodeImpact(imp)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(map[string]any{"type": "bundle", "id": "bundle--" + kizuna.NewUUID(), "objects": []json.RawMessage{ri, rm}})
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return inc.ID
}

// TestDefenseCLI drives collective defense from the CLI against a running
// node: a US point of contact stores an incident marked SECRET//REL TO
// USA, JPN, answers the factors, assesses, opens a consultation with Japan;
// Japan's point of contact acknowledges; an Australian reader gets 404 for
// all of it from the CLI and finds none of it through TAXII.
func TestDefenseCLI(t *testing.T) {
	base, data := startNode(t)
	dir := t.TempDir()
	usa := strings.TrimSpace(MustRunCLI(t, "principal", "add", "--data", data, "--name", "usa-poc", "--nation", "USA", "--org", usaPOCOrg,
		"--clearance", "USA:SECRET", "--role", "reader", "--role", "publisher", "--role", "poc"))
	jpn := strings.TrimSpace(MustRunCLI(t, "principal", "add", "--data", data, "--name", "jpn-poc", "--nation", "JPN", "--org", jpnPOCOrg,
		"--clearance", "JPN:gokuhi", "--role", "reader", "--role", "publisher", "--role", "poc"))
	aus := strings.TrimSpace(MustRunCLI(t, "principal", "add", "--data", data, "--name", "aus-poc", "--nation", "AUS", "--org", ausPOCOrg,
		"--clearance", "AUS:SECRET", "--role", "reader", "--role", "publisher", "--role", "poc"))

	rel := "marking-definition--" + kizuna.NewUUID()
	code, body := postJSON(t, base+"/taxii2/api/collections/default/objects/", "application/taxii+json;version=2.1", "usa-poc", usa,
		map[string]any{"objects": []any{map[string]any{"type": "marking-definition", "spec_version": "2.1", "id": rel,
			"created": "2026-11-20T09:00:00.000Z", "created_by_ref": usaPOCOrg, "name": "SECRET//REL TO USA, JPN",
			"extensions": map[string]any{"extension-definition--a6ad3f01-dcdd-4bf5-8b2f-242de041664e": map[string]any{
				"extension_type": "property-extension", "scheme": "USA", "level": "SECRET", "releasable_to": []string{"USA", "JPN"}}}}}})
	if code != http.StatusAccepted {
		t.Fatalf("marking: %d %s", code, body)
	}
	as, mustAs := nodeCLI(t, base)

	bundle := filepath.Join(dir, "incident.json")
	id := writeIncidentBundle(t, bundle, []string{rel})
	if out := mustAs(usa, "incident", "add", bundle); strings.TrimSpace(out) != id {
		t.Fatalf("incident add printed %q, want %s", out, id)
	}
	answers := filepath.Join(dir, "answers.json")
	os.WriteFile(answers, []byte(`[{"factor": "severity", "degree": "high", "confidence": 80, "analyst_ref": "`+usaPOCOrg+`"},
		{"factor": "state_involvement", "degree": "high", "confidence": 75, "analyst_ref": "`+usaPOCOrg+`"}]`), 0o600)
	mustAs(usa, "incident", "answer", id, answers)
	out := mustAs(usa, "incident", "assess", id, "--store")
	if !strings.Contains(out, "USA  severity") || !strings.Contains(out, "stored x-kizuna-threshold-assessment--") {
		t.Errorf("incident assess:\n%s", out)
	}
	if out := mustAs(jpn, "incident", "divergence", id); !strings.Contains(out, "AUS  severity") || !strings.Contains(out, "JPN  severity") {
		t.Errorf("incident divergence:\n%s", out)
	}
	out = mustAs(usa, "consult", "open", "--incident", id, "--to", "JPN", "--statement", "We request consultations.")
	if !strings.Contains(out, "state requested") {
		t.Fatalf("consult open:\n%s", out)
	}
	cid := strings.TrimSuffix(strings.Fields(out)[1], ",")
	if out := mustAs(jpn, "consult", "act", cid, "acknowledge"); !strings.Contains(out, "state acknowledged") {
		t.Errorf("consult act acknowledge:\n%s", out)
	}
	if out := mustAs(jpn, "consult", "list"); !strings.Contains(out, cid) {
		t.Errorf("consult list for JPN:\n%s", out)
	}

	// Both share their assessments; the USA proposes a position released
	// at TLP:GREEN by a recorded decision, Japan endorses it: the joint
	// position is stored at TLP:GREEN and the release is in the audit log.
	stored := func(out string) string {
		return strings.TrimSpace(out[strings.LastIndex(out, "stored ")+len("stored "):])
	}
	jpnAssessment := stored(mustAs(jpn, "incident", "assess", id, "--store"))
	mustAs(jpn, "consult", "act", cid, "share-assessment", "--assessment", jpnAssessment)
	var usaList struct{ Assessments []struct{ ID, Nation string } }
	json.Unmarshal([]byte(mustAs(usa, "incident", "assessments", id)), &usaList)
	for _, a := range usaList.Assessments {
		if a.Nation == "USA" {
			mustAs(usa, "consult", "act", cid, "share-assessment", "--assessment", a.ID)
		}
	}
	position := filepath.Join(dir, "position.json")
	os.WriteFile(position, []byte(`{"statement": "The allies are consulting on the attack.", "level_rank": 1,
		"marking_refs": ["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"],
		"release": {"authority": "Office of the Director", "rationale": "agreed public line"}}`), 0o600)
	if out := mustAs(usa, "consult", "act", cid, "propose-position", "--position", position); !strings.Contains(out, "state position-proposed") {
		t.Fatalf("propose-position:\n%s", out)
	}
	if out := mustAs(jpn, "consult", "act", cid, "endorse"); !strings.Contains(out, "state joint-position") {
		t.Fatalf("endorse:\n%s", out)
	}
	_, b := taxiiGet(t, base+"/taxii2/api/collections/default/objects/?match[type]=x-kizuna-joint-position", "aus-poc", aus)
	if !strings.Contains(string(b), "The allies are consulting on the attack.") {
		t.Errorf("aus does not read the joint position released at TLP:GREEN: %s", b)
	}
	db, err := sqlite.Open(context.Background(), filepath.Join(data, node.SQLiteFile))
	if err != nil {
		t.Fatal(err)
	}
	events, err := db.FindAudit(context.Background(), 0, 100000)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	released := false
	for _, ev := range events {
		released = released || (ev.Action == "consultation.release" && ev.Object == cid && strings.Contains(ev.Reason, "Office of the Director"))
	}
	if !released {
		t.Error("the release decision is not in the audit log")
	}

	// Australia reads nothing of it: each command answers as for an id
	// that does not exist, lists leave it out, TAXII serves none of it.
	for _, args := range [][]string{{"incident", "show", id}, {"incident", "assessments", id}, {"incident", "divergence", id},
		{"consult", "show", cid}, {"consult", "act", cid, "acknowledge"}} {
		if _, errOut, code := as(aus, args...); code != 1 || !strings.Contains(errOut, "404") {
			t.Errorf("aus: kizuna %s: exit %d: %s", strings.Join(args, " "), code, errOut)
		}
	}
	if out := mustAs(aus, "incident", "list"); strings.Contains(out, id) {
		t.Errorf("aus lists the incident:\n%s", out)
	}
	if out := mustAs(aus, "consult", "list"); strings.TrimSpace(out) != "" {
		t.Errorf("aus lists consultations:\n%s", out)
	}
	for _, typ := range []string{"incident", "impact", defstix.TypeFactorAnswers, defstix.TypeAssessment, defstix.TypeConsultation} {
		_, b := taxiiGet(t, base+"/taxii2/api/collections/default/objects/?match[type]="+typ, "aus-poc", aus)
		if strings.Contains(string(b), typ+"--") {
			t.Errorf("aus reads a %s through TAXII: %s", typ, b)
		}
		if _, b := taxiiGet(t, base+"/taxii2/api/collections/default/objects/?match[type]="+typ, "jpn-poc", jpn); !strings.Contains(string(b), typ+"--") {
			t.Errorf("jpn does not read the %s through TAXII: %s", typ, b)
		}
	}
}

// TestPolicyTestCLI runs a policy on a saved incident without a node, and
// names the file, path and position of a policy that does not compile.
func TestPolicyTestCLI(t *testing.T) {
	dir := t.TempDir()
	bundle := filepath.Join(dir, "incident.json")
	writeIncidentBundle(t, bundle, nil)
	pol := filepath.Join(dir, "jpn.json")
	b, err := os.ReadFile("../../defense/defaults/policies/jpn.json")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(pol, b, 0o600)
	out, errOut, code := runCLI(t, "policy", "test", "--policy", pol, "--incident", bundle)
	if code != 0 || !strings.Contains(out, "JPN  severity") || !strings.Contains(out, "(policy JPN ") {
		t.Errorf("policy test: exit %d\n%s%s", code, out, errOut)
	}
	broken := strings.Replace(string(b), "factors.severity.degree", "factors.severity.degre", 1)
	os.WriteFile(pol, []byte(broken), 0o600)
	_, errOut, code = runCLI(t, "policy", "test", "--policy", pol, "--incident", bundle)
	if code != 1 || !strings.Contains(errOut, "(jpn.json): $.rules[") || !strings.Contains(errOut, "undeclared reference") {
		t.Errorf("broken policy: exit %d: %s", code, errOut)
	}
}

// putRaw sends a PUT with a raw body as a bearer token's principal.
func putRaw(t *testing.T, url, token string, body []byte) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("PUT", url, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestDefensePolicyPut replaces a nation's policy through the API: only an
// admin may; a policy that does not compile is refused with its path and
// position and changes nothing; an accepted one is kept in the data
// directory and decides the next assessment.
func TestDefensePolicyPut(t *testing.T) {
	base, data := startNode(t)
	admin, err := os.ReadFile(filepath.Join(data, node.AdminTokenFile))
	if err != nil {
		t.Fatal(err)
	}
	jpn := strings.TrimSpace(MustRunCLI(t, "principal", "add", "--data", data, "--name", "jpn-poc", "--nation", "JPN", "--org", jpnPOCOrg,
		"--role", "reader", "--role", "publisher", "--role", "poc"))
	orig, err := os.ReadFile("../../defense/defaults/policies/jpn.json")
	if err != nil {
		t.Fatal(err)
	}
	url := base + "/api/v1/policies/JPN"
	if code, b := putRaw(t, url, jpn, orig); code != http.StatusForbidden {
		t.Errorf("a point of contact replaced a policy: %d %s", code, b)
	}
	broken := strings.Replace(string(orig), "factors.severity.degree", "factors.severity.degre", 1)
	if code, b := putRaw(t, url, strings.TrimSpace(string(admin)), []byte(broken)); code != http.StatusBadRequest ||
		!strings.Contains(b, "(policies/jpn.json): $.rules[") || !strings.Contains(b, "undeclared reference to 'factors.severity.degre'") {
		t.Errorf("a broken policy: %d %s", code, b)
	}
	if _, err := os.Stat(filepath.Join(data, defenseDir, "policies", "jpn.json")); err != nil {
		t.Errorf("the shipped configuration was not written out first: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(data, defenseDir, "policies", "jpn.json")); string(b) != string(orig) {
		t.Error("the refused policy was left in the data directory")
	}
	changed := strings.Replace(string(orig), `"version": "example-2026-12-07"`, `"version": "jpn-2026-12-08"`, 1)
	if changed == string(orig) {
		t.Fatal("the shipped JPN policy has no version line to change")
	}
	if code, b := putRaw(t, url, strings.TrimSpace(string(admin)), []byte(changed)); code != http.StatusOK || !strings.Contains(b, `"version":"jpn-2026-12-08"`) {
		t.Fatalf("PUT policy: %d %s", code, b)
	}
	bundle := filepath.Join(t.TempDir(), "incident.json")
	id := writeIncidentBundleBy(t, bundle, jpnPOCOrg, []string{"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"})
	if _, errOut, code := runCLI(t, "incident", "add", bundle, "--url", base, "--token", jpn); code != 0 {
		t.Fatal(errOut)
	}
	if out, errOut, _ := runCLI(t, "incident", "assess", id, "--url", base, "--token", jpn); !strings.Contains(out, "(policy JPN jpn-2026-12-08") {
		t.Errorf("the assessment after the change:\n%s%s", out, errOut)
	}
	if _, _, err := loadDefense(data, nil); err != nil {
		t.Errorf("the data directory's configuration does not load: %v", err)
	}
}
