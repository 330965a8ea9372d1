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
	"github.com/kizuna-dev/kizuna/node"
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
	w.sample = collectionID(t, w.base, "soc", w.tokens["soc"], node.SampleAlias)
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

// readAdminToken returns the admin token written at initialisation.
func readAdminToken(t *testing.T, data string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(data, node.AdminTokenFile))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}
