package route_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/policy"
	"github.com/kizuna-dev/kizuna/policy/policytest"
	"github.com/kizuna-dev/kizuna/route"
	"github.com/kizuna-dev/kizuna/sector"
	"github.com/kizuna-dev/kizuna/stix"
)

// Organisations of the tests, as their identities arrive from peers.
const (
	orgUSTransit   = "identity--a1000000-0000-4000-8000-000000000001" // US transit authority: us.transportation
	orgJPPort      = "identity--a1000000-0000-4000-8000-000000000002" // Japanese port operator: jp.ports
	orgJPRegulator = "identity--a1000000-0000-4000-8000-000000000003" // port security office: jp.ports
	orgJPCERT      = "identity--a1000000-0000-4000-8000-000000000004" // the originator, no sector
	orgAUPort      = "identity--a1000000-0000-4000-8000-000000000005" // au.transport
	orgKRPort      = "identity--a1000000-0000-4000-8000-000000000006" // kr.transport
	orgJPPower     = "identity--a1000000-0000-4000-8000-000000000007" // jp.electricity
	orgUSPower     = "identity--a1000000-0000-4000-8000-000000000008" // us.dams
)

var t0 = time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC)

// world is a node's view: the policy over a store with one collection,
// the shipped sector catalog, organisations and principals.
type world struct {
	tb      testing.TB
	ctx     context.Context
	store   *policytest.MemStore
	p       *policy.Policy
	c       *kizuna.Collection
	cat     *sector.Catalog
	gokuhi  string // JPN 極秘 marking
	orgs    []*sector.Organization
	orgObjs map[string]*kizuna.Object
	prs     map[string]*kizuna.Principal
	seq     int
}

func newWorld(tb testing.TB) *world {
	tb.Helper()
	w := &world{tb: tb, ctx: context.Background(), store: policytest.NewMemStore(), orgObjs: map[string]*kizuna.Object{}, prs: map[string]*kizuna.Principal{}}
	var err error
	if w.p, err = policy.New(policy.DefaultConfig(), w.store); err != nil {
		tb.Fatal(err)
	}
	if w.cat, err = sector.DefaultCatalog(); err != nil {
		tb.Fatal(err)
	}
	w.c = &kizuna.Collection{ID: "c0000000-0000-4000-8000-000000000001", Title: "alliance",
		CanRead:            kizuna.AccessRule{Roles: []string{kizuna.RoleReader}},
		CanWrite:           kizuna.AccessRule{Roles: []string{kizuna.RolePublisher}},
		DefaultMarkingRefs: []string{policy.TLP2Green}}
	if err := w.store.CreateCollection(w.ctx, w.c); err != nil {
		tb.Fatal(err)
	}
	w.gokuhi = w.put(mustJSON(tb, map[string]any{"type": "marking-definition", "spec_version": "2.1",
		"id": "marking-definition--d0000000-0000-4000-8000-000000000001", "created": "2026-01-01T00:00:00.000Z", "name": "JPN 極秘",
		"extensions": map[string]any{policy.ExtensionID: map[string]any{"extension_type": "property-extension", "scheme": "JPN", "level": "gokuhi"}}})).ID
	for _, o := range []struct {
		id, name string
		sectors  []string
	}{
		{orgUSTransit, "Metro Transit Authority", []string{"us.transportation"}},
		{orgJPPort, "Yokohama Container Terminal Co.", []string{"jp.ports"}},
		{orgJPRegulator, "Port Security Office", []string{"jp.ports"}},
		{orgAUPort, "Port Botany Operations", []string{"au.transport"}},
		{orgKRPort, "Busan Port Terminal", []string{"kr.transport"}},
		{orgJPPower, "Kansai Electric", []string{"jp.electricity"}},
		{orgUSPower, "Hoover Dam Operations", []string{"us.dams"}},
	} {
		w.organization(o.id, o.name, o.sectors)
	}
	cleared := []kizuna.Classification{{Scheme: "JPN", Level: "gokuhi"}}
	w.principal("us-transit", orgUSTransit, "USA", nil)
	w.principal("jp-port-operator", orgJPPort, "JPN", nil)
	w.principal("jp-port-analyst", orgJPRegulator, "JPN", cleared)
	w.principal("jp-cert-analyst", orgJPCERT, "JPN", cleared)
	w.principal("jp-releaser", orgJPRegulator, "JPN", cleared, kizuna.RoleReleaser)
	w.principal("au-port", orgAUPort, "AUS", nil)
	w.principal("kr-port", orgKRPort, "KOR", nil)
	w.principal("jp-power", orgJPPower, "JPN", nil)
	w.principal("us-dams", orgUSPower, "USA", nil)
	return w
}

