package taxii_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/ingest"
	"github.com/kizuna-dev/kizuna/policy"
	"github.com/kizuna-dev/kizuna/taxii"
)

// MustPostPending posts objects to the shared collection as the named
// principal and returns the first answer, which must be 202: pending, or
// the final status of a small envelope.
func MustPostPending(tb testing.TB, n *node, name string, objs ...[]byte) taxii.StatusResource {
	tb.Helper()
	raws := make([]string, len(objs))
	for i, o := range objs {
		raws[i] = string(o)
	}
	r := MustDo(tb, n, request{method: "POST", path: n.objectsPath(), token: n.tokens[name],
		contentType: taxii.MediaTypeTAXII, body: envelopeOf(raws...)})
	if r.status != http.StatusAccepted {
		tb.Fatalf("POST: %d %s", r.status, r.body)
	}
	var st taxii.StatusResource
	MustDecode(tb, r, &st)
	return st
}

// releasability is a marking-definition a publisher may define: it only
// narrows who may read.
func releasability(id string) []byte {
	return []byte(`{"type":"marking-definition","spec_version":"2.1","id":"` + id + `","created":"2026-01-01T00:00:00.000Z",` +
		`"name":"REL TO USA, JPN","extensions":{"` + policy.ExtensionID + `":{"extension_type":"property-extension","releasable_to":["USA","JPN"]}}}`)
}

// A client that posts a marking-definition and, right after the 202, the
// objects it marks, finds them all stored: envelopes of one principal into
// one collection are committed in the order they were accepted, even when
// the first one is large and several workers are free.
func TestPostsOfOnePrincipalCommitInOrder(t *testing.T) {
	n := MustNode(t, taxii.Config{SyncWait: -1, Workers: 4})
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	md := "marking-definition--" + kizuna.NewUUID()
	// The marking comes last in a large envelope, so that it is stored
	// well after a small envelope accepted next would have been, were the
	// two run side by side.
	var first [][]byte
	for i := range 2000 {
		first = append(first, stixIndicator(100_000+i, at, orgUSA, policy.TLP2Clear))
	}
	first = append(first, releasability(md))
	var second [][]byte
	for i := range 5 {
		obj := stixIndicator(200_000+i, at, orgUSA, policy.TLP2Clear)
		second = append(second, []byte(strings.Replace(string(obj), `"object_marking_refs":["`, `"object_marking_refs":["`+md+`","`, 1)))
	}
	a := MustPostPending(t, n, "usa-publisher", first...)
	b := MustPostPending(t, n, "usa-publisher", second...)
	if a.Status != kizuna.StatusPending || b.Status != kizuna.StatusPending {
		t.Fatalf("with SyncWait < 0 both POSTs answer pending: %s, %s", a.Status, b.Status)
	}
	if st := MustWaitStatus(t, n, a.ID, n.tokens["usa-publisher"]); st.SuccessCount != len(first) {
		t.Fatalf("first envelope: %d of %d stored: %+v", st.SuccessCount, len(first), st.Failures[:min(3, len(st.Failures))])
	}
	if st := MustWaitStatus(t, n, b.ID, n.tokens["usa-publisher"]); st.SuccessCount != len(second) {
		t.Fatalf("objects posted after their marking-definition: %d of %d stored: %+v", st.SuccessCount, len(second), st.Failures)
	}
}

// gate is an ingester that holds every call of the gated principal until
// it is opened, to keep an envelope in the queue for as long as a test
// needs.
type gate struct {
	next      kizuna.Ingester
	principal string
	entered   chan struct{}
	open      chan struct{}
	once      sync.Once
}

func newGate(next kizuna.Ingester, principal string) *gate {
	return &gate{next: next, principal: principal, entered: make(chan struct{}), open: make(chan struct{})}
}

func (g *gate) Ingest(ctx context.Context, coll string, objs []json.RawMessage) ([]kizuna.PutResult, error) {
	if p := kizuna.PrincipalFromContext(ctx); p != nil && p.Name == g.principal {
		g.once.Do(func() { close(g.entered) })
		<-g.open
	}
	return g.next.Ingest(ctx, coll, objs)
}

