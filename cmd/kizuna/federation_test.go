package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/federation"
	"github.com/kizuna-dev/kizuna/policy/policytest"
)

// meshSpecs are the three nodes of the acceptance mesh. Each node's
// organisations are policytest's, so that the model's audiences name them;
// AUS's agreements cap TLP at AMBER.
func meshSpecs() []fedSpec {
	o := policytest.Orgs
	return []fedSpec{
		{Name: "USA", Nation: "USA", Org: o[0], Behind: []string{o[3]}, MaxTLP: "red",
			Ceiling: []string{"USA:TOP SECRET", "JPN:tokutei-himitsu", "AUS:SECRET"}, Communities: []string{"energy", "finance"}},
		{Name: "JPN", Nation: "JPN", Org: o[1], MaxTLP: "red",
			Ceiling: []string{"JPN:tokutei-himitsu"}, Communities: []string{"energy", "ics"}},
		{Name: "AUS", Nation: "AUS", Org: o[2], MaxTLP: "amber",
			Ceiling: []string{"AUS:TOP SECRET", "USA:SECRET"}, Communities: []string{"finance"}},
	}
}

// modelReader is the model's view of a node's peer principal.
func modelReader(s fedSpec) policytest.Reader {
	r := policytest.Reader{ID: "principal--peer-" + s.Name, Org: s.Org, Nation: s.Nation, Communities: s.Communities}
	for _, c := range s.Ceiling {
		scheme, level, _ := strings.Cut(c, ":")
		r.Clearances = append(r.Clearances, [2]string{scheme, level})
	}
	return r
}

var modelTLPRank = map[string]int{"clear": 0, "green": 1, "amber": 2, "amber+strict": 3, "red": 4}

// expectedAt says whether node to holds object o published on node from,
// per the model: the access decision with to's principal as the reader,
// the TLP cap of the agreement, and the receiver's write rule (the sender's
// ceiling must grant every level the object carries).
func expectedAt(sc *policytest.Scenario, o *policytest.ObjectSpec, from, to fedSpec) policytest.Expectation {
	ex := sc.Expect(modelReader(to), o)
	if !ex.Visible {
		return ex
	}
	refs := o.Markings
	if len(refs) == 0 {
		return policytest.Expectation{} // the collection default: AMBER, REL TO the origin's nation
	}
	tlp := 0
	for _, m := range specsOf(sc, refs) {
		if m.Kind == policytest.KindTLP {
			tlp = max(tlp, modelTLPRank[m.TLP])
		}
	}
	if tlp > modelTLPRank[to.MaxTLP] {
		return policytest.Expectation{}
	}
	all := slices.Clone(refs)
	for _, g := range o.Granular {
		all = append(all, g.Marking)
	}
	w := modelReader(from).Clearances
	for _, m := range specsOf(sc, all) {
		switch {
		case m.Kind == policytest.KindKizuna && m.Scheme != "" && !m.Invalid:
			if !policytest.Cleared(w, m.Scheme, m.Level) {
				return policytest.Expectation{}
			}
		case m.Kind == policytest.KindACS && !m.Invalid:
			levels := map[string]string{"U": "UNCLASSIFIED", "C": "CONFIDENTIAL", "S": "SECRET", "TS": "TOP SECRET"}
			if !policytest.Cleared(w, "USA", levels[m.ACSClass]) || (m.ACSFOUO && !policytest.Cleared(w, "USA", "CUI")) {
				return policytest.Expectation{}
			}
		}
	}
	return ex
}

func specsOf(sc *policytest.Scenario, ids []string) []*policytest.MarkingSpec {
	var out []*policytest.MarkingSpec
	for _, id := range ids {
		for _, m := range sc.Markings {
			if m.ID == id {
				out = append(out, m)
			}
		}
	}
	return out
}

// originOf assigns an object to the node of its creator organisation.
func originOf(nodes []*fedNode, o *policytest.ObjectSpec, i int) int {
	for k, n := range nodes {
		if o.CreatedBy == n.Org || slices.Contains(n.Behind, o.CreatedBy) {
			return k
		}
	}
	return i % len(nodes)
}

// published records where each object was accepted.
type published struct {
	origin map[string]int // object id -> index of the node that accepted it
}

func publish(t *testing.T, nodes []*fedNode, objs []*policytest.ObjectSpec, up func(int) bool, pub *published) {
	t.Helper()
	batches := make([][]json.RawMessage, len(nodes))
	ids := make([][]string, len(nodes))
	for i, o := range objs {
		k := originOf(nodes, o, i)
		if !up(k) {
			k = (k + 1) % len(nodes)
			for !up(k) {
				k = (k + 1) % len(nodes)
			}
		}
		batches[k] = append(batches[k], o.Object().Raw)
		ids[k] = append(ids[k], o.ID)
	}
	for k, b := range batches {
		for start := 0; start < len(b); start += 25 {
			end := min(start+25, len(b))
			res := nodes[k].post(t, b[start:end])
			for _, id := range ids[k][start:end] {
				if msg, ok := res[id]; ok && msg == "" {
					pub.origin[id] = k
				}
			}
		}
	}
}

