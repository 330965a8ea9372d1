package policy_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/policy"
	"github.com/kizuna-dev/kizuna/policy/policytest"
)

func as(pr *kizuna.Principal) context.Context {
	return kizuna.NewContextWithPrincipal(context.Background(), pr)
}

// auditSince returns the audit events after seq.
func auditSince(tb testing.TB, w *world, seq int64) []*kizuna.AuditEvent {
	tb.Helper()
	ev, err := w.store.FindAudit(w.ctx, seq, 0)
	if err != nil {
		tb.Fatal(err)
	}
	return ev
}

func TestGuardReads(t *testing.T) {
	w := newWorld(t)
	g := policy.NewGuard(w.p, w.store)
	secretRel := w.marking(map[string]any{"scheme": "USA", "level": "SECRET", "releasable_to": []string{"USA", "JPN"}})
	secret := w.marking(map[string]any{"scheme": "USA", "level": "SECRET"})
	var visible, hidden []string
	for i := 0; i < 10; i++ {
		o := w.put(w.indicator(orgUS, []string{policy.TLP2Green}))
		visible = append(visible, o.ID)
		h := w.put(w.indicator(orgUS, []string{secret}))
		hidden = append(hidden, h.ID)
	}
	classified := w.put(w.indicator(orgUS, []string{secretRel}))
	jp := reader("jp", orgJP, "JPN", nil, "JPN:gokuhi")

	t.Run("no principal sees nothing", func(t *testing.T) {
		page, err := g.FindObjects(context.Background(), kizuna.ObjectFilter{Collection: w.c.ID, Access: kizuna.AccessScope{Unrestricted: true}})
		if err != nil || len(page.Objects) != 0 {
			t.Errorf("got %d objects, err %v", len(page.Objects), err)
		}
		if cs, _ := g.FindCollections(context.Background()); len(cs) != 0 {
			t.Errorf("collections %v", cs)
		}
		if _, err := g.FindCollectionByID(context.Background(), w.c.ID); kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
			t.Errorf("collection by id: %v", err)
		}
	})

	t.Run("paging counts only visible objects", func(t *testing.T) {
		var got []string
		f := kizuna.ObjectFilter{Collection: w.c.ID, Types: []string{"indicator"}, Limit: 4, Access: kizuna.AccessScope{Unrestricted: true}}
		for pages := 0; ; pages++ {
			page, err := g.FindObjects(as(jp), f)
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Objects) != 4 && page.More {
				t.Errorf("a short page with More: %d objects", len(page.Objects))
			}
			for _, o := range page.Objects {
				got = append(got, o.ID)
			}
			if !page.More {
				break
			}
			f.Next = page.Next
		}
		want := append(append([]string{}, visible...), classified.ID)
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("pages gave %v, want %v", got, want)
		}
	})

	t.Run("by id: invisible is absent and audited, missing is absent", func(t *testing.T) {
		seq := int64(len(auditSince(t, w, 0)))
		page, err := g.FindObjects(as(jp), kizuna.ObjectFilter{Collection: w.c.ID, IDs: []string{hidden[0]}})
		if err != nil || len(page.Objects) != 0 || page.More {
			t.Errorf("invisible object: %+v %v", page, err)
		}
		page2, err := g.FindObjects(as(jp), kizuna.ObjectFilter{Collection: w.c.ID, IDs: []string{"indicator--b0000000-0000-4000-8000-999999999999"}})
		if err != nil || len(page2.Objects) != 0 || page2.More != page.More || page2.Next != page.Next {
			t.Errorf("missing object answered differently: %+v %v", page2, err)
		}
		ev := auditSince(t, w, seq)
		if len(ev) != 1 || ev[0].Action != "deny" || ev[0].Object != hidden[0] || ev[0].Principal != jp.ID || !strings.Contains(ev[0].Reason, policy.RuleReleasability) {
			t.Errorf("audit %+v", ev)
		}
	})

	t.Run("classified reads are audited", func(t *testing.T) {
		seq := int64(len(auditSince(t, w, 0)))
		page, err := g.FindObjects(as(jp), kizuna.ObjectFilter{Collection: w.c.ID, IDs: []string{classified.ID, visible[0]}})
		if err != nil || len(page.Objects) != 2 {
			t.Fatalf("%+v %v", page, err)
		}
		ev := auditSince(t, w, seq)
		if len(ev) != 1 || ev[0].Action != "read" || ev[0].Object != classified.ID || !strings.Contains(ev[0].Reason, "USA:SECRET") {
			t.Errorf("audit %+v", ev)
		}
	})

	t.Run("new labels reach a cached scope", func(t *testing.T) {
		fresh := w.marking(map[string]any{"communities": []string{"late"}})
		o := w.put(w.indicator(orgUS, []string{fresh}))
		member := reader("late", orgJP, "JPN", []string{"late"})
		page, err := g.FindObjects(as(member), kizuna.ObjectFilter{Collection: w.c.ID, IDs: []string{o.ID}})
		if err != nil || len(page.Objects) != 1 {
			t.Errorf("%+v %v", page, err)
		}
		if page, _ := g.FindObjects(as(jp), kizuna.ObjectFilter{Collection: w.c.ID, IDs: []string{o.ID}}); len(page.Objects) != 0 {
			t.Error("a non-member sees the community object")
		}
	})

	t.Run("collections the principal may not use do not exist", func(t *testing.T) {
		closed := &kizuna.Collection{ID: "c0000000-0000-4000-8000-0000000000c1", CanRead: kizuna.AccessRule{Roles: []string{kizuna.RoleAdmin}}}
		writeOnly := &kizuna.Collection{ID: "c0000000-0000-4000-8000-0000000000c2", CanWrite: kizuna.AccessRule{Roles: []string{kizuna.RolePublisher}}}
		for _, c := range []*kizuna.Collection{closed, writeOnly} {
			if err := w.store.CreateCollection(w.ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := g.FindObjects(as(jp), kizuna.ObjectFilter{Collection: closed.ID}); kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
			t.Errorf("closed collection: %v", err)
		}
		if _, err := g.FindObjects(as(jp), kizuna.ObjectFilter{Collection: writeOnly.ID}); kizuna.ErrorCode(err) != kizuna.EFORBIDDEN {
			t.Errorf("write-only collection: %v", err)
		}
		cs, err := g.FindCollections(as(jp))
		if err != nil || len(cs) != 2 {
			t.Errorf("collections %d %v", len(cs), err)
		}
		if err := g.CreateCollection(as(jp), &kizuna.Collection{}); kizuna.ErrorCode(err) != kizuna.EFORBIDDEN {
			t.Errorf("a non-admin created a collection: %v", err)
		}
	})
}

