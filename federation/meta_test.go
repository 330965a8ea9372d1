package federation

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
)

const (
	mdShared  = "marking-definition--0a0a0a0a-0000-4000-8000-000000000001"
	mdInner   = "marking-definition--0a0a0a0a-0000-4000-8000-000000000002"
	mdRed     = "marking-definition--0a0a0a0a-0000-4000-8000-000000000003"
	mdUnused  = "marking-definition--0a0a0a0a-0000-4000-8000-000000000004"
	extDef    = "extension-definition--0a0a0a0a-0000-4000-8000-000000000005"
	indicator = "indicator--0a0a0a0a-0000-4000-8000-0000000000"
)

// metaVersion is a stored version of a meta object with a label.
func metaVersion(typ, id, tlp, raw string) *kizuna.Object {
	o := withFields(version(id, tlp, nil, "", json.RawMessage(raw)))
	o.Type = typ
	o.Version = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return o
}

// withFields fills in the parsed fields a store returns with a version.
func withFields(o *kizuna.Object) *kizuna.Object {
	var h struct {
		Type         string                   `json:"type"`
		CreatedByRef string                   `json:"created_by_ref"`
		Markings     []string                 `json:"object_marking_refs"`
		Granular     []kizuna.GranularMarking `json:"granular_markings"`
	}
	json.Unmarshal(o.Raw, &h)
	o.Type, o.CreatedByRef, o.MarkingRefs, o.GranularMarkings = h.Type, h.CreatedByRef, h.Markings, h.Granular
	return o
}

// marked is a local indicator marked with markings, created by orgA.
func marked(n int, tlp string, markings ...string) *kizuna.Object {
	id := fmt.Sprintf("%s%02d", indicator, n)
	refs, _ := json.Marshal(markings)
	raw := fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":%q,"created_by_ref":%q,"object_marking_refs":%s,"extensions":{%q:{"extension_type":"property-extension"}}}`, id, orgA, refs, extDef)
	return withFields(version(id, tlp, nil, "", json.RawMessage(raw)))
}

// metaStore holds the meta objects of the tests: two markings, the inner
// marking the outer one, one marking the peer may not receive, one no
// object uses, an extension-definition and orgA's identity.
func metaStore() *memObjects {
	store := &memObjects{}
	for _, o := range []*kizuna.Object{
		metaVersion("marking-definition", mdInner, "", `{"type":"marking-definition","id":"`+mdInner+`","created_by_ref":"`+orgA+`"}`),
		metaVersion("marking-definition", mdShared, "", `{"type":"marking-definition","id":"`+mdShared+`","object_marking_refs":["`+mdInner+`"]}`),
		metaVersion("marking-definition", mdRed, "amber", `{"type":"marking-definition","id":"`+mdRed+`"}`),
		metaVersion("marking-definition", mdUnused, "", `{"type":"marking-definition","id":"`+mdUnused+`"}`),
		metaVersion("extension-definition", extDef, "", `{"type":"extension-definition","id":"`+extDef+`","created_by_ref":"`+orgA+`"}`),
	} {
		store.add(o)
	}
	return store
}

// creator is orgA's identity.
func creator() *kizuna.Object {
	return metaVersion("identity", orgA, "", `{"type":"identity","id":"`+orgA+`","name":"A"}`)
}

// TestPushMetaFirst: a peer gets the marking-definitions, the
// extension-definition and the creator of an object before it, in
// requests of their own, each once (the creator, stored later, is not sent
// again in its own place), a marking-definition marked with another one in
// a later request than that one, and nothing it does not need; after a
// restart the persisted record keeps them from being sent again.
func TestPushMetaFirst(t *testing.T) {
	store := metaStore()
	peers := map[string]*fakePeer{"a": {labels: true}, "b": {labels: true}}
	dir := t.TempDir()
	f := newFixture(t, store, dir, peers)
	store.add(marked(1, "green", mdShared))
	store.add(marked(2, "green", mdShared))
	store.add(creator())
	f.svc.Notify([]*kizuna.Object{store.first()})
	b := peers["b"]
	waitFor(t, "both indicators", func() bool { return len(b.ids()) == 6 })
	time.Sleep(50 * time.Millisecond)
	// Pages of three versions: the second indicator is on a page of its
	// own.
	want := [][]string{{mdInner}, {mdShared}, {extDef, orgA}, {indicator + "01"}, {indicator + "02"}}
	if got := b.requestIDs(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("requests %v,\nwant %v", got, want)
	}
	if n := f.svc.Stats().Refused.Load(); n != 0 {
		t.Errorf("%d refusals", n)
	}
	f.svc.Stop()

	store.add(marked(3, "green", mdShared))
	g := newFixture(t, store, dir, map[string]*fakePeer{"a": {}, "b": b})
	g.svc.Notify([]*kizuna.Object{store.first()})
	waitFor(t, "the third indicator", func() bool { return len(b.ids()) == 7 })
	time.Sleep(50 * time.Millisecond)
	if got := b.ids(); got[6] != indicator+"03" || len(got) != 7 {
		t.Errorf("after a restart the peer received %v, want only the new indicator", got[6:])
	}
	for _, id := range b.ids() {
		if id == mdUnused || id == mdRed {
			t.Errorf("%s was sent, though no object sent needs it", id)
		}
	}
}