// Envelopes of different principals, or of one principal into different
// collections, still run side by side: only one lane waits.
func TestPostsOfOtherLanesRunConcurrently(t *testing.T) {
	f := MustFixture(t, taxii.Config{SyncWait: -1})
	held := make(chan struct{})
	f.ingester.IngestFn = func(ctx context.Context, coll string, objs []json.RawMessage) ([]kizuna.PutResult, error) {
		if coll == openID && kizuna.PrincipalFromContext(ctx).Name == "root" {
			<-held
		}
		return judge(ctx, coll, objs)
	}
	defer close(held)
	blocked := post(f, t, envelopeOf(goodObject), "tok-root")
	var st taxii.StatusResource
	MustDecode(t, blocked, &st)
	// alice into the same collection, and root into another one, are not
	// queued behind root's held envelope.
	MustWaitStatus(t, f, mustStatusID(t, post(f, t, envelopeOf(goodObject), "tok-alice")), "tok-alice")
	r := MustDo(t, f, request{method: "POST", path: objectsPath(secretID), token: "tok-root", contentType: taxii.MediaTypeTAXII, body: envelopeOf(goodObject)})
	MustWaitStatus(t, f, mustStatusID(t, r), "tok-root")
	// root's second envelope into the held collection waits behind the
	// first.
	second := mustStatusID(t, post(f, t, envelopeOf(goodObject), "tok-root"))
	for _, id := range []string{st.ID, second} {
		if got := MustDecodeStatus(t, f, id, "tok-root"); got.Status != kizuna.StatusPending {
			t.Errorf("status %s of the held lane: %s, want pending", id, got.Status)
		}
	}
}

func mustStatusID(tb testing.TB, r response) string {
	tb.Helper()
	var st taxii.StatusResource
	MustDecode(tb, r, &st)
	if r.status != http.StatusAccepted || st.ID == "" {
		tb.Fatalf("POST: %d %s", r.status, r.body)
	}
	return st.ID
}

// MustDecodeStatus GETs a status once.
func MustDecodeStatus(tb testing.TB, f target, id, token string) taxii.StatusResource {
	tb.Helper()
	r := MustDo(tb, f, request{path: "/taxii2/api/status/" + id + "/", token: token})
	if r.status != 200 {
		tb.Fatalf("status %s: %d %s", id, r.status, r.body)
	}
	var st taxii.StatusResource
	MustDecode(tb, r, &st)
	return st
}

// A small POST answers with its final status, so that a client posting one
// envelope after another need not poll; a large one answers pending at
// once.
func TestSmallPostAnswersFinalStatus(t *testing.T) {
	n := MustNode(t, taxii.Config{SyncObjects: 50})
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	bad := []byte(`{"type":"indicator","spec_version":"2.1","id":"indicator--` + kizuna.NewUUID() + `"}`)
	st := MustPostPending(t, n, "usa-publisher", stixIndicator(1, at, orgUSA, policy.TLP2Clear), stixIndicator(2, at, orgUSA, policy.TLP2Clear), bad)
	if st.Status != kizuna.StatusComplete || st.SuccessCount != 2 || st.FailureCount != 1 || st.PendingCount != 0 || len(st.Successes) != 2 {
		t.Fatalf("small POST answered %+v, want complete with 2 successes and 1 failure", st)
	}
	if !strings.Contains(st.Failures[0].Message, "required") {
		t.Errorf("failure detail %+v does not say what is wrong", st.Failures[0])
	}
	var large [][]byte
	for i := range 51 {
		large = append(large, stixIndicator(1000+i, at, orgUSA, policy.TLP2Clear))
	}
	st = MustPostPending(t, n, "usa-publisher", large...)
	if st.Status != kizuna.StatusPending || st.PendingCount != 51 {
		t.Fatalf("large POST answered %s with %d pendings, want pending with 51", st.Status, st.PendingCount)
	}
	if final := MustWaitStatus(t, n, st.ID, n.tokens["usa-publisher"]); final.SuccessCount != 51 {
		t.Fatalf("large POST: %+v", final)
	}
}