func TestGuardRedaction(t *testing.T) {
	w := newWorld(t)
	g := policy.NewGuard(w.p, w.store)
	secret := w.marking(map[string]any{"scheme": "USA", "level": "SECRET", "releasable_to": []string{"USA", "JPN"}})
	o := w.put(w.indicator(orgUS, []string{policy.TLP2Green},
		kizuna.GranularMarking{MarkingRef: secret, Selectors: []string{"description"}},
		kizuna.GranularMarking{MarkingRef: secret, Selectors: []string{"labels.[1]"}}))
	withheld := w.put(w.indicator(orgUS, []string{policy.TLP2Green}, kizuna.GranularMarking{MarkingRef: secret, Selectors: []string{"pattern"}}))

	plain := reader("plain", orgJP, "JPN", nil)
	page, err := g.FindObjects(as(plain), kizuna.ObjectFilter{Collection: w.c.ID, IDs: []string{o.ID, withheld.ID}, IncludeRaw: true})
	if err != nil || len(page.Objects) != 1 {
		t.Fatalf("%+v %v", page, err)
	}
	got := page.Objects[0]
	var doc map[string]any
	if err := json.Unmarshal(got.Raw, &doc); err != nil {
		t.Fatal(err)
	}
	if _, ok := doc["description"]; ok || strings.Contains(string(got.Raw), "secret description") {
		t.Errorf("description leaked: %s", got.Raw)
	}
	if r, _ := json.Marshal(doc[policy.RedactedProperty]); string(r) != `["description","labels.[1]"]` {
		t.Errorf("%s = %s", policy.RedactedProperty, r)
	}
	if labels, _ := json.Marshal(doc["labels"]); string(labels) != `["l0"]` {
		t.Errorf("labels %s", labels)
	}
	if got.Hash != "" {
		t.Error("the hash of the whole content is returned with a redacted object")
	}
	// The store's page is not Fresh: its objects stay as stored.
	stored, err := w.store.FindObjects(w.ctx, kizuna.ObjectFilter{Collection: w.c.ID, IDs: []string{o.ID},
		IncludeRaw: true, Access: kizuna.AccessScope{Unrestricted: true}})
	if err != nil || len(stored.Objects) != 1 || !strings.Contains(string(stored.Objects[0].Raw), "secret description") ||
		stored.Objects[0].Hash == "" || stored.Objects[0] == got {
		t.Errorf("the guard changed the store's object: %+v %v", stored, err)
	}

	// A Fresh page is the caller's: the guard redacts its objects in place.
	fg := policy.NewGuard(w.p, freshStore{w.store})
	page, err = fg.FindObjects(as(plain), kizuna.ObjectFilter{Collection: w.c.ID, IDs: []string{o.ID}, IncludeRaw: true})
	if err != nil || len(page.Objects) != 1 || !page.Fresh {
		t.Fatalf("%+v %v", page, err)
	}
	if fresh := page.Objects[0]; strings.Contains(string(fresh.Raw), "secret description") || fresh.Hash != "" ||
		!strings.Contains(string(fresh.Raw), policy.RedactedProperty) {
		t.Errorf("fresh page not redacted: %s", fresh.Raw)
	}

	cleared := reader("cleared", orgJP, "JPN", nil, "JPN:gokuhi")
	seq := int64(len(auditSince(t, w, 0)))
	page, err = g.FindObjects(as(cleared), kizuna.ObjectFilter{Collection: w.c.ID, IDs: []string{o.ID, withheld.ID}, IncludeRaw: true})
	if err != nil || len(page.Objects) != 2 {
		t.Fatalf("%+v %v", page, err)
	}
	for _, o := range page.Objects {
		if strings.Contains(string(o.Raw), policy.RedactedProperty) || o.Hash == "" {
			t.Errorf("a cleared reader got a redacted object: %s", o.Raw)
		}
	}
	// Reading a classified portion is a read of classified material.
	// One record per page names every classified version read.
	ev := auditSince(t, w, seq)
	if len(ev) != 1 || ev[0].Action != "read" || !strings.Contains(ev[0].Reason, "description: USA:SECRET") ||
		!strings.Contains(ev[0].Reason, o.ID) || !strings.Contains(ev[0].Reason, withheld.ID) || ev[0].Object != w.c.ID {
		t.Errorf("audit of classified portions: %+v", ev)
	}
}

