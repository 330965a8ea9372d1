package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/node"
	"github.com/kizuna-dev/kizuna/policy/policytest"
	"github.com/kizuna-dev/kizuna/sector"
)

// A US transportation incident, SECRET releasable to Japan, published on
// the USA node, reaches through federation the cleared Japanese port
// operator on the JPN node, its notice naming the crosswalk's relation;
// an uncleared Japanese port operator gets nothing.
func TestSectorRoutingThroughFederation(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two nodes: skipped in -short mode")
	}
	o := policytest.Orgs
	nodes := MustMesh(t, false,
		fedSpec{Name: "USA", Nation: "USA", Org: o[0], MaxTLP: "amber", Ceiling: []string{"USA:TOP SECRET"}},
		fedSpec{Name: "JPN", Nation: "JPN", Org: o[1], MaxTLP: "amber", Ceiling: []string{"JPN:gokuhi"}},
	)
	usa, jpn := nodes[0], nodes[1]
	const (
		portCleared   = "identity--d1000000-0000-4000-8000-000000000001"
		portUncleared = "identity--d1000000-0000-4000-8000-000000000002"
	)
	var ids []json.RawMessage
	for _, id := range []string{portCleared, portUncleared} {
		raw, _ := json.Marshal(map[string]any{"type": "identity", "spec_version": "2.1", "id": id, "created": "2026-01-01T00:00:00.000Z",
			"modified": "2026-01-01T00:00:00.000Z", "name": "Port operator " + id[len(id)-1:], "identity_class": "organization",
			"extensions": map[string]any{sector.ExtSectors: map[string]any{"extension_type": "property-extension", "national_sectors": []string{"jp.ports"}}}})
		ids = append(ids, raw)
	}
	bundle, _ := json.Marshal(map[string]any{"type": "bundle", "id": "bundle--" + kizuna.NewUUID(), "objects": ids})
	file := filepath.Join(t.TempDir(), "ports.json")
	if err := os.WriteFile(file, bundle, 0o600); err != nil {
		t.Fatal(err)
	}
	jpn.cli(t, "import", "--collection", node.DefaultAlias, file)
	cleared := strings.TrimSpace(jpn.cli(t, "principal", "add", "--name", "port-cleared", "--role", "reader", "--org", portCleared, "--clearance", "JPN:gokuhi"))
	uncleared := strings.TrimSpace(jpn.cli(t, "principal", "add", "--name", "port-uncleared", "--role", "reader", "--org", portUncleared))
	usa.start(t)
	defer usa.stop(t, syscall.SIGTERM)
	jpn.start(t)
	defer jpn.stop(t, syscall.SIGTERM)

	secretRelJPN := cliMarking(o[0], "SECRET//REL TO USA, JPN", `"scheme": "USA", "level": "SECRET", "releasable_to": ["USA", "JPN"]`)
	incID := "incident--" + kizuna.NewUUID()
	incident := fmt.Sprintf(`{"type": "incident", "spec_version": "2.1", "id": %q, "created": %q, "modified": %q, "created_by_ref": %q,
		"name": "Ransomware at a container terminal operator", "object_marking_refs": [%q],
		"extensions": {"extension-definition--24d52822-20a1-4bf2-97ca-1018826ff47a": {"extension_type": "property-extension",
			"affected_nations": ["USA"], "sectors": ["us.transportation"]}}}`, incID, cliNow(), cliNow(), o[0], secretRelJPN.id)
	for k, msg := range usa.post(t, []json.RawMessage{secretRelJPN.raw, json.RawMessage(incident)}) {
		if msg != "" {
			t.Fatalf("USA refused %s: %s", k, msg)
		}
	}
	inbox := func(token string) []struct {
		Object string
		Paths  []struct{ Concerned, Sector, Relation, Text string }
	} {
		req, _ := http.NewRequest(http.MethodGet, "http://"+jpn.addr+"/api/v1/inbox", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out struct {
			Notices []struct {
				Object string
				Paths  []struct{ Concerned, Sector, Relation, Text string }
			}
		}
		if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&out) != nil {
			t.Fatalf("inbox: %d", resp.StatusCode)
		}
		return out.Notices
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		ns := inbox(cleared)
		if len(ns) > 0 {
			if len(ns) != 1 || ns[0].Object != incID || len(ns[0].Paths) != 1 {
				t.Fatalf("cleared port operator's notices: %+v", ns)
			}
			p := ns[0].Paths[0]
			if p.Concerned != "us.transportation" || p.Sector != "jp.ports" || p.Relation != "subset-of" || !strings.Contains(p.Text, "→ JP 港湾") {
				t.Errorf("path %+v", p)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the cleared Japanese port operator got no notice of the US incident")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if ns := inbox(uncleared); len(ns) != 0 {
		t.Errorf("the uncleared port operator got notices: %+v", ns)
	}
}
