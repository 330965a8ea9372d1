package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/deconflict/dcstix"
	"github.com/kizuna-dev/kizuna/policy"
)

// writeAction writes a defensive action of an owner, released for
// deconfliction with the nations with, to a file and returns its id.
func writeAction(t *testing.T, dir, nation, org, kind string, cat int, target string, start time.Time, days int, markings []string, with ...string) (string, string) {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Millisecond)
	a := &kizuna.DefensiveAction{ID: "x-kizuna-defensive-action--" + kizuna.NewUUID(), Created: now, Modified: now, CreatedByRef: org,
		Name: nation + " " + kind + " " + target, Kind: kind, Category: cat,
		Targets: []kizuna.ActionTarget{{Kind: kizuna.TargetIP, Value: target}}, Start: start, End: start.Add(time.Duration(days) * 24 * time.Hour),
		Nation: nation, Organization: org, State: kizuna.ActionApproved, MarkingRefs: markings, DeconflictWith: with}
	raw, err := dcstix.EncodeAction(a)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, a.ID+".json")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	return a.ID, path
}

// nodeCLI returns functions that run a node command against base as the
// principal of a token: as returns the output and exit status, mustAs
// fails the test unless the command succeeds.
func nodeCLI(t *testing.T, base string) (as func(token string, args ...string) (string, string, int), mustAs func(token string, args ...string) string) {
	as = func(token string, args ...string) (string, string, int) {
		return runCLI(t, append(args, "--url", base, "--token", token)...)
	}
	mustAs = func(token string, args ...string) string {
		t.Helper()
		out, errOut, code := as(token, args...)
		if code != 0 {
			t.Fatalf("kizuna %s: exit %d: %s", strings.Join(args, " "), code, errOut)
		}
		return out
	}
	return as, mustAs
}

