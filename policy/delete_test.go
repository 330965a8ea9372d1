package policy_test

import (
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/policy"
)

// TestDeletingAs: a peer deletes the objects of an organisation behind it
// as that organisation; a peer that does not act for the owner, a peer
// deleting its own organisation's object and a non-peer delete as
// themselves.
func TestDeletingAs(t *testing.T) {
	w := newWorld(t)
	peer := reader("node", orgJP2, "JPN", nil)
	peer.Roles = append(peer.Roles, kizuna.RolePeer)
	if got := w.p.DeletingAs(peer, orgJP); got != peer {
		t.Errorf("without an agency the peer acts as %+v", got)
	}
	w.p.SetAgency(agency{"node": {orgJP: "JPN"}})
	got := w.p.DeletingAs(peer, orgJP)
	if got == peer || got.Organization != orgJP || got.Name != peer.Name || got.Nation != peer.Nation || !got.HasRole(kizuna.RolePeer) {
		t.Errorf("peer deleting for %s acts as %+v", orgJP, got)
	}
	if peer.Organization != orgJP2 {
		t.Errorf("the peer's principal was changed: %+v", peer)
	}
	for _, c := range []struct {
		name  string
		pr    *kizuna.Principal
		owner string
	}{
		{"owner not behind the peer", peer, orgAU},
		{"the peer's own organisation", peer, orgJP2},
		{"no owner", peer, ""},
		{"not a peer", reader("node", orgJP2, "JPN", nil), orgJP},
	} {
		if got := w.p.DeletingAs(c.pr, c.owner); got != c.pr {
			t.Errorf("%s: acts as %+v", c.name, got)
		}
	}
	if w.p.DeletingAs(nil, orgJP) != nil {
		t.Error("no principal became one")
	}
}

// TestGuardPeerDeletesForOrigin: an object TLP:AMBER for its originating
// organisation, which the peer behind that organisation cannot read, is
// deleted by that peer as the originator's node; a peer that does not act
// for the originator learns nothing (not found).
func TestGuardPeerDeletesForOrigin(t *testing.T) {
	w := newWorld(t)
	w.p.SetAgency(agency{"node": {orgJP: "JPN"}})
	g := policy.NewGuard(w.p, w.store)
	peer := reader("node", orgJP2, "JPN", nil)
	peer.Roles = append(peer.Roles, kizuna.RolePeer)
	other := reader("other", orgJP2, "JPN", nil)
	other.Roles = append(other.Roles, kizuna.RolePeer)
	o := w.indicator(orgJP, []string{policy.TLP2Amber})
	o.Label = w.label(o)
	if res, err := g.PutObjects(as(peer), w.c.ID, []*kizuna.Object{o}); err != nil || res[0].Err != nil {
		t.Fatalf("%+v %v", res, err)
	}
	page, err := g.FindObjects(as(peer), kizuna.ObjectFilter{Collection: w.c.ID, IDs: []string{o.ID}, Limit: 1})
	if err != nil || len(page.Objects) != 0 {
		t.Fatalf("the peer reads the AMBER object of %s as itself: %+v %v", orgJP, page, err)
	}
	del := func(pr *kizuna.Principal) (int, error) {
		return g.DeleteObject(as(pr), w.c.ID, o.ID, kizuna.VersionMatch{All: true}, kizuna.AccessScope{})
	}
	if _, err := del(other); kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
		t.Errorf("delete by a peer that does not act for the originator: %v, want ENOTFOUND", err)
	}
	if n, err := del(peer); err != nil || n != 1 {
		t.Errorf("delete by the originator's peer: %d %v", n, err)
	}
}
