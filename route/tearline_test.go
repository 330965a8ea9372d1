package route_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/policy"
	"github.com/kizuna-dev/kizuna/route"
	"github.com/kizuna-dev/kizuna/sector"
	"github.com/kizuna-dev/kizuna/stix"
)

// readAs reads the latest version of an object through the Guard as the
// principal, as any read path of the node does.
func (w *world) readAs(pr *kizuna.Principal, id string) *kizuna.Object {
	w.tb.Helper()
	g := policy.NewGuard(w.p, w.store)
	page, err := g.FindObjects(kizuna.NewContextWithPrincipal(w.ctx, pr), kizuna.ObjectFilter{Collection: w.c.ID, IDs: []string{id},
		Versions: kizuna.VersionMatch{Last: true}, IncludeRaw: true})
	if err != nil {
		w.tb.Fatal(err)
	}
	if len(page.Objects) == 0 {
		return nil
	}
	return page.Objects[0]
}

func approve(tb testing.TB, kv ...any) []route.Approval {
	tb.Helper()
	var out []route.Approval
	for i := 0; i < len(kv); i += 2 {
		out = append(out, route.Approval{Property: kv[i].(string), Value: mustJSON(tb, kv[i+1])})
	}
	return out
}

// TestTearlineAcceptance: a JPN 極秘 report about a port operator's OT
// network reaches the cleared analysts; the uncleared port operator gets
// nothing and is reported withheld, with a tearline offered to the
// originator and the releaser. The releaser approves a TLP:GREEN tearline;
// once stored it routes like any object: the operator gets a notice and
// reads exactly the approved content, not the link to the source, and the
// audit log records the release.
func TestTearlineAcceptance(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	report := w.report([]string{w.gokuhi}, []string{"jp.ports"}, nil)
	concerns, err := route.ObjectConcerns(report, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	inbox := route.NewInbox()
	res := w.router().Route(route.Subject{Object: report, Concerns: concerns})
	inbox.Deliver(ctx, res.Notices)
	operator, releaser := w.prs["jp-port-operator"], w.prs["jp-releaser"]
	if got := keys(w.recipients(res.Notices)); !sameSet(got, []string{"jp-port-analyst", "jp-releaser"}) {
		t.Fatalf("the classified report reached %v", got)
	}
	if len(inbox.List(operator.ID)) != 0 || w.readAs(operator, report.ID) != nil {
		t.Fatal("the uncleared operator got the report or a notice of it")
	}
	if res.Offer == nil || !sameSet(res.Offer.Offerees, []string{w.prs["jp-cert-analyst"].ID, releaser.ID}) {
		t.Fatalf("offer %+v", res.Offer)
	}
	if !slices.ContainsFunc(res.Offer.Withheld, func(x route.Withheld) bool { return x.Organization == orgJPPort }) {
		t.Errorf("the port operator is not among the withheld: %+v", res.Offer.Withheld)
	}

	// The releaser's decision: a sanitised description, the name
	// rewritten, publication and the sector kept, the source's references
	// and everything else dropped.
	ext, _ := json.Marshal(map[string]any{sector.ExtSectors: map[string]any{"extension_type": "property-extension", "national_sectors": []string{"jp.ports"}}})
	tl, err := route.BuildTearline(route.TearlineRequest{Source: report, Releaser: releaser, MarkingRefs: []string{policy.TLP2Green},
		Approved: append(approve(t,
			"name", "Wiper targeting container-terminal crane networks",
			"description", "Operators of container terminals: isolate crane engineering workstations from the vendor VPN and check for the indicator shared with this report.",
			"published", "2026-12-08T08:00:00Z",
			"object_refs", []string{"indicator--0f0e0d0c-0b0a-4908-8706-050403020100"}),
			route.Approval{Property: "extensions", Value: ext}),
		Rationale: "operators must isolate crane networks now", Now: t0}, route.PolicyAccess{Policy: w.p})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.store.AppendAudit(ctx, tl.Release.AuditEvent()); err != nil {
		t.Fatal(err)
	}
	stored := w.put(tl.Object)
	link := w.put(tl.Link)
	concerns, err = route.ObjectConcerns(stored, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	res = w.router().Route(route.Subject{Object: stored, Concerns: concerns})
	inbox.Deliver(ctx, res.Notices)
	if l := inbox.List(operator.ID); len(l) != 1 || l[0].Object != stored.ID || l[0].Paths[0].Text != "JP 港湾 (Port services)" {
		t.Fatalf("operator's inbox %+v", l)
	}
	got := w.readAs(operator, stored.ID)
	if got == nil {
		t.Fatal("the operator cannot read the tearline")
	}
	var props map[string]json.RawMessage
	json.Unmarshal(got.Raw, &props)
	want := []string{"created", "created_by_ref", "description", "extensions", "id", "modified", "name", "object_marking_refs", "object_refs", "published", "spec_version", "type"}
	if !slices.Equal(sortedKeys(props), want) {
		t.Errorf("the tearline carries %v, want exactly %v", sortedKeys(props), want)
	}
	if strings.Contains(string(got.Raw), "SECRET-SOURCE") || strings.Contains(string(got.Raw), report.ID) || strings.Contains(string(got.Raw), w.gokuhi) {
		t.Errorf("the tearline leaks the source: %s", got.Raw)
	}
	var createdBy string
	json.Unmarshal(props["created_by_ref"], &createdBy)
	if createdBy != releaser.Organization {
		t.Errorf("created_by_ref %s, want the releaser's %s", createdBy, releaser.Organization)
	}
	if w.readAs(operator, link.ID) != nil || w.readAs(w.prs["jp-port-analyst"], link.ID) == nil {
		t.Error("the derived-from link is not at the source's marking")
	}
	events, _ := w.store.FindAudit(ctx, 0, 0)
	var rec *kizuna.AuditEvent
	for _, e := range events {
		if e.Action == kizuna.AuditTearlineRelease {
			rec = e
		}
	}
	if rec == nil || rec.Object != report.ID || rec.Principal != releaser.ID || !strings.Contains(rec.Reason, stored.ID) ||
		!strings.Contains(rec.Reason, "removed [report_types]") || !strings.Contains(rec.Reason, "rewritten [description, name, object_refs]") {
		t.Errorf("audit record %+v", rec)
	}
}

// TestTearlineCarriesOnlyApprovals: whatever the source holds (custom
// properties, external references, labels, granular markings), the
// tearline holds the envelope and the approved properties, each with the
// approved value, and nothing else; approvals may not set the envelope.
func TestTearlineCarriesOnlyApprovals(t *testing.T) {
	w := newWorld(t)
	humint := w.put(mustJSON(t, map[string]any{"type": "marking-definition", "spec_version": "2.1",
		"id": "marking-definition--d0000000-0000-4000-8000-000000000002", "created": "2026-01-01T00:00:00.000Z", "name": "HUMINT cell",
		"extensions": map[string]any{policy.ExtensionID: map[string]any{"extension_type": "property-extension", "communities": []string{"humint-cell"}}}})).ID
	src := w.put(mustJSON(t, map[string]any{"type": "indicator", "spec_version": "2.1", "id": w.id("indicator"),
		"created": "2026-12-08T08:00:00.000Z", "modified": "2026-12-08T08:00:00.000Z", "created_by_ref": orgJPCERT,
		"object_marking_refs": []string{w.gokuhi}, "name": "crane implant C2", "description": "from a human source in the vendor",
		"labels": []string{"source-humint"}, "x_kizuna_source_handle": "ASSET-7", "confidence": 90,
		"external_references": []map[string]any{{"source_name": "internal", "external_id": "CASE-1234"}},
		"pattern":             "[ipv4-addr:value = '198.51.100.23']", "pattern_type": "stix", "valid_from": "2026-12-08T08:00:00Z",
		"granular_markings": []map[string]any{{"marking_ref": humint, "selectors": []string{"description"}}}}))
	releaser := w.prs["jp-releaser"]
	access := route.PolicyAccess{Policy: w.p}
	approved := approve(t, "pattern", "[ipv4-addr:value = '198.51.100.23']", "pattern_type", "stix",
		"valid_from", "2026-12-08T08:00:00Z", "name", "C2 address of a wiper")
	tl, err := route.BuildTearline(route.TearlineRequest{Source: src, Releaser: releaser, MarkingRefs: []string{policy.TLP2Green}, Approved: approved, Now: t0}, access)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := stix.Parse(tl.Object)
	if err != nil {
		t.Fatalf("the tearline is not valid STIX: %v\n%s", err, tl.Object)
	}
	var props map[string]any
	json.Unmarshal(tl.Object, &props)
	for k := range props {
		if !slices.Contains([]string{"type", "spec_version", "id", "created", "modified", "created_by_ref", "object_marking_refs",
			"pattern", "pattern_type", "valid_from", "name"}, k) {
			t.Errorf("the tearline carries %s, which was not approved", k)
		}
	}
	if props["name"] != "C2 address of a wiper" || obj.Type != "indicator" || obj.ID == src.ID || !slices.Equal(obj.MarkingRefs, []string{policy.TLP2Green}) {
		t.Errorf("tearline %s", tl.Object)
	}
	if !slices.Equal(tl.Release.Removed, []string{"confidence", "description", "external_references", "labels", "x_kizuna_source_handle"}) ||
		!slices.Equal(tl.Release.Rewritten, []string{"name"}) {
		t.Errorf("release %+v", tl.Release)
	}
	if _, err := stix.Parse(tl.Link); err != nil || !strings.Contains(string(tl.Link), `"derived-from"`) {
		t.Errorf("link %s: %v", tl.Link, err)
	}
	for _, tc := range []struct {
		name string
		req  route.TearlineRequest
		code string
		want string
	}{
		{"envelope", route.TearlineRequest{Approved: append(approved, approve(t, "object_marking_refs", []string{w.gokuhi})...)}, kizuna.EINVALID, "object_marking_refs is set by the release"},
		{"id", route.TearlineRequest{Approved: append(approved, approve(t, "id", src.ID)...)}, kizuna.EINVALID, "id is set by the release"},
		{"twice", route.TearlineRequest{Approved: append(approved, approve(t, "name", "x")...)}, kizuna.EINVALID, "name is approved twice"},
		{"null", route.TearlineRequest{Approved: append(approved, route.Approval{Property: "labels", Value: json.RawMessage(`null`)})}, kizuna.EINVALID, "not a JSON value"},
		{"required", route.TearlineRequest{Approved: approved[1:]}, kizuna.EINVALID, "a indicator cannot go without pattern"},
		{"same marking", route.TearlineRequest{Approved: approved, MarkingRefs: []string{w.gokuhi}}, kizuna.EINVALID, "markings other than its source's"},
		{"hidden portion", route.TearlineRequest{Approved: append(approved, approve(t, "description", "from a human source in the vendor")...)},
			kizuna.EFORBIDDEN, "may not see description"},
		{"cleared for the portion", route.TearlineRequest{Approved: append(approved, approve(t, "description", "from a human source in the vendor")...),
			Releaser: &kizuna.Principal{ID: "principal--x", Name: "humint", Organization: orgJPRegulator, Nation: "JPN", Roles: []string{kizuna.RoleReader, kizuna.RoleReleaser},
				Communities: []string{"humint-cell"}, Clearances: []kizuna.Classification{{Scheme: "JPN", Level: "gokuhi"}}}}, "", ""},
		{"not a releaser", route.TearlineRequest{Approved: approved, Releaser: w.prs["jp-port-analyst"]}, kizuna.EFORBIDDEN, "neither of the originator"},
		{"cannot read", route.TearlineRequest{Approved: approved, Releaser: &kizuna.Principal{ID: "principal--y", Name: "uncleared", Organization: orgJPRegulator,
			Nation: "JPN", Roles: []string{kizuna.RoleReleaser}}}, kizuna.ENOTFOUND, "not found"},
	} {
		req := tc.req
		req.Source, req.Now = src, t0
		if req.Releaser == nil {
			req.Releaser = releaser
		}
		if req.MarkingRefs == nil {
			req.MarkingRefs = []string{policy.TLP2Green}
		}
		_, err := route.BuildTearline(req, access)
		if tc.code == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		if kizuna.ErrorCode(err) != tc.code || !strings.Contains(kizuna.ErrorMessage(err), tc.want) {
			t.Errorf("%s: err = %v, want %s %q", tc.name, err, tc.code, tc.want)
		}
	}
	// The originator may release without the role.
	if _, err := route.BuildTearline(route.TearlineRequest{Source: src, Releaser: w.prs["jp-cert-analyst"], MarkingRefs: []string{policy.TLP2Green}, Approved: approved, Now: t0}, access); err != nil {
		t.Errorf("originator: %v", err)
	}
	draft, err := route.DraftApprovals(src)
	if err != nil || len(draft) != 9 || draft[0].Property != "confidence" {
		t.Errorf("draft %+v %v", draft, err)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := keys(m)
	slices.Sort(out)
	return out
}
