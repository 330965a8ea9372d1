package defapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/defense"
	"github.com/kizuna-dev/kizuna/defense/consult"
	"github.com/kizuna-dev/kizuna/defense/defapi"
	"github.com/kizuna-dev/kizuna/defense/defstix"
	"github.com/kizuna-dev/kizuna/ingest"
	"github.com/kizuna-dev/kizuna/policy"
	"github.com/kizuna-dev/kizuna/stix"
	"github.com/kizuna-dev/kizuna/store/sqlite"
)

const (
	accessExt = "extension-definition--a6ad3f01-dcdd-4bf5-8b2f-242de041664e"
	tlpGreen  = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
	jpnOrg    = "identity--a1000000-0000-4000-8000-000000000001"
	usaOrg    = "identity--a2000000-0000-4000-8000-000000000002"
	ausOrg    = "identity--a3000000-0000-4000-8000-000000000003"
)

type fakeClock struct{ t time.Time }

func (c *fakeClock) Now() time.Time { return c.t }

// testNode is the defense API over a real store, policy guard and ingest,
// with the principal of each request set by the test.
type testNode struct {
	t      testing.TB
	db     *sqlite.DB
	srv    *httptest.Server
	coll   *kizuna.Collection
	worker *defapi.Worker
	clock  *fakeClock
	secret string // SECRET//REL TO USA, JPN
	users  map[string]*kizuna.Principal
	pol    *policy.Policy
	// exclusive is set while the worker runs a function under Exclusive,
	// as the instances of a node on PostgreSQL do; exclusives counts them.
	exclusive  atomic.Bool
	exclusives atomic.Int64
	// audits are the entries the server gave its audit hook.
	audits []*kizuna.AuditEvent
}

// receive stores an object as federation does with what a peer sends:
// labelled, with the peer as its origin.
func (n *testNode) receive(raw []byte, origin string) {
	n.t.Helper()
	ctx := context.Background()
	obj, err := stix.Parse(raw)
	if err != nil {
		n.t.Fatal(err)
	}
	obj.Origin = origin
	if obj.Label, obj.Portions, _, err = n.pol.Label(ctx, obj, n.coll); err != nil {
		n.t.Fatal(err)
	}
	if res, err := n.db.PutObjects(ctx, n.coll.ID, []*kizuna.Object{obj}); err != nil || res[0].Err != nil {
		n.t.Fatal(err, res)
	}
}

func newTestNode(t testing.TB) *testNode {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "kizuna.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	pol, err := policy.New(policy.DefaultConfig(), db)
	if err != nil {
		t.Fatal(err)
	}
	guard := policy.NewGuard(pol, db)
	in := ingest.New(db, guard, pol, nil)
	coll := &kizuna.Collection{Alias: "default", Title: "defense", CanRead: kizuna.AccessRule{Roles: []string{"reader"}},
		CanWrite: kizuna.AccessRule{Roles: []string{"publisher"}}, DefaultMarkingRefs: []string{tlpGreen}}
	if err := db.CreateCollection(ctx, coll); err != nil {
		t.Fatal(err)
	}
	n := &testNode{t: t, db: db, coll: coll, pol: pol, clock: &fakeClock{t: time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)}}
	n.secret = "marking-definition--" + kizuna.NewUUID()
	marking := `{"type":"marking-definition","spec_version":"2.1","id":"` + n.secret + `","created":"2026-01-01T00:00:00.000Z",
		"name":"SECRET//REL TO USA, JPN","extensions":{"` + accessExt + `":{"extension_type":"property-extension","scheme":"USA","level":"SECRET","releasable_to":["USA","JPN"]}}}`
	if res, err := in.Ingest(ingest.AsOperator(ctx), coll.ID, []json.RawMessage{json.RawMessage(marking)}); err != nil || res[0].Err != nil {
		t.Fatal(err, res)
	}
	e, err := defense.LoadDefaults()
	if err != nil {
		t.Fatal(err)
	}
	cfgData, _ := defense.Defaults.ReadFile("defaults/consultation.json")
	cfg, err := consult.Load(cfgData, "consultation.json")
	if err != nil {
		t.Fatal(err)
	}
	m := consult.New(cfg, n.clock)
	n.worker = &defapi.Worker{Machine: m, Store: db, Ingester: operator{in, n},
		Exclusive: func(ctx context.Context, fn func() error) error {
			if !n.exclusive.CompareAndSwap(false, true) {
				t.Error("the worker entered Exclusive twice at once")
			}
			defer n.exclusive.Store(false)
			n.exclusives.Add(1)
			return fn()
		}}
	in.Subscribe(n.worker.Notify) // as the node does: Notify runs while the worker stores a version
	s := &defapi.Server{Engine: e, Consult: m, Objects: guard, Collections: guard, Ingester: in, Collection: "default",
		Clock: n.clock, Worker: n.worker, Audit: func(_ context.Context, e *kizuna.AuditEvent) { n.audits = append(n.audits, e) }, WriteError: func(w http.ResponseWriter, r *http.Request, err error) {
			status := map[string]int{kizuna.EINVALID: 400, kizuna.EFORBIDDEN: 403, kizuna.ENOTFOUND: 404, kizuna.ECONFLICT: 409, kizuna.ETOOLARGE: 413}[kizuna.ErrorCode(err)]
			if status == 0 {
				status = 500
			}
			http.Error(w, kizuna.ErrorMessage(err), status)
		}}
	n.users = map[string]*kizuna.Principal{
		"usa": {ID: "principal--" + kizuna.NewUUID(), Name: "usa", Nation: "USA", Organization: usaOrg,
			Roles: []string{"reader", "publisher", "poc"}, Clearances: []kizuna.Classification{{Scheme: "USA", Level: "SECRET"}}},
		"jpn": {ID: "principal--" + kizuna.NewUUID(), Name: "jpn", Nation: "JPN", Organization: jpnOrg,
			Roles: []string{"reader", "publisher", "poc"}, Clearances: []kizuna.Classification{{Scheme: "JPN", Level: "極秘"}}},
		"aus": {ID: "principal--" + kizuna.NewUUID(), Name: "aus", Nation: "AUS", Organization: ausOrg,
			Roles: []string{"reader", "publisher", "poc"}, Clearances: []kizuna.Classification{{Scheme: "AUS", Level: "SECRET"}}},
	}
	h := s.Handler(http.NotFoundHandler())
	n.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := n.users[r.Header.Get("X-Test-User")]
		h.ServeHTTP(w, r.WithContext(kizuna.NewContextWithPrincipal(r.Context(), p)))
	}))
	t.Cleanup(n.srv.Close)
	return n
}

