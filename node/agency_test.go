package node

import (
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/federation"
)

// TestPeerAgency: a peer principal acts for the organisations behind its
// agreement and, in relaying an object another signing peer signed, for
// those behind that peer; a plain peer only for its own; other principals
// for none.
func TestPeerAgency(t *testing.T) {
	const usaOrg, jpnOrg, plainOrg, other = "identity--a1", "identity--a2", "identity--a3", "identity--a4"
	a := peerAgency{&federation.Peers{Peers: []*federation.PeerConfig{
		{Name: "usa", Node: "identity--n1", Nation: "USA", Organizations: []string{usaOrg}},
		{Name: "jpn", Node: "identity--n2", Nation: "JPN", Organizations: []string{jpnOrg}},
		{Name: "plain", Node: "identity--n3", Nation: "AUS", Plain: true, Organizations: []string{plainOrg}},
	}}}
	peer := func(name string) *kizuna.Principal {
		return &kizuna.Principal{Name: name, Roles: []string{kizuna.RolePeer}}
	}
	for _, tt := range []struct {
		pr     *kizuna.Principal
		org    string
		signer string
		nation string
		ok     bool
	}{
		{peer("usa"), usaOrg, "", "USA", true},
		{peer("usa"), usaOrg, "identity--n2", "USA", true},
		{peer("usa"), jpnOrg, "identity--n2", "JPN", true},
		{peer("usa"), jpnOrg, "", "", false},             // a deletion, or its own signature: not for JPN's
		{peer("usa"), jpnOrg, "identity--n1", "", false}, // signed by itself
		{peer("usa"), plainOrg, "identity--n3", "", false},
		{peer("usa"), other, "identity--n2", "", false},
		{peer("plain"), plainOrg, "", "AUS", true},
		{peer("plain"), usaOrg, "identity--n1", "", false},
		{peer("gone"), usaOrg, "", "", false},
		{&kizuna.Principal{Name: "usa", Roles: []string{kizuna.RolePublisher}}, usaOrg, "", "", false},
	} {
		nation, ok := a.ActsFor(tt.pr, tt.org, tt.signer)
		if ok != tt.ok || nation != tt.nation {
			t.Errorf("%s (%v) for %s signed by %q: %q %v, want %q %v", tt.pr.Name, tt.pr.Roles, tt.org, tt.signer, nation, ok, tt.nation, tt.ok)
		}
	}
}
