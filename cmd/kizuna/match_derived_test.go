package main

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/node"
	"github.com/kizuna-dev/kizuna/store/sqlite"
)

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
	db, err := sqlite.Open(context.Background(), filepath.Join(w.data, node.SQLiteFile))
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

// TestMatchAnswerIgnoresHiddenPublications: the answer to a match says
// nothing of when the node last indexed an indicator the caller may not
// read. A reader without clearance asks the same question before and after
// a SECRET indicator is published and indexed, and gets the same bytes.
func TestMatchAnswerIgnoresHiddenPublications(t *testing.T) {
	w := newMatchWorld(t)
	ask := func() string {
		t.Helper()
		code, body := postJSON(t, w.base+"/api/v1/match", "application/json", "outsider", w.tokens["outsider"],
			kizuna.MatchRequest{Values: []string{"quiet.example", "hidden-new.example"}})
		if code != http.StatusOK {
			t.Fatalf("match: %d %s", code, body)
		}
		return string(body)
	}
	before := ask()
	secret := w.newIndicator("hidden-new.example")
	secret["object_marking_refs"] = []string{sampleSecretRelJPN}
	w.post(t, "owner", w.sample, secret)
	w.waitMatched(t, "soc", "hidden-new.example", secret["id"].(string))
	if after := ask(); after != before {
		t.Errorf("the answer changed when a hidden indicator was indexed:\nbefore %s\nafter  %s", before, after)
	}
}