// TestPushWithheldForMarking: an object marked with a marking-definition
// the peer may not receive stays here, counted, and is not retried; the
// objects after it still go.
func TestPushWithheldForMarking(t *testing.T) {
	store := metaStore()
	peers := map[string]*fakePeer{"a": {labels: true}, "b": {labels: true}}
	f := newFixture(t, store, t.TempDir(), peers)
	store.add(marked(1, "green", mdRed))
	store.add(marked(2, "green"))
	f.svc.Notify([]*kizuna.Object{store.first()})
	b := peers["b"]
	waitFor(t, "the unmarked indicator", func() bool { return slices.Contains(b.ids(), indicator+"02") })
	if slices.Contains(b.ids(), indicator+"01") || slices.Contains(b.ids(), mdRed) {
		t.Errorf("peer b (TLP up to GREEN) received %v", b.ids())
	}
	if n := f.svc.Stats().MetaWithheld.Load(); n != 1 {
		t.Errorf("MetaWithheld = %d, want 1", n)
	}
	// Peer a (TLP up to RED) may receive the marking: both go there.
	a := peers["a"]
	waitFor(t, "peer a", func() bool { return slices.Contains(a.ids(), indicator+"01") })
	if i, j := slices.Index(a.ids(), mdRed), slices.Index(a.ids(), indicator+"01"); i < 0 || i > j {
		t.Errorf("peer a received %v", a.ids())
	}
	f.svc.Notify([]*kizuna.Object{store.first()})
	time.Sleep(100 * time.Millisecond)
	if n := f.svc.Stats().MetaWithheld.Load(); n != 1 {
		t.Errorf("withheld again: MetaWithheld = %d", n)
	}
}

// TestPushRefusalForMissingMeta: a peer that lacks a marking-definition
// this node believed it held refuses the object naming it; the object is
// sent once more after the marking, and the refusal is not final. A
// second refusal is.
func TestPushRefusalForMissingMeta(t *testing.T) {
	store := metaStore()
	peers := map[string]*fakePeer{"a": {labels: true}, "b": {labels: true}}
	dir := t.TempDir()
	cursors, err := OpenCursors(context.Background(), DirState(dir))
	if err != nil {
		t.Fatal(err)
	}
	// This node's record says b holds both markings (a chain: the shared
	// marking is marked with the inner one); b lost them.
	v := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := cursors.SetMetaHeld("push", "b", "default", map[string]time.Time{mdShared: v, mdInner: v}, nil); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, store, dir, peers)
	store.add(marked(1, "green", mdShared))
	f.svc.Notify([]*kizuna.Object{store.first()})
	b := peers["b"]
	waitFor(t, "the refused indicator, the second time", func() bool { return slices.Contains(b.ids(), indicator+"01") })
	if i := slices.Index(b.ids(), mdShared); i < 0 || i > slices.Index(b.ids(), indicator+"01") {
		t.Errorf("peer b received %v, want the marking before the indicator", b.ids())
	}
	if n := f.svc.Stats().Refused.Load(); n != 0 {
		t.Errorf("%d final refusals, want none", n)
	}
	waitFor(t, "the retry queue to empty", func() bool { return len(f.cursors.PendingRetries("b", "default")) == 0 })

	// A peer that keeps refusing: final after maxTries, audited once.
	store2 := metaStore()
	peers2 := map[string]*fakePeer{"a": {labels: true}, "b": {labels: true, lose: mdInner}}
	g := newFixture(t, store2, t.TempDir(), peers2)
	store2.add(marked(1, "green", mdInner))
	g.svc.Notify([]*kizuna.Object{store2.first()})
	waitFor(t, "a final refusal", func() bool { return g.svc.Stats().Refused.Load() == 1 })
	time.Sleep(50 * time.Millisecond)
	tries := 0
	for _, r := range peers2["b"].requestIDs() {
		if slices.Contains(r, indicator+"01") {
			tries++
		}
	}
	if tries != maxTries {
		t.Errorf("the indicator was sent %d times, want %d", tries, maxTries)
	}
	audit := g.svc.cfg.Audit.(*auditLog)
	audit.mu.Lock()
	defer audit.mu.Unlock()
	refused := 0
	for _, e := range audit.events {
		if e.Action == AuditRefused && strings.HasPrefix(e.Object, indicator) {
			refused++
			if peer, ok := RefusedBy(e); !ok || peer != "b" {
				t.Errorf("the refusal %q names the peer %q, want b", e.Reason, peer)
			}
		}
	}
	if refused != 1 {
		t.Errorf("%d federation.refused audit events for the indicator, want 1", refused)
	}
}