// TestDeconflictCLI registers defensive actions on a running node from the
// CLI: a Japanese CAT1 monitoring of a /24, released to the USA, and a US
// takedown request of an address in it in an overlapping window. The
// registration reports the conflict to the US registrant, and a notice is
// stored for each owner. A US takedown elsewhere raises nothing. An
// Australian principal learns nothing of either: no registration listed,
// 404 by id (as for an id that does not exist), no notice, nothing
// through TAXII; its own takedown on the same /24 matches nothing it may
// not read, and notifies nobody.
func TestDeconflictCLI(t *testing.T) {
	base, data := startNode(t)
	dir := t.TempDir()
	add := func(name, nation, org string) string {
		return strings.TrimSpace(MustRunCLI(t, "principal", "add", "--data", data, "--name", name, "--nation", nation, "--org", org,
			"--role", "reader", "--role", "publisher"))
	}
	usa, jpn, aus := add("usa-cmd", "USA", usaPOCOrg), add("jpn-ncc", "JPN", jpnPOCOrg), add("aus-acsc", "AUS", ausPOCOrg)
	as, mustAs := nodeCLI(t, base)

	rel := "marking-definition--" + kizuna.NewUUID()
	code, body := postJSON(t, base+"/taxii2/api/collections/deconfliction/objects/", "application/taxii+json;version=2.1", "jpn-ncc", jpn,
		map[string]any{"objects": []any{map[string]any{"type": "marking-definition", "spec_version": "2.1", "id": rel,
			"created": "2027-02-01T00:00:00.000Z", "created_by_ref": jpnPOCOrg, "name": "REL TO USA, JPN",
			"extensions": map[string]any{"extension-definition--a6ad3f01-dcdd-4bf5-8b2f-242de041664e": map[string]any{
				"extension_type": "property-extension", "releasable_to": []string{"USA", "JPN"}}}}}})
	if code != http.StatusAccepted {
		t.Fatalf("marking: %d %s", code, body)
	}

	t0 := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
	// Bad registrations: named problems, nothing stored.
	badID, badFile := writeAction(t, dir, "JPN", jpnPOCOrg, kizuna.ActionMonitor, 1, "198.51.100.0/33", t0, 30, []string{rel})
	if _, errOut, code := as(jpn, "deconflict", "register", badFile); code != 1 || !strings.Contains(errOut, "400") ||
		!strings.Contains(errOut, badID+": $.targets[0].value: ") {
		t.Errorf("a bad range: exit %d %s", code, errOut)
	}
	_, otherFile := writeAction(t, dir, "USA", usaPOCOrg, kizuna.ActionMonitor, 1, "198.51.100.0/24", t0, 30, []string{rel})
	if _, errOut, code := as(jpn, "deconflict", "register", otherFile); code != 1 || !strings.Contains(errOut, "403") {
		t.Errorf("a registration for another organisation: exit %d %s", code, errOut)
	}
	for _, body := range []any{"not an object", map[string]any{"type": "x-kizuna-defensive-action"}} {
		if code, out := postJSON(t, base+"/api/v1/defensive-actions", "application/json", "jpn-ncc", jpn, body); code != http.StatusBadRequest {
			t.Errorf("POST %v: %d %s", body, code, out)
		}
	}
	if code, out := postJSON(t, base+"/api/v1/defensive-actions", "application/json", "jpn-ncc", jpn,
		map[string]string{"pad": strings.Repeat("x", 2<<20)}); code != http.StatusRequestEntityTooLarge {
		t.Errorf("a 2 MiB body: %d %s", code, out)
	}
	jpnID, jpnFile := writeAction(t, dir, "JPN", jpnPOCOrg, kizuna.ActionMonitor, 1, "198.51.100.0/24", t0, 30, []string{rel})
	if out := mustAs(jpn, "deconflict", "register", jpnFile); !strings.Contains(out, "registered "+jpnID) || !strings.Contains(out, "no conflict") {
		t.Fatalf("JPN register:\n%s", out)
	}
	usaID, usaFile := writeAction(t, dir, "USA", usaPOCOrg, kizuna.ActionTakedown, 6, "198.51.100.7", t0.Add(10*24*time.Hour), 5, []string{rel})
	out := mustAs(usa, "deconflict", "register", usaFile)
	if !strings.Contains(out, "registered "+usaID) || !strings.Contains(out, "disruption-against-passive-collection") || !strings.Contains(out, "with "+jpnID) {
		t.Fatalf("USA register:\n%s", out)
	}
	if out := mustAs(usa, "deconflict", "conflicts", usaID); !strings.Contains(out, jpnID) {
		t.Errorf("USA conflicts:\n%s", out)
	}
	// The same registration again stores no second notice.
	mustAs(usa, "deconflict", "register", usaFile)
	for _, who := range []struct{ token, own, other string }{{usa, usaID, "JPN/" + jpnPOCOrg + " monitor CAT1"}, {jpn, jpnID, "USA/" + usaPOCOrg + " takedown-request CAT6"}} {
		out := mustAs(who.token, "deconflict", "notices")
		if n := strings.Count(out, "\n"); n != 1 || !strings.Contains(out, "your "+who.own+" meets "+who.other) || !strings.Contains(out, "high") {
			t.Errorf("notices of the owner of %s (%d):\n%s", who.own, n, out)
		}
	}
	// Each owner reads its own notice only, through TAXII too.
	for _, who := range []struct{ name, token string }{{"usa-cmd", usa}, {"jpn-ncc", jpn}} {
		n := 0
		for _, id := range taxiiIDs(t, base, "deconfliction", who.name, who.token) {
			if strings.HasPrefix(id, "x-kizuna-deconfliction-notice--") {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s reads %d notices through TAXII, want its own one", who.name, n)
		}
	}
	// A takedown elsewhere: no conflict, no notice.
	_, farFile := writeAction(t, dir, "USA", usaPOCOrg, kizuna.ActionTakedown, 6, "203.0.113.0/24", t0.Add(10*24*time.Hour), 5, []string{rel})
	if out := mustAs(usa, "deconflict", "register", farFile); !strings.Contains(out, "no conflict") {
		t.Errorf("a takedown elsewhere:\n%s", out)
	}
	if out := mustAs(usa, "deconflict", "list", "--mine"); strings.Count(out, "\n") != 2 || strings.Contains(out, jpnID) {
		t.Errorf("USA list --mine:\n%s", out)
	}
	if out := mustAs(jpn, "deconflict", "list"); strings.Count(out, "\n") != 3 {
		t.Errorf("JPN list:\n%s", out)
	}
	if out := mustAs(jpn, "deconflict", "notices"); strings.Count(out, "\n") != 1 {
		t.Errorf("JPN notices after a takedown elsewhere:\n%s", out)
	}

	// Australia learns nothing.
	if out := mustAs(aus, "deconflict", "list"); out != "" {
		t.Errorf("AUS list:\n%s", out)
	}
	if out := mustAs(aus, "deconflict", "notices"); out != "" {
		t.Errorf("AUS notices:\n%s", out)
	}
	missing := "x-kizuna-defensive-action--" + kizuna.NewUUID()
	_, hiddenErr, hiddenCode := as(aus, "deconflict", "show", jpnID)
	_, missingErr, missingCode := as(aus, "deconflict", "show", missing)
	if hiddenCode != 1 || !strings.Contains(hiddenErr, "404") ||
		strings.ReplaceAll(hiddenErr, jpnID, "ID") != strings.ReplaceAll(missingErr, missing, "ID") || missingCode != hiddenCode {
		t.Errorf("AUS show of a hidden registration: exit %d %q; of none: exit %d %q", hiddenCode, hiddenErr, missingCode, missingErr)
	}
	if _, errOut, code := as(aus, "deconflict", "conflicts", usaID); code != 1 || !strings.Contains(errOut, "404") {
		t.Errorf("AUS conflicts of a hidden registration: exit %d %s", code, errOut)
	}
	_, ausFile := writeAction(t, dir, "AUS", ausPOCOrg, kizuna.ActionTakedown, 6, "198.51.100.0/24", t0, 30, []string{policy.TLP2Amber})
	if out := mustAs(aus, "deconflict", "register", ausFile); !strings.Contains(out, "no conflict") {
		t.Errorf("AUS register:\n%s", out)
	}
	for _, tok := range []string{usa, jpn} {
		if out := mustAs(tok, "deconflict", "notices"); strings.Count(out, "\n") != 1 || strings.Contains(out, "AUS") {
			t.Errorf("notices after the AUS registration:\n%s", out)
		}
	}
	code, body = taxiiGet(t, base+"/taxii2/api/collections/deconfliction/objects/", "aus-acsc", aus)
	var env struct {
		Objects []struct {
			ID string `json:"id"`
		} `json:"objects"`
	}
	json.Unmarshal(body, &env)
	for _, o := range env.Objects {
		if strings.HasPrefix(o.ID, "x-kizuna-") && !strings.HasPrefix(o.ID, "x-kizuna-defensive-action--") || o.ID == jpnID || o.ID == usaID || o.ID == rel {
			t.Errorf("AUS reads %s through TAXII (%d)", o.ID, code)
		}
	}
	if code != http.StatusOK || len(env.Objects) != 1 {
		t.Errorf("AUS TAXII read of the deconfliction collection: %d, %d objects (only its own registration expected): %s", code, len(env.Objects), body)
	}
}
