package node

import (
	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/federation"
)

// peerAgency is the policy's Agency of a federating node: a peer principal
// acts for the organisations behind it (its agreement's --behind), and a
// signing peer also, in writing an object another signing peer signed, for
// the organisations behind that peer: it relays that peer's object (the
// verifier has checked the signature against the signer's pinned key, and
// the creator against the signer's organisations). Other principals act for
// their own organisation only.
type peerAgency struct{ peers *federation.Peers }

// ActsFor implements policy.Agency.
func (a peerAgency) ActsFor(pr *kizuna.Principal, org, signer string) (string, bool) {
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
	if pc.Plain || signer == "" {
		return "", false
	}
	if q := a.peers.FindNode(signer); q != nil && !q.Plain && q.HasOrganization(org) {
		return q.Nation, true
	}
	return "", false
}
