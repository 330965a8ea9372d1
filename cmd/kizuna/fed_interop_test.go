package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/policy/policytest"
)

// greenIndicator returns a TLP:GREEN indicator created by org.
func greenIndicator(id, org, name string) json.RawMessage {
	b, _ := json.Marshal(map[string]any{"type": "indicator", "spec_version": "2.1", "id": id,
		"created": "2026-11-01T00:00:00.000Z", "modified": "2026-11-01T00:00:00.000Z", "created_by_ref": org, "name": name,
		"pattern": "[domain-name:value = 'c2.example']", "pattern_type": "stix", "valid_from": "2026-11-01T00:00:00Z",
		"object_marking_refs": []string{"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"}})
	return b
}

// MustHold waits until node n holds a version of id, or fails.
func MustHold(t *testing.T, n *fedNode, id string, within time.Duration) *kizuna.Object {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		if vs := n.held(t)[id]; len(vs) > 0 {
			return vs[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s does not hold %s after %s", n.Name, id, within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestFederationPlainTAXIIPeer peers a kizuna node with a plain TAXII 2.1
// server (a second kizuna node that knows nothing of federation, where the
// first node is an ordinary publisher): the node pushes to it and pulls
// from it with a persisted cursor, accepts its objects unsigned because the
// operator configured it plain, audits each such acceptance, and does not
// take back its own objects.
func TestFederationPlainTAXIIPeer(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-process federation test skipped in -short mode")
	}
	root := t.TempDir()
	o := policytest.Orgs
	usa := MustFedNode(t, root, fedSpec{Name: "USA", Nation: "USA", Org: o[0]}, false)
	plain := MustFedNode(t, root, fedSpec{Name: "PLAIN", Nation: "JPN", Org: o[1]}, false)
	client := strings.TrimSpace(MustRunCLI(t, "principal", "add", "--data", plain.dir, "--name", "usa-client",
		"--role", "reader", "--role", "publisher", "--nation", "USA", "--org", o[0]))
	MustRunCLI(t, "peer", "add", "--data", usa.dir, "--name", "plain", "--plain", "--pull", "--url", plain.apiRoot(),
		"--token", client, "--nation", "JPN", "--org", o[1], "--max-tlp", "green")
	usa.start(t)
	defer usa.stop(t, syscall.SIGTERM)
	plain.start(t)
	defer plain.stop(t, syscall.SIGTERM)

	mine := "indicator--" + kizuna.NewUUID()
	usa.post(t, []json.RawMessage{greenIndicator(mine, o[0], "from the kizuna node")})
	got := MustHold(t, plain, mine, 10*time.Second)
	if !strings.Contains(string(got.Raw), `"x_kizuna_provenance"`) {
		t.Errorf("the plain server got the object without its provenance: %s", got.Raw)
	}

	theirs := "indicator--" + kizuna.NewUUID()
	plain.post(t, []json.RawMessage{greenIndicator(theirs, o[1], "from the plain server")})
	pulled := MustHold(t, usa, theirs, 10*time.Second)
	if pulled.Origin != "plain" {
		t.Errorf("pulled object origin = %q, want \"plain\"", pulled.Origin)
	}
	// An organisation not behind the plain peer publishes there (as its
	// own: the plain server's creator rule holds too).
	foreign := "indicator--" + kizuna.NewUUID()
	other := strings.TrimSpace(MustRunCLI(t, "principal", "add", "--data", plain.dir, "--name", "other-publisher",
		"--role", "publisher", "--nation", "JPN", "--org", o[2]))
	body, _ := json.Marshal(map[string]any{"objects": []json.RawMessage{greenIndicator(foreign, o[2], "created by an organisation not behind the plain peer")}})
	plain.taxii(t, http.MethodPost, "collections/default/objects/", other, body)
	time.Sleep(2500 * time.Millisecond) // two catch-up rounds
	if len(usa.held(t)[foreign]) != 0 {
		t.Error("an object of an organisation not behind the plain peer was accepted")
	}
	if vs := usa.held(t)[mine]; len(vs) != 1 {
		t.Errorf("the node holds %d versions of its own object after pulling it back", len(vs))
	}
	if n := len(usa.audit(t, "federation.accept-unsigned")); n != 1 {
		t.Errorf("%d unsigned acceptances audited, want 1", n)
	}
	if n := len(usa.audit(t, "federation.reject")); n != 1 {
		t.Errorf("%d refusals audited, want 1 (the foreign object)", n)
	}
	// The pulled object stays here: it is not signed by its originator, so
	// it is not relayed; and a restart resumes from the cursor.
	usa.stop(t, syscall.SIGTERM)
	usa.start(t)
	time.Sleep(1500 * time.Millisecond)
	if n := len(usa.audit(t, "federation.accept-unsigned")); n != 1 {
		t.Errorf("after a restart %d unsigned acceptances audited, want still 1 (the cursor was lost)", n)
	}
}

// TestFederationDeletePropagates deletes, as the originating organisation,
// an object that a peer holds: the peer removes it too.
func TestFederationDeletePropagates(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-process federation test skipped in -short mode")
	}
	nodes := MustMesh(t, false, meshSpecs()[:2]...)
	usa, jpn := nodes[0], nodes[1]
	for _, n := range nodes {
		n.start(t)
		defer n.stop(t, syscall.SIGTERM)
	}
	id := "indicator--" + kizuna.NewUUID()
	keep := "indicator--" + kizuna.NewUUID()
	usa.post(t, []json.RawMessage{greenIndicator(id, usa.Org, "to delete"), greenIndicator(keep, usa.Org, "to keep")})
	MustHold(t, jpn, id, 10*time.Second)
	MustHold(t, jpn, keep, 10*time.Second)

	// JPN's publisher may not delete USA's object on its own node...
	if code, _ := jpn.taxiiCode(t, "DELETE", "collections/default/objects/"+id+"/", jpn.publisher, nil); code == 200 {
		t.Fatal("another organisation deleted the object")
	}
	// ...but USA's deletion reaches JPN.
	usa.taxii(t, "DELETE", "collections/default/objects/"+id+"/", usa.publisher, nil)
	deadline := time.Now().Add(10 * time.Second)
	for len(jpn.held(t)[id]) > 0 {
		if time.Now().After(deadline) {
			t.Fatal("the deletion did not reach the peer")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(jpn.held(t)[keep]) != 1 {
		t.Fatal("the peer lost an object that was not deleted")
	}
	// The sender audits the deletion once the peer has confirmed it and its
	// cursor is saved, which may be just after the peer dropped the object.
	for deadline := time.Now().Add(10 * time.Second); len(usa.audit(t, "federation.delete")) == 0; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the propagated deletion was not audited")
		}
	}
	if n := len(usa.audit(t, "federation.delete")); n != 1 {
		t.Errorf("the propagated deletion was audited %d times, want once", n)
	}

	// A revocation is a new version and travels like one.
	var doc map[string]any
	json.Unmarshal(greenIndicator(keep, usa.Org, "to keep"), &doc)
	doc["modified"], doc["revoked"] = "2026-11-02T00:00:00.000Z", true
	revoked, _ := json.Marshal(doc)
	usa.post(t, []json.RawMessage{revoked})
	deadline = time.Now().Add(10 * time.Second)
	for {
		vs := jpn.held(t)[keep]
		if len(vs) == 2 && (vs[0].Revoked || vs[1].Revoked) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the revocation did not reach the peer: %d versions", len(vs))
		}
		time.Sleep(50 * time.Millisecond)
	}
}