func TestGuardWrites(t *testing.T) {
	w := newWorld(t)
	g := policy.NewGuard(w.p, w.store)
	secret := w.marking(map[string]any{"scheme": "USA", "level": "SECRET", "releasable_to": []string{"USA", "JPN"}})
	labelled := func(o *kizuna.Object) *kizuna.Object {
		o.Label = w.label(o)
		return o
	}
	us := reader("us", orgUS, "USA", nil, "USA:SECRET")
	usCUI := reader("us-cui", orgUS, "USA", nil, "USA:CUI")
	jp := reader("jp", orgJP, "JPN", nil, "JPN:kimitsu")

	first := labelled(w.indicator(orgUS, []string{secret}))
	res, err := g.PutObjects(as(us), w.c.ID, []*kizuna.Object{first, labelled(w.indicator(orgUS, []string{secret}))})
	if err != nil || res[0].Err != nil || !res[0].Created {
		t.Fatalf("%+v %v", res, err)
	}
	res, err = g.PutObjects(as(usCUI), w.c.ID, []*kizuna.Object{labelled(w.indicator(orgUS, []string{secret}))})
	if err != nil || kizuna.ErrorCode(res[0].Err) != kizuna.EFORBIDDEN || !strings.Contains(kizuna.ErrorMessage(res[0].Err), policy.RuleWriteClearance) {
		t.Errorf("above clearance: %+v %v", res, err)
	}
	// A new version from another organisation is refused and audited.
	var doc map[string]any
	_ = json.Unmarshal(first.Raw, &doc)
	doc["modified"] = "2026-02-01T00:00:00.000Z"
	doc["created_by_ref"] = orgJP
	v2 := labelled(MustObject(t, MustJSON(t, doc)))
	seq := int64(len(auditSince(t, w, 0)))
	res, err = g.PutObjects(as(jp), w.c.ID, []*kizuna.Object{v2})
	if err != nil || kizuna.ErrorCode(res[0].Err) != kizuna.EFORBIDDEN {
		t.Errorf("overwrite by another organisation: %+v %v", res, err)
	}
	if ev := auditSince(t, w, seq); len(ev) != 1 || ev[0].Action != "write.reject" || ev[0].Object != first.ID {
		t.Errorf("audit %+v", ev)
	}
	doc["created_by_ref"] = orgUS
	v2 = labelled(MustObject(t, MustJSON(t, doc)))
	if res, err = g.PutObjects(as(us), w.c.ID, []*kizuna.Object{v2}); err != nil || res[0].Err != nil {
		t.Errorf("a version by the creator: %+v %v", res, err)
	}
	if _, err := g.PutObjects(context.Background(), w.c.ID, []*kizuna.Object{v2}); kizuna.ErrorCode(err) != kizuna.EUNAUTHORIZED {
		t.Errorf("no principal: %v", err)
	}
	readerOnly := reader("ro", orgUS, "USA", nil, "USA:SECRET")
	readerOnly.Roles = []string{kizuna.RoleReader}
	if _, err := g.PutObjects(as(readerOnly), w.c.ID, []*kizuna.Object{v2}); kizuna.ErrorCode(err) != kizuna.EFORBIDDEN {
		t.Errorf("a reader wrote: %v", err)
	}

	// Deletion: only the creator's organisation, only visible versions.
	if _, err := g.DeleteObject(as(jp), w.c.ID, first.ID, kizuna.VersionMatch{All: true}, kizuna.AccessScope{Unrestricted: true}); kizuna.ErrorCode(err) != kizuna.EFORBIDDEN {
		t.Errorf("delete by another organisation: %v", err)
	}
	if _, err := g.DeleteObject(as(reader("au", orgUS, "AUS", nil, "AUS:SECRET")), w.c.ID, first.ID, kizuna.VersionMatch{All: true}, kizuna.AccessScope{}); kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
		t.Errorf("delete of an invisible object: %v", err)
	}
	if n, err := g.DeleteObject(as(us), w.c.ID, first.ID, kizuna.VersionMatch{All: true}, kizuna.AccessScope{}); err != nil || n != 2 {
		t.Errorf("delete by the creator: %d %v", n, err)
	}
}

