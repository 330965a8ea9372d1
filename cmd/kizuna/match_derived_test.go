package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/store/sqlite"
)

// Marking-definitions of the sample data set.
const (
	sampleSecretRelJPN = "marking-definition--23741431-df25-49ed-9ef7-26585e32be68" // USA SECRET//REL TO USA, JPN
	sampleCyberWG      = "marking-definition--9fd6e717-a370-4558-ad51-d2bcad961edf" // community cyber-wg, REL TO USA, JPN, AUS
	tlp2Green          = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
	kizunaExtension    = "extension-definition--a6ad3f01-dcdd-4bf5-8b2f-242de041664e"
)

// matchWorld is a node with the sample data, three organisations and
// principals: owner publishes indicators, soc (cleared SECRET, in the
// cyber-wg community) matches and records sightings, outsider reads.
type matchWorld struct {
	base, data, sample string
	owner, soc         string // organisation ids
	tokens             map[string]string
}

func newMatchWorld(t *testing.T) *matchWorld {
	t.Helper()
	w := &matchWorld{tokens: map[string]string{}}
	w.base, w.data = startNode(t)
	org := func(name string) string {
		return strings.TrimSpace(MustRunCLI(t, "org", "add", "--data", w.data, "--name", name, "--nation", "USA"))
	}
	w.owner, w.soc = org("Owner Agency"), org("SOC Provider")
	org("Other Agency")
	add := func(name, org string, args ...string) {
		w.tokens[name] = strings.TrimSpace(MustRunCLI(t, append([]string{"principal", "add", "--data", w.data, "--name", name,
			"--nation", "USA", "--org", org}, args...)...))
	}
	add("owner", "Owner Agency", "--clearance", "USA:SECRET", "--role", "publisher", "--role", "reader")
	add("soc", "SOC Provider", "--clearance", "USA:SECRET", "--community", "cyber-wg", "--role", "publisher", "--role", "reader")
	add("outsider", "Other Agency", "--role", "reader")
	w.sample = collectionID(t, w.base, "soc", w.tokens["soc"], sampleAlias)
	return w
}

// post publishes objects into a collection and waits until each is stored.
func (w *matchWorld) post(t *testing.T, user, collection string, objs ...map[string]any) {
	t.Helper()
	code, body := postJSON(t, w.base+"/taxii2/api/collections/"+collection+"/objects/", "application/taxii+json;version=2.1",
		user, w.tokens[user], map[string]any{"objects": objs})
	if code != http.StatusAccepted {
		t.Fatalf("POST as %s: %d %s", user, code, body)
	}
	var st struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	json.Unmarshal(body, &st)
	for deadline := time.Now().Add(10 * time.Second); st.Status != "complete"; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("POST as %s: status %s after 10 s", user, body)
		}
		_, body = taxiiGet(t, w.base+"/taxii2/api/status/"+st.ID+"/", user, w.tokens[user])
		json.Unmarshal(body, &st)
	}
	if !strings.Contains(string(body), `"failure_count":0`) {
		t.Fatalf("POST as %s: %s", user, body)
	}
}

// match posts a match request as user and decodes the answer.
func (w *matchWorld) match(t *testing.T, user string, req any) *kizuna.MatchResult {
	t.Helper()
	code, body := postJSON(t, w.base+"/api/v1/match", "application/json", user, w.tokens[user], req)
	if code != http.StatusOK {
		t.Fatalf("%s: match: %d %s", user, code, body)
	}
	var res kizuna.MatchResult
	if err := json.Unmarshal(body, &res); err != nil {
		t.Fatal(err)
	}
	return &res
}

// newIndicator returns an indicator of the owner organisation matching a
// domain name.
func (w *matchWorld) newIndicator(domain string) map[string]any {
	return map[string]any{
		"type": "indicator", "spec_version": "2.1", "id": "indicator--" + kizuna.NewUUID(),
		"created": "2026-11-01T00:00:00.000Z", "modified": "2026-11-01T00:00:00.000Z", "created_by_ref": w.owner,
		"pattern": "[domain-name:value = '" + domain + "']", "pattern_type": "stix", "valid_from": "2026-11-01T00:00:00Z",
		"object_marking_refs": []string{tlp2Green},
	}
}

// waitMatched waits until user's match of value finds the indicator.
func (w *matchWorld) waitMatched(t *testing.T, user, value, indicator string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		res := w.match(t, user, kizuna.MatchRequest{Values: []string{value}})
		if slices.ContainsFunc(res.Matches, func(m kizuna.Match) bool { return m.Indicator == indicator }) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %s does not match %s after 5 s", user, value, indicator)
		}
	}
}

