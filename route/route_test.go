package route_test

import (
	"context"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/defense/defstix"
	"github.com/kizuna-dev/kizuna/policy"
	"github.com/kizuna-dev/kizuna/route"
	"github.com/kizuna-dev/kizuna/sector"
)

// usIncident stores a US transportation incident at the markings, as a
// peer would send it, and returns its subject.
func usIncident(w *world, markings []string, granular []kizuna.GranularMarking) route.Subject {
	w.tb.Helper()
	inc := &kizuna.Incident{ID: w.id("incident"), Name: "Ransomware at a rail freight operator", Created: t0, Modified: t0,
		CreatedByRef: orgUSTransit, MarkingRefs: markings, Determination: "confirmed", InvestigationStatus: "open",
		Alliance: &kizuna.AllianceFacts{AffectedNations: []string{"USA"}, Sectors: []string{"us.transportation"}}}
	raw, err := defstix.EncodeIncident(inc)
	if err != nil {
		w.tb.Fatal(err)
	}
	if len(granular) > 0 {
		raw = withGranular(w.tb, raw, granular)
	}
	obj := w.put(raw)
	return route.Subject{Object: obj, Concerns: route.IncidentConcerns(obj, inc)}
}

// TestRouteThroughTheCrosswalk: a US transportation incident reaches the
// organisations of US Transportation Systems and of every sector the
// crosswalk relates to it, in every nation, each notice naming the
// relation; not those of unrelated sectors.
func TestRouteThroughTheCrosswalk(t *testing.T) {
	w := newWorld(t)
	res := w.router().Route(usIncident(w, nil, nil))
	got := w.recipients(res.Notices)
	want := map[string]string{
		"us-transit":       "US Transportation Systems",
		"jp-port-operator": "US Transportation Systems → JP 港湾 (Port services): subset-of",
		"jp-port-analyst":  "US Transportation Systems → JP 港湾 (Port services): subset-of",
		"jp-releaser":      "US Transportation Systems → JP 港湾 (Port services): subset-of",
		"au-port":          "US Transportation Systems → AU Transport: subset-of",
		"kr-port":          "US Transportation Systems → KR 운송 (Transport): intersects-with",
	}
	for name, text := range want {
		n, ok := got[name]
		if !ok {
			t.Errorf("%s got no notice", name)
			continue
		}
		if n.Paths[0].Text != text || n.Paths[0].Reason != route.ReasonAffected || n.Paths[0].Concerned != "us.transportation" {
			t.Errorf("%s: path %+v, want %q", name, n.Paths[0], text)
		}
	}
	for _, name := range []string{"jp-power", "us-dams", "jp-cert-analyst"} {
		if _, ok := got[name]; ok {
			t.Errorf("%s, of an unrelated sector, got a notice", name)
		}
	}
	if len(res.Withheld) != 0 || res.Offer != nil {
		t.Errorf("a TLP:GREEN incident withheld from %+v", res.Withheld)
	}
	if n := got["jp-port-operator"]; n.Organization != orgJPPort || n.ObjectType != "incident" || n.Paths[0].Rationale == "" {
		t.Errorf("notice %+v", n)
	}
}

// TestRouteNeverWidensAccess: the same incident marked JPN 極秘 reaches only
// the cleared Japanese analysts; the uncleared port operator, the US, the
// Australian and Korean operators get nothing, and their organisations
// are reported withheld, with a tearline offered to the originator's and
// the releasers' principals who may read it.
func TestRouteNeverWidensAccess(t *testing.T) {
	w := newWorld(t)
	res := w.router().Route(usIncident(w, []string{w.gokuhi}, nil))
	got := w.recipients(res.Notices)
	if len(got) != 2 || got["jp-port-analyst"].ID == "" || got["jp-releaser"].ID == "" {
		t.Fatalf("notices to %v; want the two cleared Japanese principals only", keys(got))
	}
	var withheld []string
	for _, wh := range res.Withheld {
		withheld = append(withheld, wh.Organization)
	}
	if want := []string{orgUSTransit, orgJPPort, orgAUPort, orgKRPort}; !sameSet(withheld, want) {
		t.Errorf("withheld %v, want %v", withheld, want)
	}
	if res.Offer == nil || !slices.Contains(res.Offer.Offerees, w.prs["jp-releaser"].ID) || slices.Contains(res.Offer.Offerees, w.prs["us-transit"].ID) {
		t.Errorf("offer %+v", res.Offer)
	}
}