// TestGuardConcurrent reads through one guard from several goroutines while
// new labels are stored: run with -race. Every object returned must be one
// the decision allows.
func TestGuardConcurrent(t *testing.T) {
	w := newWorld(t)
	g := policy.NewGuard(w.p, w.store)
	jp := reader("jp", orgJP, "JPN", []string{"c1", "c3"})
	done := make(chan struct{})
	errs := make(chan error, 4)
	for i := 0; i < 4; i++ {
		go func() {
			for {
				select {
				case <-done:
					errs <- nil
					return
				default:
				}
				page, err := g.FindObjects(as(jp), kizuna.ObjectFilter{Collection: w.c.ID})
				if err != nil {
					errs <- err
					return
				}
				for _, o := range page.Objects {
					if !w.p.Decide(jp, o.Label).Allow {
						errs <- fmt.Errorf("returned %s with label %s", o.ID, policy.DescribeLabel(o.Label))
						return
					}
				}
			}
		}()
	}
	for i := 0; i < 40; i++ {
		m := w.marking(map[string]any{"communities": []string{fmt.Sprintf("c%d", i%5)}})
		w.put(w.indicator(orgJP, []string{m}))
	}
	close(done)
	for i := 0; i < 4; i++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	page, err := g.FindObjects(as(jp), kizuna.ObjectFilter{Collection: w.c.ID, Types: []string{"indicator"}})
	if err != nil || len(page.Objects) != 16 {
		t.Errorf("%d indicators visible, want 16 (err %v)", len(page.Objects), err)
	}
}