// TestMatchSightingsAreAsRestrictedAsTheirSources records sightings over
// HTTP of an indicator restricted by its audience, of one whose pattern
// carries a granular classification marking, and of a TLP:GREEN indicator
// matched by observed-data marked for a community: a reader who may not
// read the indicator (or the observation) does not read the sighting by id,
// in the objects list or in the manifest. A sighting that cannot be marked
// so is refused and reported, and nothing of it is stored.
func TestMatchSightingsAreAsRestrictedAsTheirSources(t *testing.T) {
	w := newMatchWorld(t)
	byAudience := w.newIndicator("audience.example")
	byAudience["extensions"] = map[string]any{kizunaExtension: map[string]any{
		"extension_type": "property-extension", "audience": []string{w.owner, w.soc}}}
	byPortion := w.newIndicator("portion.example")
	byPortion["granular_markings"] = []map[string]any{{"marking_ref": sampleSecretRelJPN, "selectors": []string{"pattern"}}}
	plain := w.newIndicator("observed.example")
	w.post(t, "owner", w.sample, byAudience, byPortion, plain)
	for _, ind := range []map[string]any{byAudience, byPortion} {
		if code, body := taxiiGet(t, w.base+"/taxii2/api/collections/"+w.sample+"/objects/"+ind["id"].(string)+"/", "outsider", w.tokens["outsider"]); code != http.StatusNotFound {
			t.Fatalf("outsider reads the restricted indicator: %d %s", code, body)
		}
	}
	w.waitMatched(t, "soc", "portion.example", byPortion["id"].(string))

	res := w.match(t, "soc", kizuna.MatchRequest{Values: []string{"audience.example", "portion.example"}, RecordSightings: true})
	if len(res.Sightings) != 2 || len(res.RefusedSightings) != 0 {
		t.Fatalf("sightings of the restricted indicators: %+v", res)
	}
	// An observation marked for the cyber-wg community makes the sighting
	// of a TLP:GREEN indicator a community matter.
	od := "observed-data--" + kizuna.NewUUID()
	sco := "domain-name--" + kizuna.NewUUID()
	observation := func(markings ...string) map[string]any {
		odObj := map[string]any{"type": "observed-data", "spec_version": "2.1", "id": od, "created": "2026-11-02T00:00:00.000Z",
			"modified": "2026-11-02T00:00:00.000Z", "first_observed": "2026-11-02T00:00:00Z", "last_observed": "2026-11-02T00:00:00Z",
			"number_observed": 1, "object_refs": []string{sco}, "object_marking_refs": markings}
		return map[string]any{"type": "bundle", "id": "bundle--" + kizuna.NewUUID(), "objects": []any{odObj,
			map[string]any{"type": "domain-name", "spec_version": "2.1", "id": sco, "value": "observed.example"}}}
	}
	res2 := w.match(t, "soc", map[string]any{"bundles": []any{observation(sampleCyberWG)}, "record_sightings": true})
	if len(res2.Sightings) != 1 || len(res2.RefusedSightings) != 0 {
		t.Fatalf("sighting from a marked observation: %+v", res2)
	}
	sightings := append(res.Sightings, res2.Sightings...)

	listed := func(user, path string) string {
		code, body := taxiiGet(t, w.base+"/taxii2/api/collections/"+w.sample+path, user, w.tokens[user])
		if code != http.StatusOK {
			t.Fatalf("%s %s: %d %s", user, path, code, body)
		}
		return string(body)
	}
	for _, id := range sightings {
		code, body := taxiiGet(t, w.base+"/taxii2/api/collections/"+w.sample+"/objects/"+id+"/", "soc", w.tokens["soc"])
		if code != http.StatusOK {
			t.Fatalf("soc cannot read its own sighting %s: %d %s", id, code, body)
		}
		if code, body := taxiiGet(t, w.base+"/taxii2/api/collections/"+w.sample+"/objects/"+id+"/", "outsider", w.tokens["outsider"]); code != http.StatusNotFound {
			t.Errorf("outsider reads sighting %s by id: %d %s", id, code, body)
		}
	}
	for _, path := range []string{"/objects/?match[type]=sighting", "/manifest/?match[type]=sighting", "/objects/", "/manifest/"} {
		body := listed("outsider", path)
		for _, id := range sightings {
			if strings.Contains(body, id) {
				t.Errorf("outsider's %s lists sighting %s", path, id)
			}
		}
	}
	// The restriction is in the sighting's own markings, for peers that
	// recompute its label.
	_, body := taxiiGet(t, w.base+"/taxii2/api/collections/"+w.sample+"/objects/"+res.Sightings[1]+"/", "soc", w.tokens["soc"])
	if !strings.Contains(string(body), sampleSecretRelJPN) {
		t.Errorf("the sighting of the indicator with a classified pattern lacks its marking: %s", body)
	}
	_, body = taxiiGet(t, w.base+"/taxii2/api/collections/"+w.sample+"/objects/"+res.Sightings[0]+"/", "soc", w.tokens["soc"])
	if !strings.Contains(string(body), kizunaExtension) || !strings.Contains(string(body), w.owner) {
		t.Errorf("the sighting of the indicator with an audience does not name it: %s", body)
	}

	// An observation under a marking this node does not hold cannot be
	// carried: the sighting is refused, reported, and not stored.
	before := listed("soc", "/manifest/?match[type]=sighting")
	od = "observed-data--" + kizuna.NewUUID()
	res3 := w.match(t, "soc", map[string]any{"bundles": []any{observation("marking-definition--" + kizuna.NewUUID())}, "record_sightings": true})
	if len(res3.Sightings) != 0 || len(res3.RefusedSightings) != 1 || res3.RefusedSightings[0].Indicator != plain["id"] ||
		!strings.Contains(res3.RefusedSightings[0].Reason, "unknown to this node") {
		t.Errorf("sighting from an observation under an unknown marking: %+v", res3)
	}
	if len(res3.Matches) != 1 {
		t.Errorf("the refused sighting took the match with it: %+v", res3)
	}
	if after := listed("soc", "/manifest/?match[type]=sighting"); after != before {
		t.Errorf("a refused sighting changed the manifest:\nbefore %s\nafter  %s", before, after)
	}
}

