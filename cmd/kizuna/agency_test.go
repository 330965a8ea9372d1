package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/federation"
)

// TestPeerAgency: a peer principal acts for the organisations behind its
// agreement and, when it signs, for those behind the other signing peers
// (it relays their signed objects); a plain peer only for its own; other
// principals for none.
func TestPeerAgency(t *testing.T) {
	const usaOrg, jpnOrg, plainOrg, other = "identity--a1", "identity--a2", "identity--a3", "identity--a4"
	a := peerAgency{&federation.Peers{Peers: []*federation.PeerConfig{
		{Name: "usa", Nation: "USA", Organizations: []string{usaOrg}},
		{Name: "jpn", Nation: "JPN", Organizations: []string{jpnOrg}},
		{Name: "plain", Nation: "AUS", Plain: true, Organizations: []string{plainOrg}},
	}}}
	peer := func(name string) *kizuna.Principal {
		return &kizuna.Principal{Name: name, Roles: []string{kizuna.RolePeer}}
	}
	for _, tt := range []struct {
		pr     *kizuna.Principal
		org    string
		nation string
		ok     bool
	}{
		{peer("usa"), usaOrg, "USA", true},
		{peer("usa"), jpnOrg, "JPN", true},
		{peer("usa"), plainOrg, "", false},
		{peer("usa"), other, "", false},
		{peer("plain"), plainOrg, "AUS", true},
		{peer("plain"), usaOrg, "", false},
		{peer("gone"), usaOrg, "", false},
		{&kizuna.Principal{Name: "usa", Roles: []string{kizuna.RolePublisher}}, usaOrg, "", false},
	} {
		nation, ok := a.ActsFor(tt.pr, tt.org)
		if ok != tt.ok || nation != tt.nation {
			t.Errorf("%s (%v) for %s: %q %v, want %q %v", tt.pr.Name, tt.pr.Roles, tt.org, nation, ok, tt.nation, tt.ok)
		}
	}
}

// TestInvalidMarkingAuthority: a node whose configuration gives a marking
// authority for a scheme it does not know refuses to open, and says which
// file and which entry.
func TestInvalidMarkingAuthority(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	MustRunCLI(t, "init", "--data", data)
	path := filepath.Join(data, policyFile)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	raw = bytes.Replace(raw, []byte(`"marking_authorities": []`), []byte(`"marking_authorities": [{"scheme": "NATO", "nations": ["USA"]}, {"scheme": "ATLANTIS", "nations": ["USA"]}]`), 1)
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err = runWithInput(t, "", "collection", "list", "--data", data)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), `$.marking_authorities[1].scheme: unknown scheme "ATLANTIS"`) {
		t.Errorf("opening the node: %v, want an error naming %s and the entry", err, path)
	}
}