// freshStore hands out copies of the MemStore's objects as a Fresh page,
// as the SQLite store does.
type freshStore struct{ *policytest.MemStore }

func (s freshStore) FindObjects(ctx context.Context, f kizuna.ObjectFilter) (*kizuna.ObjectPage, error) {
	page, err := s.MemStore.FindObjects(ctx, f)
	if err != nil {
		return nil, err
	}
	for i, o := range page.Objects {
		c := *o
		c.Raw = append(json.RawMessage(nil), o.Raw...)
		page.Objects[i] = &c
	}
	page.Fresh = true
	return page, nil
}

// filterSpy records the filters of the reads made through it, and runs
// afterFind, if set, after each.
type filterSpy struct {
	*policytest.MemStore
	filters   []kizuna.ObjectFilter
	afterFind func()
}

func (s *filterSpy) FindObjects(ctx context.Context, f kizuna.ObjectFilter) (*kizuna.ObjectPage, error) {
	s.filters = append(s.filters, f)
	page, err := s.MemStore.FindObjects(ctx, f)
	if s.afterFind != nil {
		s.afterFind()
	}
	return page, err
}

// TestGuardWriteLookupMarked checks that the stored versions the write
// rules need are read as a lookup for a write, which the store serves
// apart from the readers, and through no reader's scope.
func TestGuardWriteLookupMarked(t *testing.T) {
	w := newWorld(t)
	spy := &filterSpy{MemStore: w.store}
	g := policy.NewGuard(w.p, spy)
	us := reader("us", orgUS, "USA", nil, "USA:SECRET")
	secret := w.marking(map[string]any{"scheme": "USA", "level": "SECRET", "releasable_to": []string{"USA", "JPN"}})
	obj := w.indicator(orgUS, []string{secret})
	obj.Label = w.label(obj)
	if res, err := g.PutObjects(as(us), w.c.ID, []*kizuna.Object{obj}); err != nil || res[0].Err != nil {
		t.Fatalf("%+v %v", res, err)
	}
	if len(spy.filters) != 1 {
		t.Fatalf("%d reads for one write, want 1: %+v", len(spy.filters), spy.filters)
	}
	if f := spy.filters[0]; !f.ForWrite || !f.Access.Unrestricted || !f.Versions.Last || !slices.Equal(f.IDs, []string{obj.ID}) {
		t.Errorf("write lookup filter = %+v", f)
	}
	if b := obj.WriteBasis; b == nil || b.Found {
		t.Errorf("a first version's write basis = %+v, want none found", b)
	}
}

