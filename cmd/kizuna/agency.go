package main

import (
	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/federation"
)

// peerAgency is the policy's Agency of a federating node: a peer principal
// acts for the organisations behind it (its agreement's --behind), and a
// signing peer also for those behind the other signing peers, whose signed
// objects it relays (the verifier checks each signature against the
// signer's pinned key and the creator against the signer's organisations).
// Other principals act for their own organisation only.
type peerAgency struct{ peers *federation.Peers }

// ActsFor implements policy.Agency.
func (a peerAgency) ActsFor(pr *kizuna.Principal, org string) (string, bool) {
	if pr == nil || !pr.HasRole(kizuna.RolePeer) || org == "" || a.peers == nil {
		return "", false
	}
	pc := a.peers.Find(pr.Name)
	if pc == nil {
		return "", false
	}
	if pc.HasOrganization(org) {
		return pc.Nation, true
	}
	if pc.Plain {
		return "", false
	}
	for _, q := range a.peers.Peers {
		if !q.Plain && q.HasOrganization(org) {
			return q.Nation, true
		}
	}
	return "", false
}