// organization stores an identity with its sectors, as a peer sends it,
// and reads it back as routing does.
func (w *world) organization(id, name string, sectors []string) {
	w.tb.Helper()
	raw := mustJSON(w.tb, map[string]any{"type": "identity", "spec_version": "2.1", "id": id,
		"created": "2026-11-01T00:00:00.000Z", "modified": "2026-11-01T00:00:00.000Z", "name": name, "identity_class": "organization"})
	raw, err := w.cat.WithSectors(raw, sectors)
	if err != nil {
		w.tb.Fatal(err)
	}
	obj := w.put(raw)
	org, err := sector.ParseOrganization(obj.Raw)
	if err != nil {
		w.tb.Fatal(err)
	}
	w.orgs = append(w.orgs, org)
	w.orgObjs[id] = obj
}

func (w *world) principal(name, org, nation string, clearances []kizuna.Classification, roles ...string) {
	w.seq++
	w.prs[name] = &kizuna.Principal{ID: fmt.Sprintf("principal--c0000000-0000-4000-8000-%012d", w.seq), Name: name,
		Organization: org, Nation: nation, Clearances: clearances, Roles: append([]string{kizuna.RoleReader}, roles...)}
}

// principals lists the principals by name, so that the directory's order
// is the same in every run.
func (w *world) principals() []*kizuna.Principal {
	var out []*kizuna.Principal
	for _, name := range keys(w.prs) {
		out = append(out, w.prs[name])
	}
	return out
}

// put parses, labels and stores a raw object and returns it as the store
// keeps it, with its label, portions and their stored ids.
func (w *world) put(raw []byte) *kizuna.Object {
	w.tb.Helper()
	obj, err := stix.Parse(raw)
	if err != nil {
		w.tb.Fatalf("%v\n%s", err, raw)
	}
	if obj.Label, obj.Portions, _, err = w.p.Label(w.ctx, obj, w.c); err != nil {
		w.tb.Fatal(err)
	}
	if obj.Version.IsZero() {
		obj.Version = obj.Created
	}
	res, err := w.store.PutObjects(w.ctx, w.c.ID, []*kizuna.Object{obj})
	if err != nil || res[0].Err != nil {
		w.tb.Fatalf("store %s: %v %v", obj.ID, err, res)
	}
	page, err := w.store.FindObjects(w.ctx, kizuna.ObjectFilter{Collection: w.c.ID, IDs: []string{obj.ID},
		Versions: kizuna.VersionMatch{Last: true}, Access: kizuna.AccessScope{Unrestricted: true}, IncludeRaw: true})
	if err != nil || len(page.Objects) != 1 {
		w.tb.Fatalf("read back %s: %v", obj.ID, err)
	}
	stored := page.Objects[0]
	obj.LabelID, obj.Collection = stored.LabelID, stored.Collection
	for i := range obj.Portions {
		obj.Portions[i].LabelID = stored.Portions[i].LabelID
	}
	return obj
}

func (w *world) id(typ string) string {
	w.seq++
	return fmt.Sprintf("%s--b0000000-0000-4000-8000-%012d", typ, w.seq)
}

// router returns a router over the world's organisations and principals
// with the policy's decision.
func (w *world) router() *route.Router {
	return &route.Router{Catalog: w.cat, Directory: route.NewIndex(w.orgs, w.principals()),
		Access: route.PolicyAccess{Policy: w.p}, Now: func() time.Time { return t0 }}
}

// report stores a report about a port operator's OT network with the
// markings, the sector extension naming sectors, and granular markings.
func (w *world) report(markings []string, sectors []string, granular []kizuna.GranularMarking) *kizuna.Object {
	w.tb.Helper()
	doc := map[string]any{"type": "report", "spec_version": "2.1", "id": w.id("report"),
		"created": "2026-12-08T08:00:00.000Z", "modified": "2026-12-08T08:00:00.000Z", "created_by_ref": orgJPCERT,
		"name": "Wiper on a container terminal's crane network", "published": "2026-12-08T08:00:00Z",
		"description":  "SECRET-SOURCE: the implant beacons to 198.51.100.23 through the terminal operating system's vendor VPN.",
		"report_types": []string{"threat-report"}, "object_refs": []string{"indicator--9e8d7c6b-5a49-4837-a261-5f4e3d2c1b0a"},
	}
	if len(markings) > 0 {
		doc["object_marking_refs"] = markings
	}
	if len(granular) > 0 {
		doc["granular_markings"] = granular
	}
	raw := mustJSON(w.tb, doc)
	if len(sectors) > 0 {
		var err error
		if raw, err = w.cat.WithSectors(raw, sectors); err != nil {
			w.tb.Fatal(err)
		}
	}
	return w.put(raw)
}

func mustJSON(tb testing.TB, v any) []byte {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// recipients returns the names of the principals the notices go to.
func (w *world) recipients(ns []route.Notice) map[string]route.Notice {
	out := map[string]route.Notice{}
	for _, n := range ns {
		for name, pr := range w.prs {
			if pr.ID == n.Principal {
				out[name] = n
			}
		}
	}
	return out
}
