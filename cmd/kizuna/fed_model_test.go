package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
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
// ceiling must grant every level the object, as sent, carries).
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
	// The portions removed for the receiver leave with their markings, so
	// the sender's ceiling need cover only what is sent.
	all := slices.Clone(refs)
	for _, g := range o.Granular {
		if !slices.Contains(ex.Redacted, g.Selector) {
			all = append(all, g.Marking)
		}
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

// originOf assigns an object to the node of its creator organisation, or
// an anonymous one to a node chosen by its id, so that every version of
// an object is published on the same node.
func originOf(nodes []*fedNode, o *policytest.ObjectSpec) int {
	for k, n := range nodes {
		if o.CreatedBy == n.Org || slices.Contains(n.Behind, o.CreatedBy) {
			return k
		}
	}
	return int(o.ID[len(o.ID)-1]) % len(nodes)
}

// versionKey is the key of a stored version, as ObjectSpec.Key writes it.
func versionKey(id string, version time.Time) string {
	return id + "@" + version.UTC().Format(time.RFC3339Nano)
}

// published records where each object was accepted.
type published struct {
	origin map[string]int // version key -> index of the node that accepted it
}

// publish posts the objects on the node of their creator and records
// which versions each accepted. The objects of a node that is down wait
// (their publishers cannot reach it): publish returns them.
func publish(t *testing.T, nodes []*fedNode, objs []*policytest.ObjectSpec, up func(int) bool, pub *published) (waiting []*policytest.ObjectSpec) {
	t.Helper()
	batches := make([][]json.RawMessage, len(nodes))
	ids := make([][]string, len(nodes))
	for _, o := range objs {
		k := originOf(nodes, o)
		if !up(k) {
			waiting = append(waiting, o)
			continue
		}
		batches[k] = append(batches[k], o.Object().Raw)
		ids[k] = append(ids[k], o.Key())
	}
	for k, b := range batches {
		for start := 0; start < len(b); start += 25 {
			end := min(start+25, len(b))
			res := nodes[k].post(t, b[start:end])
			for _, key := range ids[k][start:end] {
				if msg, ok := res[key]; ok && msg == "" {
					pub.origin[key] = k
				}
			}
		}
	}
	return waiting
}

// meshDiff compares what each node holds with the model and returns the
// differences (empty when the mesh is exactly as it should be).
func meshDiff(t *testing.T, nodes []*fedNode, sc *policytest.Scenario, objs []*policytest.ObjectSpec, pub *published) []string {
	t.Helper()
	var diffs []string
	specs := map[string]*policytest.ObjectSpec{}
	for _, o := range objs {
		specs[o.Key()] = o
	}
	for j, n := range nodes {
		held := map[string][]*kizuna.Object{}
		for _, vs := range n.held(t) {
			for _, v := range vs {
				held[versionKey(v.ID, v.Version)] = append(held[versionKey(v.ID, v.Version)], v)
			}
		}
		want := map[string]policytest.Expectation{}
		for _, o := range objs {
			k, ok := pub.origin[o.Key()]
			if !ok {
				continue
			}
			if k == j {
				want[o.Key()] = policytest.Expectation{Visible: true}
				continue
			}
			if ex := expectedAt(sc, o, nodes[k].fedSpec, n.fedSpec); ex.Visible {
				want[o.Key()] = ex
			}
		}
		for key, vs := range held {
			if !strings.HasPrefix(key, "indicator--") {
				continue
			}
			ex, ok := want[key]
			if !ok {
				origin := "none"
				if k, ok := pub.origin[key]; ok {
					origin = nodes[k].Name
				}
				diffs = append(diffs, fmt.Sprintf("%s holds %s, which it may not (origin %s)", n.Name, key, origin))
				continue
			}
			if len(vs) != 1 {
				diffs = append(diffs, fmt.Sprintf("%s holds %s %d times", n.Name, key, len(vs)))
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
				diffs = append(diffs, fmt.Sprintf("%s holds %s redacted %v, want %v", n.Name, key, got, ex.Redacted))
			}
			for _, sel := range ex.Redacted {
				if secret := specs[key].Secrets[sel]; secret != "" && strings.Contains(string(vs[0].Raw), secret) {
					diffs = append(diffs, fmt.Sprintf("LEAK: %s holds the redacted %s of %s", n.Name, sel, key))
				}
			}
		}
		for key := range want {
			if _, ok := held[key]; !ok {
				diffs = append(diffs, fmt.Sprintf("%s lacks %s (origin %s)", n.Name, key, nodes[pub.origin[key]].Name))
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
			for _, d := range diffs[:min(3, len(diffs))] {
				for _, f := range strings.Fields(d) {
					if strings.HasPrefix(f, "indicator--") {
						id, _, _ := strings.Cut(f, "@")
						for _, n := range nodes {
							for _, a := range n.audit(t, "") {
								if a.Object == id {
									t.Logf("%s audit: %s %s %s", n.Name, a.Action, a.Decision, a.Reason)
								}
							}
							for _, v := range n.held(t)[id] {
								t.Logf("%s: %s origin=%q added=%s hash=%s raw=%.300s", n.Name, v.ID, v.Origin, v.DateAdded, v.Hash, v.Raw)
							}
						}
					}
				}
			}
			if len(diffs) > 30 {
				diffs = append(diffs[:30], fmt.Sprintf("... and %d more", len(diffs)-30))
			}
			t.Fatalf("the mesh did not converge in %s:\n%s", within, strings.Join(diffs, "\n"))
		}
		time.Sleep(500 * time.Millisecond)
	}
}