// TestMetaRecordPersists: what a peer holds and what waits to be sent
// again survive a reopening, and Forget (peer remove, peer resend) drops
// them with the peer's cursors.
func TestMetaRecordPersists(t *testing.T) {
	dir := t.TempDir()
	c, err := OpenCursors(context.Background(), DirState(dir))
	if err != nil {
		t.Fatal(err)
	}
	v := time.Date(2026, 1, 1, 0, 0, 0, 123456000, time.UTC)
	c.SetMetaHeld("push", "jpn", "default", map[string]time.Time{mdShared: v, mdInner: v}, nil)
	c.SetMetaHeld("push", "jpn", "default", nil, []string{mdInner})
	c.SetMetaHeld("push", "aus", "default", map[string]time.Time{mdShared: v}, nil)
	c.QueueRetries("jpn", "default", []Retry{{ID: indicator + "01", Version: v}})
	c.QueueRetries("jpn", "default", []Retry{{ID: indicator + "01", Version: v, Tries: 1}})
	c2, err := OpenCursors(context.Background(), DirState(dir))
	if err != nil {
		t.Fatal(err)
	}
	if !c2.MetaHeld("push", "jpn", "default", mdShared, v) || c2.MetaHeld("push", "jpn", "default", mdInner, v) || c2.MetaHeld("push", "jpn", "default", mdShared, v.Add(time.Second)) {
		t.Errorf("held record after reopening is wrong")
	}
	if q := c2.PendingRetries("jpn", "default"); len(q) != 1 || q[0].Tries != 1 {
		t.Errorf("retries after reopening: %+v", q)
	}
	// A retry queued again with one more try outlives the done of the
	// earlier one.
	c2.DoneRetries("jpn", "default", []Retry{{ID: indicator + "01", Version: v, Tries: 0}})
	if q := c2.PendingRetries("jpn", "default"); len(q) != 1 {
		t.Errorf("done of an older try removed the newer: %+v", q)
	}
	if err := c2.Forget("jpn"); err != nil {
		t.Fatal(err)
	}
	c3, _ := OpenCursors(context.Background(), DirState(dir))
	if c3.MetaHeld("push", "jpn", "default", mdShared, v) || len(c3.PendingRetries("jpn", "default")) != 0 || !c3.MetaHeld("push", "aus", "default", mdShared, v) {
		t.Errorf("Forget removed the wrong records")
	}
}

// TestPushMetaPeerHoldsAnotherCopy: a peer that holds a marking-definition
// already (its operator imported it) refuses the signed copy; the object
// marked with it, in a request of its own, is still accepted.
func TestPushMetaPeerHoldsAnotherCopy(t *testing.T) {
	store := metaStore()
	b := &fakePeer{labels: true, taken: map[string]bool{mdInner: true}, markers: map[string]bool{mdInner: true}}
	f := newFixture(t, store, t.TempDir(), map[string]*fakePeer{"a": {}, "b": b})
	store.add(marked(1, "green", mdInner))
	f.svc.Notify([]*kizuna.Object{store.first()})
	waitFor(t, "the indicator", func() bool { return slices.Contains(b.ids(), indicator+"01") })
	// The verdicts are taken once the round lands its requests: wait for
	// the cursor to pass the indicator.
	store.mu.Lock()
	last := store.objects[len(store.objects)-1].DateAdded
	store.mu.Unlock()
	waitFor(t, "the cursor", func() bool { return !f.cursors.Get("push", "b", "default").Before(last) })
	if n := f.svc.Stats().Refused.Load(); n != 1 {
		t.Errorf("%d refusals, want 1 (the marking-definition)", n)
	}
	if !f.cursors.MetaHeld("push", "b", "default", mdInner, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("the refused marking-definition is not recorded as answered: it would go again")
	}
}