// TestMatchHiddenHitsLeaveNoTrace checks that the answer to a match does
// not depend on indicators the caller may not read: neither one outside its
// clearance nor one in a collection it may write to but not read changes
// the answer (no 403, no count, no failed request), with or without
// sightings; each such hit is recorded in the audit log.
func TestMatchHiddenHitsLeaveNoTrace(t *testing.T) {
	w := newMatchWorld(t)
	MustRunCLI(t, "collection", "add", "--data", w.data, "--title", "Drop box", "--alias", "dropbox",
		"--read-roles", "admin", "--write-roles", "publisher,admin", "--default-markings", tlp2Green)
	w.tokens["analyst"] = strings.TrimSpace(MustRunCLI(t, "principal", "add", "--data", w.data, "--name", "analyst",
		"--nation", "USA", "--org", "SOC Provider", "--role", "publisher", "--role", "reader"))
	dropped := w.newIndicator("dropped.example")
	dropped["created_by_ref"] = w.soc
	w.post(t, "soc", "dropbox", dropped)
	visible := w.newIndicator("visible.example")
	w.post(t, "owner", w.sample, visible)
	w.waitMatched(t, "owner", "visible.example", visible["id"].(string))
	// The admin reads the drop box: the indicator is indexed.
	adminToken := readAdminToken(t, w.data)
	w.tokens["admin"] = adminToken
	w.waitMatched(t, "admin", "dropped.example", dropped["id"].(string))

	// hidden: the drop box indicator (collection not readable) and the
	// sample's SECRET//NOFORN staging URL (no clearance).
	hidden := []string{"dropped.example", "https://cdn.jpo-procurement.example/forms/update.bin"}
	absent := []string{"absent-one.example", "https://absent.example/two"}
	answer := func(values []string, record bool) string {
		t.Helper()
		code, body := postJSON(t, w.base+"/api/v1/match", "application/json", "analyst", w.tokens["analyst"],
			kizuna.MatchRequest{Values: values, RecordSightings: record})
		var res map[string]any
		json.Unmarshal(body, &res)
		delete(res, "indexed_at")
		matches, _ := res["matches"].([]any)
		for _, m := range matches {
			delete(m.(map[string]any), "value") // the values differ by construction
		}
		if s, ok := res["sightings"].([]any); ok {
			res["sightings"] = len(s) // fresh ids
		}
		b, _ := json.Marshal(res)
		return http.StatusText(code) + " " + string(b)
	}
	for _, record := range []bool{false, true} {
		for _, with := range [][]string{nil, {"visible.example"}} {
			got := answer(append(slices.Clone(with), hidden...), record)
			want := answer(append(slices.Clone(with), absent...), record)
			if got != want {
				t.Errorf("record=%t with %v: hits on hidden indicators answer\n%s\nwhere absent values answer\n%s", record, with, got, want)
			}
		}
	}

	// The hidden hits are in the audit log, as match.withheld records of the
	// analyst naming each indicator.
	db, err := sqlite.Open(context.Background(), filepath.Join(w.data, storeFile))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	analyst, err := db.FindPrincipalByName(context.Background(), "analyst")
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		events, err := db.FindAudit(context.Background(), 0, 100000)
		if err != nil {
			t.Fatal(err)
		}
		var withheld []string
		for _, ev := range events {
			if ev.Principal == analyst.ID && ev.Action == "match.withheld" {
				withheld = append(withheld, ev.Reason)
			}
		}
		all := strings.Join(withheld, "\n")
		if len(withheld) == 4 && strings.Contains(all, dropped["id"].(string)) && strings.Contains(all, "indicator--1d520788-59c0-4321-924a-23e375748f17") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("audit records of withheld hits: %d\n%s", len(withheld), all)
		}
	}
}

// readAdminToken returns the admin token written at initialisation.
func readAdminToken(t *testing.T, data string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(data, adminTokenFile))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}
