package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/node"
	"github.com/kizuna-dev/kizuna/node/nodetest"
	"github.com/kizuna-dev/kizuna/policy"
	"github.com/kizuna-dev/kizuna/route/routeapi"
	"github.com/kizuna-dev/kizuna/sector"
)

func TestSectorCommands(t *testing.T) {
	dir := t.TempDir() // no sectors/: the shipped defaults
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"sector", "list", "--data", dir, "--nation", "JPN"}, []string{"JPN", "jp.ports", "港湾"}},
		{[]string{"sector", "show", "--data", dir, "jp.ports"}, []string{"jp.ports", "subset-of us.transportation"}},
		{[]string{"sector", "crosswalk", "--data", dir, "--from", "USA", "--to", "JPN"}, []string{"jp.ports", "subset-of", "us.transportation"}},
		{[]string{"sector", "diff", "--data", dir, "USA", "JPN"}, []string{"us.emergency-services", "no-counterpart", "superset-of jp.ports (tier 1)"}},
		{[]string{"sector", "diff", "--data", dir, "--json", "USA", "JPN"}, []string{`"verdict": "no-counterpart"`}},
		{[]string{"sector", "profile", "--data", dir, "us.transportation"}, []string{"GV.SC-05", "differ", "au.transport"}},
	} {
		out, errOut, code := runCLI(t, c.args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", c.args, code, errOut)
		}
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("%v: output lacks %q:\n%s", c.args, w, out)
			}
		}
	}
	if _, errOut, code := runCLI(t, "sector", "show", "--data", dir, "us.rail"); code != 1 || !strings.Contains(errOut, `"us.rail" is not in the vocabularies`) {
		t.Errorf("unknown sector: exit %d: %s", code, errOut)
	}
	// The operator's file is validated, and named in the error.
	if err := os.MkdirAll(filepath.Join(dir, routeapi.ConfigDir), 0o700); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, routeapi.ConfigDir, sector.TiersFile)
	if err := os.WriteFile(bad, []byte(`{"nations": [{"nation": "JPN", "tiers": [{"tier": 1, "sectors": ["jp.nowhere"]}]}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := runCLI(t, "sector", "list", "--data", dir); code != 1 || !strings.Contains(errOut, bad+": $.") {
		t.Errorf("bad tiers.json: exit %d: %s", code, errOut)
	}
}

// kizuna tearline draft and release, on a data directory: the release is
// stored, linked, audited, and routed to the port operator's inbox.
func TestTearlineCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	n, err := nodetest.Open(nodetest.Options{Dir: dir, Nation: "JPN"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const (
		gokuhi   = "marking-definition--c2000000-0000-4000-8000-000000000001"
		port     = "identity--c1000000-0000-4000-8000-000000000002"
		cert     = "identity--c1000000-0000-4000-8000-000000000003"
		reportID = "report--c3000000-0000-4000-8000-000000000001"
	)
	raw := func(v any) json.RawMessage { b, _ := json.Marshal(v); return b }
	ext := map[string]any{sector.ExtSectors: map[string]any{"extension_type": "property-extension", "national_sectors": []string{"jp.ports"}}}
	if err := n.ImportRaw(ctx, node.DirectoryAlias, []json.RawMessage{
		raw(map[string]any{"type": "marking-definition", "spec_version": "2.1", "id": gokuhi, "created": "2026-01-01T00:00:00.000Z", "name": "JPN 極秘",
			"extensions": map[string]any{policy.ExtensionID: map[string]any{"extension_type": "property-extension", "scheme": "JPN", "level": "gokuhi"}}}),
		raw(map[string]any{"type": "identity", "spec_version": "2.1", "id": port, "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
			"name": "Yokohama Container Terminal Co.", "identity_class": "organization", "object_marking_refs": []string{policy.TLP2Clear}, "extensions": ext}),
	}); err != nil {
		t.Fatal(err)
	}
	if err := n.ImportRaw(ctx, node.DefaultAlias, []json.RawMessage{raw(map[string]any{"type": "report", "spec_version": "2.1", "id": reportID,
		"created_by_ref": cert, "created": "2026-12-08T09:00:00.000Z", "modified": "2026-12-08T09:00:00.000Z", "name": "OT intrusion at berth 7",
		"published": "2026-12-08T09:00:00.000Z", "object_refs": []string{port}, "description": "secret detail",
		"object_marking_refs": []string{gokuhi}, "extensions": ext})}); err != nil {
		t.Fatal(err)
	}
	operator := &kizuna.Principal{Name: "operator", Organization: port, Nation: "JPN", Roles: []string{kizuna.RoleReader}}
	releaser := &kizuna.Principal{Name: "releaser", Organization: cert, Nation: "JPN", Clearances: []kizuna.Classification{{Scheme: "JPN", Level: "gokuhi"}},
		Roles: []string{kizuna.RoleReader, kizuna.RolePublisher, kizuna.RoleReleaser}}
	for _, p := range []*kizuna.Principal{operator, releaser} {
		if err := n.Store.CreatePrincipal(ctx, p, kizuna.HashToken(kizuna.NewToken())); err != nil {
			t.Fatal(err)
		}
	}
	n.Close()

	out, errOut, code := runCLI(t, "tearline", "draft", "--data", dir, "--principal", "releaser", reportID)
	if code != 0 || !strings.Contains(out, `"description"`) {
		t.Fatalf("draft: exit %d: %s%s", code, out, errOut)
	}
	if _, errOut, code := runCLI(t, "tearline", "draft", "--data", dir, "--principal", "operator", reportID); code != 1 || !strings.Contains(errOut, "not found") {
		t.Fatalf("the operator drafted a tearline of a report it may not read: exit %d: %s", code, errOut)
	}
	var draft []map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &draft); err != nil {
		t.Fatal(err)
	}
	var approved []map[string]json.RawMessage
	for _, a := range draft {
		switch string(a["property"]) {
		case `"description"`:
			a["value"] = raw("Check remote access to crane controllers.")
		case `"name"`:
			a["value"] = raw("OT intrusion at a port")
		}
		approved = append(approved, a)
	}
	file := filepath.Join(t.TempDir(), "approve.json")
	if err := os.WriteFile(file, raw(approved), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, code = runCLI(t, "tearline", "release", "--data", dir, "--principal", "releaser", "--approve", file,
		"--marking", policy.TLP2Green, "--rationale", "warn the ports", reportID)
	if code != 0 || !strings.Contains(out, "; 1 notices") {
		t.Fatalf("release: exit %d: %s%s", code, out, errOut)
	}
	tid := strings.Fields(out)[1]

	n, err = nodetest.Open(nodetest.Options{Dir: dir, Nation: "JPN"})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	evs, err := n.Store.FindAudit(ctx, 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range evs {
		found = found || (e.Action == kizuna.AuditTearlineRelease && e.Object == reportID && strings.Contains(e.Reason, tid))
	}
	if !found {
		t.Error("the release is not in the audit log")
	}
	for _, doc := range []string{routeapi.InboxDocument} {
		if st, err := os.Stat(filepath.Join(dir, doc)); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v, want mode 0600", doc, err, st)
		}
	}
	inbox, err := n.State.ReadState(ctx, routeapi.InboxDocument)
	if err != nil || !strings.Contains(string(inbox), tid) || strings.Contains(string(inbox), `"object":"`+reportID) {
		t.Errorf("inbox: %v %s", err, inbox)
	}
}

