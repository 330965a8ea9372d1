package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/defense/defapi"
	"github.com/kizuna-dev/kizuna/defense/defstix"
	"github.com/kizuna-dev/kizuna/ingest"
	"github.com/kizuna-dev/kizuna/node"
	"github.com/kizuna-dev/kizuna/node/nodetest"
	"github.com/kizuna-dev/kizuna/policy/policytest"
	"github.com/kizuna-dev/kizuna/web"
)

// TestLeakIncidentPages is the leak test over the incident pages. For
// every object version of random policytest scenarios an incident is
// stored with the same creator and markings (the versions with granular
// markings aside), named by a unique text; the
// reference model decides which incidents each reader may read. Each
// reader signs in and reads the incident list and the page of every
// incident of the scenario: the list names exactly the incidents it may
// read, a page answers 200 for those and 404 for the others, and no page
// shows the id or name of an incident hidden from it, or a community or
// TLP in a banner or portion marking that only hidden content carries.
func TestLeakIncidentPages(t *testing.T) {
	var def *defapi.Server
	s := nodetest.Serve(t, nodetest.Options{}, node.ServeConfig{Mounts: []node.Mount{defenseMount(t, &def),
		web.Mount(web.Options{Defense: func() *defapi.Server { return def }})}})
	w := &workspace{Served: s, tokens: map[string]string{}}
	gen := policytest.NewGen(*leakSeed + 1)
	pages := 0
	for round := 0; round < *leakRounds; round++ {
		sc := gen.Scenario(30, 8)
		links := storeScenario(t, w, sc)
		incidents := storeIncidents(t, w, sc)
		for _, r := range sc.Readers {
			if r.Absent || r.Revoked {
				continue
			}
			pages += checkIncidents(t, w, sc, r, links, incidents)
		}
	}
	t.Logf("%d pages checked", pages)
}

// storeIncidents stores, as the operator, an incident for every object
// version of the scenario the model lets be stored: same creator and
// markings, a unique name. It returns their specs.
func storeIncidents(t *testing.T, w *workspace, sc *policytest.Scenario) []*policytest.ObjectSpec {
	t.Helper()
	var specs []*policytest.ObjectSpec
	var raws []json.RawMessage
	for i, o := range sc.Objects {
		// Each marking once: an incident naming one twice is not one
		// (defstix refuses it).
		markings := slices.Clone(o.Markings)
		slices.Sort(markings)
		markings = slices.Compact(markings)
		spec := &policytest.ObjectSpec{ID: "incident--" + kizuna.NewUUID(), CreatedBy: o.CreatedBy, Markings: markings, Modified: o.Modified,
			Secrets: map[string]string{"name": fmt.Sprintf("INCIDENT-%s-%04d", sc.Collection.ID[:8], i)}}
		// An incident has no portion: its copy of a version with granular
		// markings (which may hide or reject the version) would be read by
		// others than the version, and its markings seen by readers the
		// model counts them hidden from.
		if len(o.Granular) > 0 || sc.Expect(policytest.Reader{}, spec).Rejected {
			continue
		}
		raw, err := defstix.EncodeIncident(&kizuna.Incident{ID: spec.ID, Name: spec.Secrets["name"], Created: o.Modified, Modified: o.Modified,
			CreatedByRef: o.CreatedBy, MarkingRefs: markings, Determination: "confirmed", InvestigationStatus: "open"})
		if err != nil {
			t.Fatal(err)
		}
		specs, raws = append(specs, spec), append(raws, raw)
	}
	results, err := w.Ingest.Ingest(ingest.AsOperator(context.Background()), sc.Collection.ID, raws)
	if err != nil {
		t.Fatal(err)
	}
	for _, res := range results {
		if res.Err != nil {
			t.Fatalf("incident %s: %v", res.ID, res.Err)
		}
	}
	return specs
}

// checkIncidents reads the incident pages as one reader and checks them
// against the model; it returns how many pages it read.
func checkIncidents(t *testing.T, w *workspace, sc *policytest.Scenario, r policytest.Reader, links scenarioLinks, incidents []*policytest.ObjectSpec) int {
	t.Helper()
	p := r.Principal()
	p.Name = fmt.Sprintf("incident-reader-%s", r.ID[len("principal--"):][:8])
	w.addPrincipal(t, p)
	c := w.signedIn(t, p.Name)
	m := model(sc, r, links)
	visible := map[string]bool{}
	forbidden := slices.Clone(m.forbidden)
	for _, spec := range incidents {
		if sc.Expect(r, spec).Visible {
			visible[spec.ID] = true
		} else {
			forbidden = append(forbidden, spec.ID, spec.Secrets["name"])
		}
	}
	read := 0
	check := func(path string, pg page) {
		t.Helper()
		read++
		for _, f := range forbidden {
			if f != "" && strings.Contains(pg.body, f) {
				t.Errorf("reader %+v: %s shows %q, which the model hides from it", r, path, f)
			}
		}
		for _, mk := range markingPattern.FindAllStringSubmatch(pg.body, -1) {
			text := html.UnescapeString(mk[1] + mk[2])
			for _, part := range splitMarking(text) {
				if slices.Contains(m.fragments, part) {
					t.Errorf("reader %+v: %s shows the marking fragment %q (in %q), which only hidden content carries", r, path, part, text)
				}
			}
		}
	}
	list := "/incidents?collection=" + sc.Collection.ID
	pg := c.get(list)
	if pg.status != http.StatusOK {
		t.Fatalf("%s: %d", list, pg.status)
	}
	check(list, pg)
	listed := map[string]bool{}
	for _, id := range rowIDPattern.FindAllStringSubmatch(pg.body, -1) {
		listed[id[1]] = true
	}
	for _, spec := range incidents {
		if listed[spec.ID] != visible[spec.ID] {
			t.Errorf("reader %+v: the list names %s: %t, the model says readable: %t", r, spec.ID, listed[spec.ID], visible[spec.ID])
		}
		path := "/incidents/" + spec.ID
		pg := c.get(path)
		want := http.StatusNotFound
		if visible[spec.ID] {
			want = http.StatusOK
		}
		if pg.status != want {
			t.Errorf("reader %+v: %s answers %d, want %d", r, path, pg.status, want)
		}
		if want == http.StatusOK && !strings.Contains(pg.body, spec.Secrets["name"]) {
			t.Errorf("reader %+v: %s lacks the incident's name", r, path)
		}
		check(path, pg)
	}
	return read
}