// An envelope accepted from a principal that is revoked before the envelope
// is processed stores nothing, and its status says why.
func TestRevokedPrincipalsQueuedPostIsNotIngested(t *testing.T) {
	n := MustNode(t, taxii.Config{SyncWait: -1})
	g := newGate(n.ingester, "usa-publisher")
	n.srv.Ingester = g
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	held := MustPostPending(t, n, "usa-publisher", stixIndicator(1, at, orgUSA, policy.TLP2Clear))
	<-g.entered // the first envelope is being ingested, checked before the revocation
	queued := MustPostPending(t, n, "usa-publisher", stixIndicator(2, at, orgUSA, policy.TLP2Clear))
	ctx := context.Background()
	if err := n.db.RevokePrincipal(ctx, "usa-publisher"); err != nil {
		t.Fatal(err)
	}
	close(g.open)
	// Revoked, the poster can no longer read its statuses: read the store.
	final := func(id string) *kizuna.Status {
		deadline := time.Now().Add(10 * time.Second)
		for {
			st, err := n.db.FindStatusByID(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if st.Status == kizuna.StatusComplete {
				return st
			}
			if time.Now().After(deadline) {
				t.Fatalf("status %s still pending", id)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	if st := final(held.ID); len(st.Successes) != 1 {
		t.Errorf("the envelope being ingested at the revocation: %+v", st)
	}
	st := final(queued.ID)
	if len(st.Successes) != 0 || len(st.Failures) != 1 || !strings.Contains(st.Failures[0].Message, "revoked") {
		t.Fatalf("queued envelope of a revoked principal: %+v", st)
	}
	env, _ := MustEnvelope(t, n, n.objectsPath()+"?match[id]="+indicatorID(2), "jpn-reader")
	if len(env.Objects) != 0 {
		t.Fatalf("the revoked principal's queued object was stored: %s", env.Objects[0])
	}
}

// A status is its poster's: any other principal, an admin included, gets
// the same 404 as for a status that does not exist, and no object id.
func TestStatusIsThePostersOnly(t *testing.T) {
	n := MustNode(t, taxii.Config{})
	st := MustPostNode(t, n, "usa-publisher", stixIndicator(1, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), orgUSA, policy.TLP2Clear))
	absent := kizuna.NewUUID()
	missing := MustError(t, MustDo(t, n, request{path: "/taxii2/api/status/" + absent + "/", token: n.tokens["operator"]}), 404)
	for _, who := range []string{"operator", "jpn-publisher", "jpn-reader"} {
		r := MustDo(t, n, request{path: "/taxii2/api/status/" + st.ID + "/", token: n.tokens[who]})
		em := MustError(t, r, 404)
		if strings.Contains(string(r.body), indicatorID(1)) {
			t.Errorf("%s: the 404 names the posted object: %s", who, r.body)
		}
		if strings.ReplaceAll(em.Description, st.ID, "X") != strings.ReplaceAll(missing.Description, absent, "X") {
			t.Errorf("%s: the 404 for another's status %q differs from the one for a missing status %q", who, em.Description, missing.Description)
		}
	}
	if got := MustDecodeStatus(t, n, st.ID, n.tokens["usa-publisher"]); got.SuccessCount != 1 {
		t.Errorf("the poster reads %+v", got)
	}
}

// Envelopes that wait in one lane are ingested together, and each status
// still reports its own objects, in order: a marking-definition, objects
// it marks, and an envelope with an invalid object.
func TestQueuedEnvelopesKeepTheirOwnStatuses(t *testing.T) {
	n := MustNode(t, taxii.Config{SyncWait: -1})
	g := newGate(n.ingester, "usa-publisher")
	n.srv.Ingester = g
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	first := MustPostPending(t, n, "usa-publisher", stixIndicator(1, at, orgUSA, policy.TLP2Clear))
	<-g.entered
	md := "marking-definition--" + kizuna.NewUUID()
	marked := strings.Replace(string(stixIndicator(3, at, orgUSA, policy.TLP2Clear)), `"object_marking_refs":["`, `"object_marking_refs":["`+md+`","`, 1)
	bad := []byte(`{"type":"indicator","spec_version":"2.1","id":"indicator--` + kizuna.NewUUID() + `"}`)
	queued := []struct {
		objects             [][]byte
		successes, failures int
	}{
		{[][]byte{releasability(md), stixIndicator(2, at, orgUSA, policy.TLP2Clear)}, 2, 0},
		{[][]byte{[]byte(marked)}, 1, 0},
		{[][]byte{stixIndicator(4, at, orgUSA, policy.TLP2Clear), bad, stixIndicator(5, at, orgUSA, policy.TLP2Clear)}, 2, 1},
	}
	ids := make([]string, len(queued))
	for i, q := range queued {
		ids[i] = MustPostPending(t, n, "usa-publisher", q.objects...).ID
	}
	close(g.open)
	MustWaitStatus(t, n, first.ID, n.tokens["usa-publisher"])
	for i, q := range queued {
		st := MustWaitStatus(t, n, ids[i], n.tokens["usa-publisher"])
		if st.SuccessCount != q.successes || st.FailureCount != q.failures || st.TotalCount != len(q.objects) {
			t.Fatalf("envelope %d: %d successes, %d failures of %d; want %d and %d: %+v", i, st.SuccessCount, st.FailureCount, st.TotalCount, q.successes, q.failures, st)
		}
		var want []string
		for _, o := range q.objects {
			var head struct{ ID string }
			json.Unmarshal(o, &head)
			want = append(want, head.ID)
		}
		var got []string
		for _, d := range append(st.Successes, st.Failures...) {
			got = append(got, d.ID)
		}
		for _, id := range want {
			if !slices.Contains(got, id) {
				t.Errorf("envelope %d: its status lacks %s: %v", i, id, got)
			}
		}
	}
}

// TestOnePrincipalCannotStarveOthers: a principal that posts envelope
// after envelope holds at most its share of the POST queue; past it, its
// own POSTs are answered 429 with Retry-After, and another principal's
// POST is still accepted and ingested. Once the first principal's
// envelopes are done, it may post again.
func TestOnePrincipalCannotStarveOthers(t *testing.T) {
	// Alice's envelopes run one after another (one lane), so one worker
	// is left for others; the share is (2+6)/4 = 2.
	f := MustFixture(t, taxii.Config{Workers: 2, QueueSize: 6})
	release := make(chan struct{})
	var once sync.Once
	t.Cleanup(func() { once.Do(func() { close(release) }) })
	f.ingester.IngestFn = func(ctx context.Context, coll string, objs []json.RawMessage) ([]kizuna.PutResult, error) {
		if p := kizuna.PrincipalFromContext(ctx); p != nil && p.Name == "alice" {
			<-release
		}
		return judge(ctx, coll, objs)
	}
	var ids []string
	for i := range 2 {
		r := post(f, t, envelopeOf(goodObject), "tok-alice")
		if r.status != http.StatusAccepted {
			t.Fatalf("alice's post %d: %d %s", i, r.status, r.body)
		}
		var st taxii.StatusResource
		MustDecode(t, r, &st)
		ids = append(ids, st.ID)
	}
	for range 3 {
		r := post(f, t, envelopeOf(goodObject), "tok-alice")
		if em := MustError(t, r, http.StatusTooManyRequests); !strings.Contains(em.Description, "share of the queue") {
			t.Errorf("alice past her share: %q", em.Description)
		}
		if r.header.Get("Retry-After") == "" {
			t.Errorf("429 without Retry-After")
		}
	}
	r := post(f, t, envelopeOf(goodObject), "tok-root")
	if r.status != http.StatusAccepted {
		t.Fatalf("root's post while alice holds her share: %d %s", r.status, r.body)
	}
	var st taxii.StatusResource
	MustDecode(t, r, &st)
	if st = MustWaitStatus(t, f, st.ID, "tok-root"); st.SuccessCount != 1 {
		t.Errorf("root's status: %+v", st)
	}
	once.Do(func() { close(release) })
	for _, id := range ids {
		MustWaitStatus(t, f, id, "tok-alice")
	}
	// The slots are given back as the envelopes finish.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		r := post(f, t, envelopeOf(goodObject), "tok-alice")
		if r.status == http.StatusAccepted {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("alice still refused after her envelopes finished: %d %s", r.status, r.body)
		}
	}
}

// ahead is an ingester that prepares apart from committing, as
// ingest.Service does, and records the order of its calls: the first
// envelope's commit waits until the test has posted the others and the
// next one is being prepared.
type ahead struct {
	next      *ingest.Service
	mu        sync.Mutex
	events    []string
	preparing chan struct{} // closed when a second envelope is prepared
	once      sync.Once
	open      chan struct{} // closed once the test has posted everything
}

func (a *ahead) record(e string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.events = append(a.events, e)
}

func (a *ahead) Ingest(ctx context.Context, coll string, objs []json.RawMessage) ([]kizuna.PutResult, error) {
	a.record("ingest " + firstID(objs))
	for _, ch := range []chan struct{}{a.open, a.preparing} {
		select {
		case <-ch:
		case <-time.After(10 * time.Second):
		}
	}
	return a.next.Ingest(ctx, coll, objs)
}

func (a *ahead) PrepareIngest(ctx context.Context, objs []json.RawMessage) func(context.Context, string) ([]kizuna.PutResult, error) {
	a.record("prepare " + firstID(objs))
	a.once.Do(func() { close(a.preparing) })
	commit := a.next.PrepareIngest(ctx, objs)
	return func(ctx context.Context, coll string) ([]kizuna.PutResult, error) {
		a.record("commit " + firstID(objs))
		return commit(ctx, coll)
	}
}

// firstID is the id of the first object of an envelope.
func firstID(objs []json.RawMessage) string {
	var h struct{ ID string }
	json.Unmarshal(objs[0], &h)
	return h.ID
}

// While a lane's envelope commits, the next one, queued behind it, is
// prepared (parsed, validated, a peer's signatures checked): the commits
// still run in the order the envelopes were accepted, each once, and a
// client that prefers an answer at once (Prefer: respond-async) gets the
// pending status of a small envelope without waiting for its ingest.
func TestNextEnvelopePreparedWhileOneCommits(t *testing.T) {
	n := MustNode(t, taxii.Config{IngestBatch: 4})
	a := &ahead{next: n.ingester, preparing: make(chan struct{}), open: make(chan struct{})}
	n.srv.Ingester = a
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var ids []string
	for e := range 3 {
		var raws []string
		for i := range 3 {
			raws = append(raws, string(stixIndicator(300_000+10*e+i, at, orgUSA, policy.TLP2Clear)))
		}
		r := MustDo(t, n, request{method: "POST", path: n.objectsPath(), token: n.tokens["usa-publisher"],
			contentType: taxii.MediaTypeTAXII, body: envelopeOf(raws...), header: http.Header{"Prefer": {"respond-async"}}})
		var st taxii.StatusResource
		MustDecode(t, r, &st)
		if r.status != http.StatusAccepted || st.Status != kizuna.StatusPending {
			t.Fatalf("POST preferring respond-async: %d %s, want 202 pending", r.status, r.body)
		}
		ids = append(ids, st.ID)
	}
	close(a.open) // the first envelope commits once all three are queued
	for _, id := range ids {
		if st := MustWaitStatus(t, n, id, n.tokens["usa-publisher"]); st.SuccessCount != 3 {
			t.Fatalf("status %s: %+v", id, st)
		}
	}
	a.mu.Lock()
	events := slices.Clone(a.events)
	a.mu.Unlock()
	var commits []string
	for _, e := range events {
		if !strings.HasPrefix(e, "prepare") {
			commits = append(commits, e)
		}
	}
	want := []string{"ingest " + indicatorID(300_000), "commit " + indicatorID(300_010), "commit " + indicatorID(300_020)}
	if !slices.Equal(commits, want) {
		t.Fatalf("calls %v: want the first envelope ingested, the others prepared ahead and committed, in order", events)
	}
	if i, j := slices.IndexFunc(events, func(e string) bool { return strings.HasPrefix(e, "prepare") }), slices.Index(events, commits[0]); i < 0 || i > j+1 {
		t.Errorf("the second envelope was not prepared while the first committed: %v", events)
	}
}

// An envelope prepared ahead of its commit is committed with the rights its
// principal holds at the commit: one revoked meanwhile stores nothing.
func TestPreparedEnvelopeOfRevokedPrincipalIsNotStored(t *testing.T) {
	n := MustNode(t, taxii.Config{IngestBatch: 4})
	a := &ahead{next: n.ingester, preparing: make(chan struct{}), open: make(chan struct{})}
	n.srv.Ingester = a
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var ids []string
	for e := range 3 {
		var raws []string
		for i := range 3 {
			raws = append(raws, string(stixIndicator(400_000+10*e+i, at, orgUSA, policy.TLP2Clear)))
		}
		r := MustDo(t, n, request{method: "POST", path: n.objectsPath(), token: n.tokens["usa-publisher"],
			contentType: taxii.MediaTypeTAXII, body: envelopeOf(raws...), header: http.Header{"Prefer": {"respond-async"}}})
		var st taxii.StatusResource
		MustDecode(t, r, &st)
		ids = append(ids, st.ID)
	}
	<-a.preparing
	ctx := context.Background()
	if err := n.db.RevokePrincipal(ctx, "usa-publisher"); err != nil {
		t.Fatal(err)
	}
	close(a.open)
	// The first envelope was checked, and is being ingested, before the
	// revocation; the two behind it are prepared.
	for i, id := range ids[1:] {
		var st *kizuna.Status
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
			var err error
			if st, err = n.db.FindStatusByID(ctx, id); err != nil {
				t.Fatal(err)
			}
			if st.Status == kizuna.StatusComplete || time.Now().After(deadline) {
				break
			}
		}
		if st.Status != kizuna.StatusComplete || len(st.Successes) != 0 {
			t.Errorf("envelope %d, prepared before the revocation, committed after it: %+v", i+1, st)
		}
	}
}