// TestRouteHidesEvidence: an incident anyone may read whose alliance
// extension (the sectors) is marked JPN 極秘 by a granular marking is
// routed only to those who see the extension: a notice must not reveal
// the hidden sectors.
func TestRouteHidesEvidence(t *testing.T) {
	w := newWorld(t)
	s := usIncident(w, nil, []kizuna.GranularMarking{{MarkingRef: w.gokuhi, Selectors: []string{"extensions"}}})
	res := w.router().Route(s)
	got := w.recipients(res.Notices)
	if len(got) != 2 || got["jp-port-analyst"].ID == "" {
		t.Errorf("notices to %v; want only the principals cleared for the extension", keys(got))
	}
	// The uncleared may read the incident, so they are not withheld: the
	// tearline is not what they lack.
	if len(res.Withheld) != 0 {
		t.Errorf("withheld %+v", res.Withheld)
	}
}

// TestRouteTargets: an indicator's targets relationship to a port
// operator routes to the organisations of its sectors; a targets
// relationship marked JPN 極秘 counts only for those cleared to read it.
func TestRouteTargets(t *testing.T) {
	w := newWorld(t)
	ind := w.put(mustJSON(t, map[string]any{"type": "indicator", "spec_version": "2.1", "id": w.id("indicator"),
		"created": "2026-12-08T08:00:00.000Z", "modified": "2026-12-08T08:00:00.000Z", "created_by_ref": orgJPCERT,
		"pattern": "[ipv4-addr:value = '198.51.100.23']", "pattern_type": "stix", "valid_from": "2026-12-08T08:00:00Z"}))
	rel := func(markings []string) *route.Relationship {
		doc := map[string]any{"type": "relationship", "spec_version": "2.1", "id": w.id("relationship"),
			"created": "2026-12-08T08:00:00.000Z", "modified": "2026-12-08T08:00:00.000Z", "relationship_type": "targets",
			"source_ref": ind.ID, "target_ref": orgJPPort}
		if markings != nil {
			doc["object_marking_refs"] = markings
		}
		r, err := route.ParseRelationship(w.put(mustJSON(t, doc)))
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	orgOf := func(id string) (*kizuna.Object, *sector.Organization) {
		for _, o := range w.orgs {
			if o.ID == id {
				return w.orgObjs[id], o
			}
		}
		return nil, nil
	}
	for _, tc := range []struct {
		name     string
		markings []string
		want     []string
	}{
		{"open", nil, []string{"us-transit", "jp-port-operator", "jp-port-analyst", "jp-releaser", "au-port", "kr-port"}},
		{"classified relationship", []string{w.gokuhi}, []string{"jp-port-analyst", "jp-releaser"}},
	} {
		concerns, err := route.ObjectConcerns(ind, []*route.Relationship{rel(tc.markings)}, orgOf)
		if err != nil || len(concerns) != 1 || concerns[0].Sector != "jp.ports" || concerns[0].Reason != route.ReasonTargets+orgJPPort {
			t.Fatalf("%s: concerns %+v %v", tc.name, concerns, err)
		}
		res := w.router().Route(route.Subject{Object: ind, Concerns: concerns})
		if got := keys(w.recipients(res.Notices)); !sameSet(got, tc.want) {
			t.Errorf("%s: notices to %v, want %v", tc.name, got, tc.want)
		}
		for _, n := range res.Notices {
			if n.Principal == w.prs["us-transit"].ID && n.Paths[0].Text != "JP 港湾 (Port services) → US Transportation Systems: superset-of" {
				t.Errorf("%s: US path %+v", tc.name, n.Paths[0])
			}
		}
	}
}

// TestRouteIsIdempotent: routing the same version again gives the same
// notice ids, and an inbox keeps each notice once.
func TestRouteIsIdempotent(t *testing.T) {
	w := newWorld(t)
	s := usIncident(w, nil, nil)
	a, b := w.router().Route(s), w.router().Route(s)
	if len(a.Notices) == 0 || len(a.Notices) != len(b.Notices) {
		t.Fatalf("%d then %d notices", len(a.Notices), len(b.Notices))
	}
	inbox := route.NewInbox()
	for _, r := range []*route.Result{a, b} {
		if err := inbox.Deliver(context.Background(), r.Notices); err != nil {
			t.Fatal(err)
		}
	}
	for i := range a.Notices {
		if a.Notices[i].ID != b.Notices[i].ID {
			t.Errorf("notice %d: %s then %s", i, a.Notices[i].ID, b.Notices[i].ID)
		}
	}
	if l := inbox.List(w.prs["jp-port-operator"].ID); len(l) != 1 {
		t.Errorf("inbox holds %d notices for the port operator, want 1", len(l))
	}
}

// TestRouteOptions: weak mappings and the pivot are followed only on
// request, and the nations can be limited.
func TestRouteOptions(t *testing.T) {
	w := newWorld(t)
	obj := w.report(nil, []string{"jp.electricity"}, nil)
	concerns, err := route.ObjectConcerns(obj, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := route.Subject{Object: obj, Concerns: concerns}
	r := w.router()
	if got := w.recipients(r.Route(s).Notices); got["us-dams"].ID != "" || got["jp-power"].ID == "" {
		t.Errorf("default: %v", keys(got))
	}
	r.Options.Weak = true
	n := w.recipients(r.Route(s).Notices)["us-dams"]
	if len(n.Paths) != 1 || n.Paths[0].Text != "JP 電力 (Electric power supply services) → US Dams: intersects-with (weak)" {
		t.Errorf("weak: %+v", n)
	}
	r.Options.Nations = []string{"JPN"}
	if got := w.recipients(r.Route(s).Notices); got["us-dams"].ID != "" || got["jp-power"].ID == "" {
		t.Errorf("JPN only: %v", keys(got))
	}
}

// TestGuardAccessAgrees: the Guard's decision (scope of label ids and the
// collection's read rule) gives the same notices as the policy's, and a
// principal who may not read the collection gets none.
func TestGuardAccessAgrees(t *testing.T) {
	w := newWorld(t)
	s := usIncident(w, []string{w.gokuhi}, nil)
	byPolicy := w.router().Route(s)
	r := w.router()
	r.Access = route.NewGuardAccess(context.Background(), policy.NewGuard(w.p, w.store))
	byGuard := r.Route(s)
	if !sameSet(keys(w.recipients(byPolicy.Notices)), keys(w.recipients(byGuard.Notices))) || len(byPolicy.Withheld) != len(byGuard.Withheld) {
		t.Errorf("policy %v, guard %v", keys(w.recipients(byPolicy.Notices)), keys(w.recipients(byGuard.Notices)))
	}
	w.prs["jp-port-analyst"].Roles = []string{kizuna.RolePublisher} // may write, not read
	r.Access = route.NewGuardAccess(context.Background(), policy.NewGuard(w.p, w.store))
	if got := w.recipients(r.Route(s).Notices); got["jp-port-analyst"].ID != "" {
		t.Error("a principal who may not read the collection got a notice")
	}
}

// TestDeciderAccessFailsClosed: a plain decision function cannot judge
// portions, so no property of an object with granular markings counts as
// visible, and nothing is readable without a principal.
func TestDeciderAccessFailsClosed(t *testing.T) {
	w := newWorld(t)
	all := route.DeciderAccess{Decide: func(*kizuna.Principal, *kizuna.Object) bool { return true }}
	plain := usIncident(w, nil, nil).Object
	marked := usIncident(w, nil, []kizuna.GranularMarking{{MarkingRef: policy.TLP2Green, Selectors: []string{"name"}}}).Object
	pr := w.prs["us-transit"]
	if !all.PropertyVisible(pr, plain, "extensions") || all.PropertyVisible(pr, marked, "extensions") || all.Readable(nil, plain) {
		t.Error("DeciderAccess does not fail closed")
	}
}

// withGranular adds granular markings to a raw object.
func withGranular(tb testing.TB, raw []byte, gms []kizuna.GranularMarking) []byte {
	tb.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		tb.Fatal(err)
	}
	m["granular_markings"] = gms
	return mustJSON(tb, m)
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// TestDocsShowTheNotice: docs/sectors.md shows a notice path as routing
// writes it.
func TestDocsShowTheNotice(t *testing.T) {
	w := newWorld(t)
	res := w.router().Route(usIncident(w, nil, nil))
	n := w.recipients(res.Notices)["jp-port-operator"]
	doc, err := os.ReadFile("../docs/sectors.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"text": "` + n.Paths[0].Text + `"`, `"relation": "` + n.Paths[0].Relation + `"`, `"reason": "` + n.Paths[0].Reason + `"`} {
		if !strings.Contains(string(doc), want) {
			t.Errorf("docs/sectors.md does not show %s", want)
		}
	}
}