func TestOrgAddNationalSectors(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	MustRunCLI(t, "init", "--data", dir, "--nation", "JPN")
	if _, errOut, code := runCLI(t, "org", "add", "--data", dir, "--name", "Busan Port", "--nation", "KOR", "--national-sector", "jp.ports"); code != 1 ||
		!strings.Contains(errOut, "jp.ports is a sector of JPN, not of KOR") {
		t.Fatalf("another nation's sector: exit %d: %s", code, errOut)
	}
	if _, errOut, code := runCLI(t, "org", "add", "--data", dir, "--name", "Nowhere", "--nation", "JPN", "--national-sector", "jp.nowhere"); code != 1 ||
		!strings.Contains(errOut, `"jp.nowhere" is not a configured sector id`) {
		t.Fatalf("unknown sector: exit %d: %s", code, errOut)
	}
	id := strings.TrimSpace(MustRunCLI(t, "org", "add", "--data", dir, "--name", "Yokohama Container Terminal", "--nation", "JPN", "--national-sector", "jp.ports"))
	n, err := nodetest.Open(nodetest.Options{Dir: dir, Nation: "JPN"})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	page, err := n.Store.FindObjects(context.Background(), kizuna.ObjectFilter{Collection: node.DirectoryAlias, IDs: []string{id},
		Access: kizuna.AccessScope{Unrestricted: true}, IncludeRaw: true})
	if err != nil || len(page.Objects) != 1 {
		t.Fatalf("%s: %v", id, err)
	}
	org, err := sector.ParseOrganization(page.Objects[0].Raw)
	if err != nil || len(org.Sectors) != 1 || org.Sectors[0] != "jp.ports" || !strings.Contains(strings.Join(org.Industries, ","), "transportation") {
		t.Errorf("organisation %+v, %v", org, err)
	}
}
