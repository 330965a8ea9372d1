package main

import (
	"context"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/federation"
	"github.com/kizuna-dev/kizuna/policy/policytest"
)

// TestFederationMesh is the acceptance test: three nodes (USA, JPN, AUS)
// in a full mesh over pinned HTTPS, each a separate process. Objects at
// many marking combinations are published on each; every node must end up
// with exactly what the model says its nation may hold, redacted as the
// model says. Then a node is killed (SIGKILL) during a burst of publishing
// and restarted: nothing may be lost, duplicated or leaked.
func TestFederationMesh(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-process federation test skipped in -short mode")
	}
	seed := uint64(20261122)
	if s := os.Getenv("KIZUNA_FED_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("scenario seed %d (KIZUNA_FED_SEED)", seed)
	sc := policytest.NewGen(seed).Scenario(600, 0)
	nodes := MustMesh(t, true, meshSpecs()...)
	var markings []json.RawMessage
	for _, m := range sc.StoredMarkings() {
		// The bogus marking does not pass STIX validation, so objects
		// that reference it are refused at their origin.
		if spec := specsOf(sc, []string{m.ID}); len(spec) == 1 && spec[0].Kind != policytest.KindBogus {
			markings = append(markings, m.Raw)
		}
	}
	for _, n := range nodes {
		n.importDirectory(t, markings)
		n.start(t)
		defer n.stop(t, syscall.SIGTERM)
	}
	all := func(int) bool { return true }
	pub := &published{origin: map[string]int{}}
	first, burst := sc.Objects[:300], sc.Objects[300:]
	publish(t, nodes, first, all, pub)
	MustConverge(t, nodes, sc, first, pub, 60*time.Second)
	t.Logf("phase 1: %d objects accepted at their origin; mesh converged", len(pub.origin))

	// Kill JPN with SIGKILL in the middle of a burst published on every
	// node, keep publishing on the others while it is down, then restart.
	jpn := nodes[1]
	down := false
	up := func(k int) bool { return !(down && k == 1) }
	publish(t, nodes, burst[:100], up, pub)
	jpn.stop(t, syscall.SIGKILL)
	down = true
	waiting := publish(t, nodes, burst[100:240], up, pub)
	jpn.start(t)
	down = false
	publish(t, nodes, append(waiting, burst[240:]...), up, pub)
	MustConverge(t, nodes, sc, sc.Objects, pub, 90*time.Second)
	t.Logf("phase 2: %d objects accepted in all; mesh converged after the kill", len(pub.origin))

	// The scenario must exercise the mesh: objects crossed, some redacted.
	for _, n := range nodes {
		received, redacted := 0, 0
		for _, vs := range n.held(t) {
			for _, v := range vs {
				if v.Origin != "" && strings.HasPrefix(v.ID, "indicator--") {
					received++
					if strings.Contains(string(v.Raw), `"x_kizuna_redacted"`) {
						redacted++
					}
				}
			}
		}
		t.Logf("%s received %d versions from peers, %d of them redacted", n.Name, received, redacted)
		if received == 0 {
			t.Errorf("%s received nothing: the scenario does not exercise federation", n.Name)
		}
	}

	// Steady state: no echo. Nothing more is sent after convergence.
	before := countVersions(t, nodes)
	time.Sleep(3 * time.Second)
	if after := countVersions(t, nodes); after != before {
		t.Fatalf("versions changed in a quiet mesh: %d -> %d (echo)", before, after)
	}
}

func countVersions(t *testing.T, nodes []*fedNode) int {
	total := 0
	for _, n := range nodes {
		for _, vs := range n.held(t) {
			total += len(vs)
		}
	}
	return total
}

