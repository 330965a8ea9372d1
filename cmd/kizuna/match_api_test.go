package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/federation"
	"github.com/kizuna-dev/kizuna/node"
	"github.com/kizuna-dev/kizuna/store/sqlite"
)

// postJSON posts a JSON body as a principal.
func postJSON(t *testing.T, url, contentType, user, token string, body any) (int, []byte) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", url, bytes.NewReader(b))
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Accept", "application/taxii+json;version=2.1, application/json")
	req.SetBasicAuth(user, token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

func matchValues(t *testing.T, base, user, token string, req kizuna.MatchRequest) *kizuna.MatchResult {
	t.Helper()
	code, body := postJSON(t, base+"/api/v1/match", "application/json", user, token, req)
	if code != http.StatusOK {
		t.Fatalf("%s: match: %d %s", user, code, body)
	}
	var res kizuna.MatchResult
	if err := json.Unmarshal(body, &res); err != nil {
		t.Fatal(err)
	}
	return &res
}

func matchedValues(res *kizuna.MatchResult) []string {
	var out []string
	for _, m := range res.Matches {
		out = append(out, m.Value)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// TestMatchAPI checks POST /api/v1/match over HTTP: results are limited to
// what the principal may read, follow the store within a second, and
// sightings are recorded with the indicator's markings (or reported as
// refused).
func TestMatchAPI(t *testing.T) {
	base, data := startNode(t)
	jp := strings.TrimSpace(MustRunCLI(t, "principal", "add", "--data", data, "--name", "tanaka", "--nation", "JPN", "--clearance", "JPN:gokuhi", "--role", "reader"))
	au := strings.TrimSpace(MustRunCLI(t, "principal", "add", "--data", data, "--name", "mitchell", "--nation", "AUS", "--clearance", "AUS:SECRET", "--role", "reader"))
	pub := strings.TrimSpace(MustRunCLI(t, "principal", "add", "--data", data, "--name", "soc", "--nation", "USA", "--role", "publisher", "--role", "reader"))

	values := []string{"203.0.113.45", "jpo-procurement.example", "198.51.100.7", "not a value!"}
	jpRes := matchValues(t, base, "tanaka", jp, kizuna.MatchRequest{Values: values})
	if got, want := matchedValues(jpRes), []string{"203.0.113.45", "jpo-procurement.example"}; !slices.Equal(got, want) {
		t.Errorf("JPN 極秘 reader matched %v, want %v", got, want)
	}
	if !slices.Equal(jpRes.Unrecognized, []string{"not a value!"}) {
		t.Errorf("unrecognized: %v", jpRes.Unrecognized)
	}
	auRes := matchValues(t, base, "mitchell", au, kizuna.MatchRequest{Values: values})
	if got, want := matchedValues(auRes), []string{"jpo-procurement.example"}; !slices.Equal(got, want) {
		t.Errorf("AUS reader matched %v, want %v (the 極秘 indicator is not releasable to AUS)", got, want)
	}
	// Index hits outside the reader's scope are dropped before any read:
	// the audit log shows no by-id denial the reader never asked for.
	db, err := sqlite.Open(context.Background(), filepath.Join(data, node.SQLiteFile))
	if err != nil {
		t.Fatal(err)
	}
	mitchell, err := db.FindPrincipalByName(context.Background(), "mitchell")
	if err != nil {
		t.Fatal(err)
	}
	events, err := db.FindAudit(context.Background(), 0, 100000)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range events {
		if ev.Principal == mitchell.ID && ev.Action == "deny" {
			t.Errorf("matching audited a by-id denial for the AUS reader: %+v", ev)
		}
	}

	// A new indicator is matched within a second of being stored; its
	// revocation removes it as fast.
	sample := collectionID(t, base, "soc", pub, node.SampleAlias)
	nodeID, err := node.ReadIdentity(context.Background(), federation.DirState(data))
	if err != nil {
		t.Fatal(err)
	}
	id := "indicator--" + kizuna.NewUUID()
	ind := map[string]any{
		"type": "indicator", "spec_version": "2.1", "id": id, "created": "2026-11-01T00:00:00.000Z",
		"modified": "2026-11-01T00:00:00.000Z", "pattern": "[ipv4-addr:value ISSUBSET '192.0.2.0/24']",
		"pattern_type": "stix", "valid_from": "2026-11-01T00:00:00Z",
		"object_marking_refs": []string{"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"},
		"created_by_ref":      nodeID.Organization, // soc's organisation, which may issue new versions
	}
	post := func(obj map[string]any) {
		code, body := postJSON(t, base+"/taxii2/api/collections/"+sample+"/objects/", "application/taxii+json;version=2.1", "soc", pub,
			map[string]any{"objects": []any{obj}})
		if code != http.StatusAccepted {
			t.Fatalf("POST: %d %s", code, body)
		}
	}
	waitFor := func(want bool) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			res := matchValues(t, base, "soc", pub, kizuna.MatchRequest{Values: []string{"192.0.2.77"}})
			if (len(res.Matches) == 1 && res.Matches[0].Indicator == id) == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("match for 192.0.2.77 after 5 s: %+v, want matched=%t", res.Matches, want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	post(ind)
	waitFor(true)
	revoked := map[string]any{}
	for k, v := range ind {
		revoked[k] = v
	}
	revoked["modified"], revoked["revoked"] = "2026-11-02T00:00:00.000Z", true
	post(revoked)
	waitFor(false)

	// Sightings carry the indicator's markings and the principal's
	// organisation, or no organisation when anonymous.
	res := matchValues(t, base, "soc", pub, kizuna.MatchRequest{Values: []string{"jpo-procurement.example"}, RecordSightings: true})
	if len(res.Sightings) != 1 {
		t.Fatalf("sightings: %+v", res)
	}
	code, body := taxiiGet(t, base+"/taxii2/api/collections/"+sample+"/objects/"+res.Sightings[0]+"/", "soc", pub)
	if code != http.StatusOK || !strings.Contains(string(body), "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb") || !strings.Contains(string(body), "where_sighted_refs") {
		t.Errorf("recorded sighting: %d %s", code, body)
	}
	res = matchValues(t, base, "soc", pub, kizuna.MatchRequest{Values: []string{"jpo-procurement.example"}, RecordSightings: true, Anonymous: true})
	_, body = taxiiGet(t, base+"/taxii2/api/collections/"+sample+"/objects/"+res.Sightings[0]+"/", "soc", pub)
	if strings.Contains(string(body), "where_sighted_refs") || strings.Contains(string(body), "created_by_ref") {
		t.Errorf("anonymous sighting names an organisation: %s", body)
	}
	// A reader without write rights gets its matches, and the sightings
	// it asked for are reported as refused.
	code, body = postJSON(t, base+"/api/v1/match", "application/json", "tanaka", jp, kizuna.MatchRequest{Values: values, RecordSightings: true})
	var refused kizuna.MatchResult
	json.Unmarshal(body, &refused)
	if code != http.StatusOK || len(refused.Matches) != 2 || len(refused.Sightings) != 0 || len(refused.RefusedSightings) != 2 ||
		!strings.Contains(refused.RefusedSightings[0].Reason, "write") {
		t.Errorf("reader recording a sighting: %d %s, want 200 with both sightings refused", code, body)
	}
	// Errors are JSON error bodies naming what is wrong.
	code, body = postJSON(t, base+"/api/v1/match", "application/json", "tanaka", jp, map[string]any{"valuez": []string{"x"}})
	if code != http.StatusBadRequest || !strings.Contains(string(body), "valuez") {
		t.Errorf("unknown field: %d %s", code, body)
	}
	if code, _ := postJSON(t, base+"/api/v1/match", "application/json", "tanaka", "wrong", kizuna.MatchRequest{Values: values}); code != http.StatusUnauthorized {
		t.Errorf("wrong token: %d, want 401", code)
	}
}

// collectionID returns the id of the collection with the alias.
func collectionID(t *testing.T, base, user, token, alias string) string {
	t.Helper()
	_, body := taxiiGet(t, base+"/taxii2/api/collections/", user, token)
	var cols struct {
		Collections []struct{ ID, Alias string } `json:"collections"`
	}
	json.Unmarshal(body, &cols)
	for _, c := range cols.Collections {
		if c.Alias == alias {
			return c.ID
		}
	}
	t.Fatalf("no collection %q in %s", alias, body)
	return ""
}