// operator is the worker's ingest: every version it stores is built and
// stored under Exclusive.
type operator struct {
	in *ingest.Service
	n  *testNode
}

func (o operator) Ingest(ctx context.Context, coll string, raws []json.RawMessage) ([]kizuna.PutResult, error) {
	if !o.n.exclusive.Load() {
		o.n.t.Error("the worker stored a consultation version outside Exclusive")
	}
	return o.in.Ingest(ingest.AsOperator(ctx), coll, raws)
}

// do sends a request as a user and decodes the JSON answer into out (when
// not nil); it returns the status and the body.
func (n *testNode) do(user, method, path string, body any, out any) (int, string) {
	n.t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, _ := http.NewRequest(method, n.srv.URL+path, rd)
	req.Header.Set("X-Test-User", user)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		n.t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(buf.Bytes(), out); err != nil {
			n.t.Fatalf("%s %s: %v: %s", method, path, err, buf.String())
		}
	}
	return resp.StatusCode, buf.String()
}

func (n *testNode) must(user, method, path string, body any, want int, out any) {
	n.t.Helper()
	if code, b := n.do(user, method, path, body, out); code != want {
		n.t.Fatalf("%s %s %s: %d %s, want %d", user, method, path, code, b, want)
	}
}

// incident returns an incident of usaOrg with an availability impact.
func incident(t testing.TB, markings []string) (id string, body map[string]any) {
	t.Helper()
	t0 := time.Date(2026, 11, 20, 2, 40, 0, 0, time.UTC)
	imp := &kizuna.Impact{ID: "impact--" + kizuna.NewUUID(), Created: t0, Modified: t0, CreatedByRef: usaOrg, MarkingRefs: markings,
		Category: "availability", Availability: 85, Start: t0}
	inc := &kizuna.Incident{ID: "incident--" + kizuna.NewUUID(), Name: "Destructive attack on a container terminal", Created: t0, Modified: t0,
		CreatedByRef: usaOrg, MarkingRefs: markings, Determination: "confirmed", InvestigationStatus: "open",
		ImpactRefs: []string{imp.ID}, Alliance: &kizuna.AllianceFacts{AffectedNations: []string{"JPN"}, Sectors: []string{"jp.ports"},
			PhysicalDamage: "damaged-nonfunctional", Injuries: 2, DurationHours: 96,
			SuspectedActorRef: "intrusion-set--2b3c4d5e-6f70-4182-93a4-b5c6d7e8f901",
			EvidenceRefs:      []string{"indicator--9e8d7c6b-5a49-4837-a261-5f4e3d2c1b0a"}}}
	ri, err := defstix.EncodeIncident(inc)
	if err != nil {
		t.Fatal(err)
	}
	rm, err := defstix.EncodeImpact(imp)
	if err != nil {
		t.Fatal(err)
	}
	return inc.ID, map[string]any{"incident": json.RawMessage(ri), "impacts": []json.RawMessage{rm}}
}

var answers = map[string]any{"answers": []map[string]any{
	{"factor": "severity", "degree": "high", "confidence": 80, "analyst_ref": usaOrg},
	{"factor": "state_involvement", "degree": "high", "confidence": 75, "analyst_ref": usaOrg}}}