// spiedWorld returns a world whose guard reads through a filterSpy, and a
// SECRET marking releasable to the USA and Japan.
func spiedWorld(t *testing.T) (*world, *filterSpy, *policy.Guard, string) {
	w := newWorld(t)
	spy := &filterSpy{MemStore: w.store}
	return w, spy, policy.NewGuard(w.p, spy), w.marking(map[string]any{"scheme": "USA", "level": "SECRET", "releasable_to": []string{"USA", "JPN"}})
}

// TestGuardWriteOnStaleDecision: another organisation stores the first
// version of an id between the guard's lookup and its write. The store
// refuses the write, judged as a first version, and the guard judges it
// again on what is stored now: the owner rule refuses it, instead of a
// version being added to an object another organisation created.
func TestGuardWriteOnStaleDecision(t *testing.T) {
	w, spy, g, secret := spiedWorld(t)
	us := reader("us", orgUS, "USA", nil, "USA:SECRET")
	jp := reader("jp", orgJP, "JPN", nil, "JPN:kimitsu")

	theirs := w.indicator(orgJP, []string{secret})
	theirs.Label = w.label(theirs)
	var doc map[string]any
	_ = json.Unmarshal(theirs.Raw, &doc)
	doc["modified"] = "2026-02-01T00:00:00.000Z"
	doc["created_by_ref"] = orgUS
	mine := MustObject(t, MustJSON(t, doc))
	mine.Label = w.label(mine)

	spy.afterFind = func() {
		spy.afterFind = nil
		if res, err := g.PutObjects(as(jp), w.c.ID, []*kizuna.Object{theirs}); err != nil || res[0].Err != nil {
			t.Fatalf("the other organisation's write: %+v %v", res, err)
		}
	}
	res, err := g.PutObjects(as(us), w.c.ID, []*kizuna.Object{mine})
	if err != nil || kizuna.ErrorCode(res[0].Err) != kizuna.EFORBIDDEN || !strings.Contains(kizuna.ErrorMessage(res[0].Err), policy.RuleWriteOwner) {
		t.Fatalf("write on a stale decision: %+v %v, want judged again and refused by %s", res, err, policy.RuleWriteOwner)
	}
	if len(spy.filters) != 3 { // the first lookup, the other write's, the second judgement's
		t.Errorf("%d lookups, want 3", len(spy.filters))
	}
}

// TestGuardWriteStaleEveryTime: when every attempt's decision goes stale,
// the guard stops after three and the result is the conflict.
func TestGuardWriteStaleEveryTime(t *testing.T) {
	w, spy, g, secret := spiedWorld(t)
	us := reader("us", orgUS, "USA", nil, "USA:SECRET")
	first := w.indicator(orgUS, []string{secret})
	first.Label = w.label(first)
	var doc map[string]any
	_ = json.Unmarshal(first.Raw, &doc)
	version := func(day int) *kizuna.Object {
		doc["modified"] = fmt.Sprintf("2026-03-%02dT00:00:00.000Z", day)
		o := MustObject(t, MustJSON(t, doc))
		o.Label = w.label(o)
		return o
	}
	mine := version(1)
	day := 10
	var interfere func()
	interfere = func() {
		// Another writer of the same organisation adds a version after
		// each of this write's lookups.
		spy.afterFind = nil
		day++
		if res, err := g.PutObjects(as(us), w.c.ID, []*kizuna.Object{version(day)}); err != nil || res[0].Err != nil {
			t.Fatalf("interfering write: %+v %v", res, err)
		}
		spy.afterFind = interfere
	}
	spy.afterFind = interfere
	res, err := g.PutObjects(as(us), w.c.ID, []*kizuna.Object{mine})
	spy.afterFind = nil
	if err != nil || !errors.Is(res[0].Err, kizuna.ErrStaleWrite) || kizuna.ErrorCode(res[0].Err) != kizuna.ECONFLICT {
		t.Fatalf("%+v %v, want the stale-write conflict", res, err)
	}
	if day != 13 {
		t.Errorf("%d interfering writes, want one per attempt (3)", day-10)
	}
}
