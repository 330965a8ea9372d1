package policy_test

import (
	"encoding/json"
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/policy"
)

// TestGuardVersionsInOneBatch: the versions of a new id in one request are
// judged one after the other, as the store will take them, so that all
// are stored at the first attempt and in their order; the owner record is
// the first one's.
func TestGuardVersionsInOneBatch(t *testing.T) {
	w := newWorld(t)
	spy := &filterSpy{MemStore: w.store}
	g := policy.NewGuard(w.p, spy)
	jp := reader("jp", orgJP, "JPN", nil)
	v1 := w.indicator("", nil)
	var doc map[string]any
	_ = json.Unmarshal(v1.Raw, &doc)
	doc["modified"] = "2026-02-01T00:00:00.000Z"
	v2 := MustObject(t, MustJSON(t, doc))
	for _, o := range []*kizuna.Object{v1, v2} {
		o.Label = w.label(o)
	}
	res, err := g.PutObjects(as(jp), w.c.ID, []*kizuna.Object{v1, v2})
	if err != nil || res[0].Err != nil || res[1].Err != nil || !res[0].Created || !res[1].Created || !res[1].DateAdded.After(res[0].DateAdded) {
		t.Fatalf("two versions in one batch: %+v %v", res, err)
	}
	if len(spy.filters) != 1 {
		t.Errorf("%d write lookups, want 1 (no second attempt)", len(spy.filters))
	}
	if rec := MustOwnerOf(t, w, v1.ID); rec == nil || rec.Organization != orgJP {
		t.Errorf("owner record %+v, want %s", rec, orgJP)
	}
}

// TestGuardDeleteByOwner: the owner of an object without created_by_ref
// deletes it; another organisation may not; an administrator may; a peer
// deletes for an organisation it acts for.
func TestGuardDeleteByOwner(t *testing.T) {
	w := newWorld(t)
	w.p.SetAgency(agency{"node": {orgJP: "JPN"}})
	g := policy.NewGuard(w.p, w.store)
	jp := reader("jp", orgJP, "JPN", nil)
	au := reader("au", orgAU, "JPN", nil)
	admin := reader("admin", orgAU, "JPN", nil)
	admin.Roles = append(admin.Roles, kizuna.RoleAdmin)
	peer := reader("node", orgJP2, "JPN", nil)
	peer.Roles = append(peer.Roles, kizuna.RolePeer)
	put := func() string {
		o := w.indicator("", []string{policy.TLP2Green})
		o.Label = w.label(o)
		if res, err := g.PutObjects(as(jp), w.c.ID, []*kizuna.Object{o}); err != nil || res[0].Err != nil {
			t.Fatalf("%+v %v", res, err)
		}
		return o.ID
	}
	del := func(pr *kizuna.Principal, id string) error {
		_, err := g.DeleteObject(as(pr), w.c.ID, id, kizuna.VersionMatch{All: true}, kizuna.AccessScope{})
		return err
	}
	id := put()
	if err := del(au, id); kizuna.ErrorCode(err) != kizuna.EFORBIDDEN {
		t.Errorf("delete by another organisation: %v", err)
	}
	for _, pr := range []*kizuna.Principal{jp, admin, peer} {
		if err := del(pr, id); err != nil {
			t.Errorf("delete by %s: %v", pr.Name, err)
		}
		id = put()
	}
}

// MustOwnerOf returns the owner record of id in the world's store.
func MustOwnerOf(tb testing.TB, w *world, id string) *kizuna.Owner {
	tb.Helper()
	recs, err := w.store.FindOwners(w.ctx, []string{id})
	if err != nil {
		tb.Fatal(err)
	}
	return recs[id]
}