// meshDiff compares what each node holds with the model and returns the
// differences (empty when the mesh is exactly as it should be).
func meshDiff(t *testing.T, nodes []*fedNode, sc *policytest.Scenario, objs []*policytest.ObjectSpec, pub *published) []string {
	t.Helper()
	var diffs []string
	for j, n := range nodes {
		held := n.held(t)
		want := map[string]policytest.Expectation{}
		for _, o := range objs {
			k, ok := pub.origin[o.ID]
			if !ok {
				continue
			}
			if k == j {
				want[o.ID] = policytest.Expectation{Visible: true}
				continue
			}
			if ex := expectedAt(sc, o, nodes[k].fedSpec, n.fedSpec); ex.Visible {
				want[o.ID] = ex
			}
		}
		for id, vs := range held {
			if !strings.HasPrefix(id, "indicator--") {
				continue
			}
			ex, ok := want[id]
			if !ok {
				diffs = append(diffs, fmt.Sprintf("%s holds %s, which it may not (origin %s)", n.Name, id, nodes[pub.origin[id]].Name))
				continue
			}
			if len(vs) != 1 {
				diffs = append(diffs, fmt.Sprintf("%s holds %d versions of %s", n.Name, len(vs), id))
			}
			var doc map[string]any
			json.Unmarshal(vs[0].Raw, &doc)
			var got []string
			if list, ok := doc["x_kizuna_redacted"].([]any); ok {
				for _, s := range list {
					got = append(got, fmt.Sprint(s))
				}
			}
			sort.Strings(got)
			if !slices.Equal(got, ex.Redacted) {
				diffs = append(diffs, fmt.Sprintf("%s holds %s redacted %v, want %v", n.Name, id, got, ex.Redacted))
			}
			for _, o := range objs {
				if o.ID != id {
					continue
				}
				for _, sel := range ex.Redacted {
					if secret := o.Secrets[sel]; secret != "" && strings.Contains(string(vs[0].Raw), secret) {
						diffs = append(diffs, fmt.Sprintf("LEAK: %s holds the redacted %s of %s", n.Name, sel, id))
					}
				}
			}
		}
		for id := range want {
			if _, ok := held[id]; !ok {
				diffs = append(diffs, fmt.Sprintf("%s lacks %s (origin %s)", n.Name, id, nodes[pub.origin[id]].Name))
			}
		}
	}
	sort.Strings(diffs)
	return diffs
}

// MustConverge waits until the mesh matches the model, or fails with the
// differences.
func MustConverge(t *testing.T, nodes []*fedNode, sc *policytest.Scenario, objs []*policytest.ObjectSpec, pub *published, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		diffs := meshDiff(t, nodes, sc, objs, pub)
		if len(diffs) == 0 {
			return
		}
		if time.Now().After(deadline) {
			if len(diffs) > 30 {
				diffs = append(diffs[:30], fmt.Sprintf("... and %d more", len(diffs)-30))
			}
			t.Fatalf("the mesh did not converge in %s:\n%s", within, strings.Join(diffs, "\n"))
		}
		time.Sleep(500 * time.Millisecond)
	}
}

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
	sc := policytest.NewGen(20261122).Scenario(300, 0)
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
	first, burst := sc.Objects[:150], sc.Objects[150:]
	publish(t, nodes, first, all, pub)
	MustConverge(t, nodes, sc, first, pub, 60*time.Second)
	t.Logf("phase 1: %d objects accepted at their origin; mesh converged", len(pub.origin))

	// Kill JPN with SIGKILL in the middle of a burst published on every
	// node, keep publishing on the others while it is down, then restart.
	jpn := nodes[1]
	down := false
	up := func(k int) bool { return !(down && k == 1) }
	publish(t, nodes, burst[:50], up, pub)
	jpn.stop(t, syscall.SIGKILL)
	down = true
	publish(t, nodes, burst[50:120], up, pub)
	jpn.start(t)
	down = false
	publish(t, nodes, burst[120:], up, pub)
	MustConverge(t, nodes, sc, sc.Objects, pub, 90*time.Second)
	t.Logf("phase 2: %d objects accepted in all; mesh converged after the kill", len(pub.origin))

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
	keys, err := federation.LoadKeys(usa.dir)
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
	if res := jpn.post(t, []json.RawMessage{indicator(jpnObj, jpn.Org, "2026-11-01T00:00:00.000Z", "genuine")}); res[jpnObj] != "" {
		t.Fatalf("publish on JPN: %s", res[jpnObj])
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