// TestFederationProvenance posts, as a peer, objects that must be refused:
// unsigned, tampered after signing, signed by an unknown node, created by
// an organisation not behind the signer, and a forged new version of
// another organisation's object. Each refusal is audited.
func TestFederationProvenance(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-process federation test skipped in -short mode")
	}
	specs := meshSpecs()[:2]
	nodes := MustMesh(t, false, specs...)
	usa, jpn := nodes[0], nodes[1]
	for _, n := range nodes {
		n.start(t)
		defer n.stop(t, syscall.SIGTERM)
	}
	keys, err := federation.LoadKeys(context.Background(), federation.DirState(usa.dir))
	if err != nil {
		t.Fatal(err)
	}
	green := "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"
	indicator := func(id, creator, modified, name string) json.RawMessage {
		b, _ := json.Marshal(map[string]any{"type": "indicator", "spec_version": "2.1", "id": id,
			"created": "2026-11-01T00:00:00.000Z", "modified": modified, "created_by_ref": creator, "name": name,
			"pattern": "[ipv4-addr:value = '203.0.113.7']", "pattern_type": "stix", "valid_from": "2026-11-01T00:00:00Z",
			"object_marking_refs": []string{green}})
		return b
	}
	sign := func(raw json.RawMessage) json.RawMessage {
		s, err := federation.Sign(raw, usa.nodeID, keys.Signing)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	// A genuine JPN object, which reaches USA by federation.
	jpnObj := "indicator--" + kizuna.NewUUID()
	res := jpn.post(t, []json.RawMessage{indicator(jpnObj, jpn.Org, "2026-11-01T00:00:00.000Z", "genuine")})
	if msg, ok := res[versionKey(jpnObj, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))]; !ok || msg != "" {
		t.Fatalf("publish on JPN: %v", res)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(usa.held(t)[jpnObj]) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the JPN object did not reach USA")
		}
		time.Sleep(100 * time.Millisecond)
	}

	good := sign(indicator("indicator--"+kizuna.NewUUID(), usa.Org, "2026-11-01T00:00:00.000Z", "signed"))
	tampered := sign(indicator("indicator--"+kizuna.NewUUID(), usa.Org, "2026-11-01T00:00:00.000Z", "before"))
	tampered = json.RawMessage(strings.Replace(string(tampered), `"before"`, `"after"`, 1))
	unsigned := indicator("indicator--"+kizuna.NewUUID(), usa.Org, "2026-11-01T00:00:00.000Z", "unsigned")
	notBehind := sign(indicator("indicator--"+kizuna.NewUUID(), jpn.Org, "2026-11-01T00:00:00.000Z", "claims JPN"))
	forged := sign(indicator(jpnObj, jpn.Org, "2026-11-02T00:00:00.000Z", "forged version"))
	var otherKey = strings.Replace(string(sign(indicator("indicator--"+kizuna.NewUUID(), usa.Org, "2026-11-01T00:00:00.000Z", "x"))), usa.nodeID, "identity--"+kizuna.NewUUID(), 1)

	cases := []struct {
		name string
		raw  json.RawMessage
		want string // "" accepted, else a fragment of the refusal
	}{
		{"signed", good, ""},
		{"tampered", tampered, "does not verify"},
		{"unsigned", unsigned, "must sign"},
		{"creator not behind the signer", notBehind, "not an organisation behind"},
		{"forged version of another organisation's object", forged, "not an organisation behind"},
		{"unknown signing node", json.RawMessage(otherKey), "not a pinned peer node"},
	}
	body, _ := json.Marshal(map[string]any{"objects": func() []json.RawMessage {
		var out []json.RawMessage
		for _, c := range cases {
			out = append(out, c.raw)
		}
		return out
	}()})
	// USA's own credentials on JPN: the test acts as the USA node.
	st := jpn.taxii(t, "POST", "collections/default/objects/", usa.peerTokens["JPN"], body)
	var status struct {
		ID, Status string
		Failures   []struct{ ID, Message string }
	}
	for json.Unmarshal(st, &status); status.Status != kizuna.StatusComplete; json.Unmarshal(st, &status) {
		time.Sleep(20 * time.Millisecond)
		st = jpn.taxii(t, "GET", "status/"+status.ID+"/", usa.peerTokens["JPN"], nil)
	}
	failures := map[string]string{}
	for _, f := range status.Failures {
		failures[f.ID] = f.Message
	}
	for _, c := range cases {
		id := head(c.raw)
		msg, failed := failures[id]
		switch {
		case c.want == "" && failed:
			t.Errorf("%s: refused: %s", c.name, msg)
		case c.want != "" && !failed:
			t.Errorf("%s: accepted", c.name)
		case c.want != "" && !strings.Contains(msg, c.want):
			t.Errorf("%s: refusal %q does not say %q", c.name, msg, c.want)
		}
	}
	if got := len(jpn.audit(t, "federation.reject")); got < len(cases)-1 {
		t.Errorf("%d federation.reject audit events, want at least %d", got, len(cases)-1)
	}
	if vs := jpn.held(t)[jpnObj]; len(vs) != 1 || strings.Contains(string(vs[0].Raw), "forged") {
		t.Errorf("JPN's object was altered by the forged version: %d versions", len(vs))
	}
}

func head(raw json.RawMessage) string {
	var h struct{ ID string }
	json.Unmarshal(raw, &h)
	return h.ID
}
