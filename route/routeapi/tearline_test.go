package routeapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/node"
	"github.com/kizuna-dev/kizuna/node/nodetest"
	"github.com/kizuna-dev/kizuna/policy"
	"github.com/kizuna-dev/kizuna/route"
	"github.com/kizuna-dev/kizuna/route/routeapi"
	"github.com/kizuna-dev/kizuna/sector"
)

const (
	orgPortSecurity = "identity--b1000000-0000-4000-8000-000000000001" // jp.ports, cleared analysts
	orgPortOperator = "identity--b1000000-0000-4000-8000-000000000002" // jp.ports, uncleared
	orgCERT         = "identity--b1000000-0000-4000-8000-000000000003" // the releaser's, no sector
	gokuhi          = "marking-definition--b2000000-0000-4000-8000-000000000001"
	reportID        = "report--b3000000-0000-4000-8000-000000000001"
)

// world is a served JPN node with the sector engine mounted, two port
// organisations, and principals by name with their tokens.
type world struct {
	t      *testing.T
	s      *nodetest.Served
	coll   string
	tokens map[string]string
	prs    map[string]*kizuna.Principal
}

func mustJSON(t *testing.T, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newWorld(t *testing.T) *world {
	t.Helper()
	s := nodetest.Serve(t, nodetest.Options{Nation: "JPN"}, node.ServeConfig{Mounts: []node.Mount{routeapi.Mount(routeapi.Options{
		WebhookEvery: 20 * time.Millisecond, BaseDelay: 10 * time.Millisecond, MaxDelay: 20 * time.Millisecond})}})
	w := &world{t: t, s: s, tokens: map[string]string{}, prs: map[string]*kizuna.Principal{}}
	ctx := context.Background()
	c := &kizuna.Collection{Title: "ports", DefaultMarkingRefs: []string{policy.TLP2Green},
		CanRead:  kizuna.AccessRule{Roles: []string{kizuna.RoleReader}},
		CanWrite: kizuna.AccessRule{Roles: []string{kizuna.RolePublisher}}}
	if err := s.Store.CreateCollection(ctx, c); err != nil {
		t.Fatal(err)
	}
	w.coll = c.ID
	if err := s.ImportRaw(ctx, node.DirectoryAlias, []json.RawMessage{mustJSON(t, map[string]any{"type": "marking-definition", "spec_version": "2.1",
		"id": gokuhi, "created": "2026-01-01T00:00:00.000Z", "name": "JPN 極秘",
		"extensions": map[string]any{policy.ExtensionID: map[string]any{"extension_type": "property-extension", "scheme": "JPN", "level": "gokuhi"}}})}); err != nil {
		t.Fatal(err)
	}
	var ids []json.RawMessage
	for _, o := range []struct{ id, name string }{{orgPortSecurity, "Port Security Office"}, {orgPortOperator, "Yokohama Container Terminal Co."}} {
		ids = append(ids, mustJSON(t, map[string]any{"type": "identity", "spec_version": "2.1", "id": o.id, "created": "2026-01-01T00:00:00.000Z",
			"modified": "2026-01-01T00:00:00.000Z", "name": o.name, "identity_class": "organization", "sectors": []string{"transportation"},
			"object_marking_refs": []string{policy.TLP2Clear},
			"extensions":          map[string]any{sector.ExtSectors: map[string]any{"extension_type": "property-extension", "national_sectors": []string{"jp.ports"}}}}))
	}
	if err := s.ImportRaw(ctx, c.ID, ids); err != nil {
		t.Fatal(err)
	}
	gk := []kizuna.Classification{{Scheme: "JPN", Level: "gokuhi"}}
	for _, p := range []*kizuna.Principal{
		{Name: "analyst", Organization: orgPortSecurity, Nation: "JPN", Clearances: gk, Roles: []string{kizuna.RoleReader, kizuna.RolePublisher}},
		{Name: "operator", Organization: orgPortOperator, Nation: "JPN", Roles: []string{kizuna.RoleReader}},
		{Name: "releaser", Organization: orgCERT, Nation: "JPN", Clearances: gk, Roles: []string{kizuna.RoleReader, kizuna.RolePublisher, kizuna.RoleReleaser}},
		{Name: "cleared-reader", Organization: orgCERT, Nation: "JPN", Clearances: gk, Roles: []string{kizuna.RoleReader, kizuna.RolePublisher}},
		{Name: "uncleared-releaser", Organization: orgCERT, Nation: "JPN", Roles: []string{kizuna.RoleReader, kizuna.RolePublisher, kizuna.RoleReleaser}},
	} {
		tok := kizuna.NewToken()
		if err := s.Store.CreatePrincipal(ctx, p, kizuna.HashToken(tok)); err != nil {
			t.Fatal(err)
		}
		w.tokens[p.Name], w.prs[p.Name] = tok, p
	}
	w.tokens["admin"] = s.Admin
	return w
}

// do makes a request as the named principal and returns the status and
// body.
func (w *world) do(method, path, user string, body any) (int, []byte) {
	w.t.Helper()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(mustJSON(w.t, body))
	}
	req, err := http.NewRequest(method, w.s.Base+path, r)
	if err != nil {
		w.t.Fatal(err)
	}
	req.SetBasicAuth(user, w.tokens[user])
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/taxii+json;version=2.1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

type inbox struct {
	Notices []route.Notice
	Offers  []route.Offer
}

func (w *world) getInbox(user string) inbox {
	w.t.Helper()
	code, body := w.do("GET", "/api/v1/inbox", user, nil)
	if code != http.StatusOK {
		w.t.Fatalf("inbox of %s: %d %s", user, code, body)
	}
	var out inbox
	if err := json.Unmarshal(body, &out); err != nil {
		w.t.Fatal(err)
	}
	return out
}

func (w *world) inbox(user string) []route.Notice { return w.getInbox(user).Notices }

func (w *world) offers(user string) []route.Offer { return w.getInbox(user).Offers }

// waitInbox polls the principal's inbox until it holds a notice of the
// object (routing runs after ingest, in the background).
func (w *world) waitInbox(user, object string) route.Notice {
	w.t.Helper()
	for range 500 {
		for _, n := range w.inbox(user) {
			if n.Object == object {
				return n
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	w.t.Fatalf("%s got no notice of %s", user, object)
	return route.Notice{}
}

// waitUntil polls cond, under mu, until it holds or about ten seconds
// have passed (the webhook sender runs in the background).
func waitUntil(mu *sync.Mutex, cond func() bool) {
	for range 500 {
		mu.Lock()
		ok := cond()
		mu.Unlock()
		if ok {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// publish ingests objects as the named principal through the node's
// ingest (what a TAXII POST runs).
func (w *world) publish(user string, objs ...json.RawMessage) {
	w.t.Helper()
	ctx := kizuna.NewContextWithPrincipal(context.Background(), w.prs[user])
	res, err := w.s.Ingest.Ingest(ctx, w.coll, objs)
	if err != nil {
		w.t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != nil {
			w.t.Fatalf("%s: %v", r.ID, r.Err)
		}
	}
}

// The acceptance test of tearlines: a JPN 極秘 report about a port
// operator's OT network reaches the cleared analysts; an uncleared port
// operator gets nothing until a releaser approves a tearline, then gets
// exactly the approved content (in its inbox and by signed webhook), and
// the audit log records the release.
func TestTearlineReachesUnclearedOperator(t *testing.T) {
	w := newWorld(t)

	// The port operator's webhook: fails twice, then recovers.
	var mu sync.Mutex
	var attempts []string // idempotency keys, in order
	delivered := map[string][]byte{}
	var secret []byte
	fails := 2
	recv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		key := r.Header.Get("Idempotency-Key")
		attempts = append(attempts, key)
		if fails > 0 {
			fails--
			http.Error(rw, "down", http.StatusServiceUnavailable)
			return
		}
		if err := route.VerifySignature(secret, r.Header.Get("Kizuna-Signature"), body, time.Now(), time.Minute); err != nil {
			t.Errorf("signature: %v", err)
			http.Error(rw, "bad signature", http.StatusUnauthorized)
			return
		}
		delivered[key] = body
	}))
	defer recv.Close()
	code, body := w.do("POST", "/api/v1/webhooks", "operator", map[string]string{"principal": "operator", "url": recv.URL})
	if code != http.StatusForbidden {
		t.Fatalf("a non-admin registered a webhook: %d %s", code, body)
	}
	code, body = w.do("POST", "/api/v1/webhooks", "admin", map[string]string{"principal": "operator", "url": recv.URL})
	if code != http.StatusCreated {
		t.Fatalf("webhook: %d %s", code, body)
	}
	var ep struct{ ID, Secret string }
	json.Unmarshal(body, &ep)
	mu.Lock()
	secret = []byte(ep.Secret)
	mu.Unlock()

	report := mustJSON(t, map[string]any{"type": "report", "spec_version": "2.1", "id": reportID, "created_by_ref": orgPortSecurity,
		"created": "2026-12-08T09:00:00.000Z", "modified": "2026-12-08T09:00:00.000Z", "name": "Intrusion into the OT network of a Yokohama port operator",
		"description": "Crane PLCs at berth 7 reached through the vendor's VPN 203.0.113.7", "report_types": []string{"threat-report"},
		"published": "2026-12-08T09:00:00.000Z", "object_refs": []string{"identity--b1000000-0000-4000-8000-000000000002"},
		"x_ot_source": "liaison officer at the terminal", "object_marking_refs": []string{gokuhi},
		"extensions": map[string]any{sector.ExtSectors: map[string]any{"extension_type": "property-extension", "national_sectors": []string{"jp.ports"}}}})
	w.publish("analyst", report)

	n := w.waitInbox("analyst", reportID)
	if len(n.Paths) != 1 || n.Paths[0].Sector != "jp.ports" || n.Paths[0].Relation != route.RelationSame {
		t.Errorf("analyst's notice paths: %+v", n.Paths)
	}
	if got := w.inbox("operator"); len(got) != 0 {
		t.Fatalf("the uncleared operator got notices of a 極秘 report: %+v", got)
	}
	if code, _ := w.do("GET", "/taxii2/api/collections/"+w.coll+"/objects/"+reportID+"/", "operator", nil); code != http.StatusNotFound {
		t.Fatalf("the operator reads the report: %d", code)
	}

	// The releaser and the originator are offered a tearline: the port
	// operator is withheld. The operator is offered nothing.
	for _, u := range []string{"releaser", "analyst"} {
		offers := w.offers(u)
		if len(offers) != 1 || offers[0].Object != reportID || len(offers[0].Withheld) != 1 || offers[0].Withheld[0].Organization != orgPortOperator {
			t.Errorf("%s's offers: %+v", u, offers)
		}
	}
	if offers := w.offers("operator"); len(offers) != 0 {
		t.Errorf("the operator is offered a tearline: %+v", offers)
	}

	// Only a releaser (or the originator) who may read the source releases.
	approved := []route.Approval{
		{Property: "name", Value: mustJSON(t, "Intrusion into the OT network of a port operator")},
		{Property: "description", Value: mustJSON(t, "Check remote access to crane controllers; rotate vendor VPN credentials.")},
		{Property: "report_types", Value: mustJSON(t, []string{"threat-report"})},
		{Property: "published", Value: mustJSON(t, "2026-12-08T09:00:00.000Z")},
		{Property: "object_refs", Value: mustJSON(t, []string{"identity--b1000000-0000-4000-8000-000000000002"})},
		{Property: "extensions", Value: mustJSON(t, map[string]any{sector.ExtSectors: map[string]any{"extension_type": "property-extension", "national_sectors": []string{"jp.ports"}}})},
	}
	req := routeapi.TearlineRequest{Approved: approved, MarkingRefs: []string{policy.TLP2Green}, Rationale: "warn the port operators"}
	for _, u := range []string{"operator", "uncleared-releaser"} {
		if code, body := w.do("POST", "/api/v1/objects/"+reportID+"/tearlines", u, req); code != http.StatusNotFound {
			t.Fatalf("%s released a tearline of a report it may not read: %d %s", u, code, body)
		}
	}
	if code, body := w.do("POST", "/api/v1/objects/"+reportID+"/tearlines", "cleared-reader", req); code != http.StatusForbidden || !strings.Contains(string(body), "neither of the originator") {
		t.Fatalf("a reader neither originator nor releaser released a tearline: %d %s", code, body)
	}
	code, body = w.do("GET", "/api/v1/objects/"+reportID+"/tearline-draft", "releaser", nil)
	if code != http.StatusOK || !strings.Contains(string(body), "x_ot_source") {
		t.Fatalf("draft: %d %s", code, body)
	}
	if got := w.inbox("operator"); len(got) != 0 {
		t.Fatalf("the operator got notices before any release: %+v", got)
	}
	code, body = w.do("POST", "/api/v1/objects/"+reportID+"/tearlines", "releaser", req)
	if code != http.StatusCreated {
		t.Fatalf("release: %d %s", code, body)
	}
	var res routeapi.TearlineResult
	if err := json.Unmarshal(body, &res); err != nil {
		t.Fatal(err)
	}
	tid := res.Release.Tearline

	// The operator is told, and reads exactly the approved content.
	tn := w.waitInbox("operator", tid)
	if len(tn.Paths) == 0 || tn.Paths[0].Sector != "jp.ports" {
		t.Errorf("operator's notice paths: %+v", tn.Paths)
	}
	for _, x := range w.inbox("operator") {
		if x.Object != tid {
			t.Errorf("the operator got a notice of %s", x.Object)
		}
	}
	code, body = w.do("GET", "/taxii2/api/collections/"+w.coll+"/objects/"+tid+"/", "operator", nil)
	if code != http.StatusOK {
		t.Fatalf("the operator cannot read the tearline: %d %s", code, body)
	}
	var env struct{ Objects []map[string]json.RawMessage }
	if err := json.Unmarshal(body, &env); err != nil || len(env.Objects) != 1 {
		t.Fatalf("tearline envelope: %v %s", err, body)
	}
	got := env.Objects[0]
	var keys []string
	for k := range got {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	want := []string{"created", "created_by_ref", "description", "extensions", "id", "modified", "name", "object_marking_refs", "object_refs", "published", "report_types", "spec_version", "type"}
	if !slices.Equal(keys, want) {
		t.Errorf("tearline properties %v, want %v", keys, want)
	}
	for _, a := range approved {
		var x, y any
		json.Unmarshal(a.Value, &x)
		json.Unmarshal(got[a.Property], &y)
		if !bytes.Equal(mustJSON(t, x), mustJSON(t, y)) {
			t.Errorf("%s = %s, approved %s", a.Property, got[a.Property], a.Value)
		}
	}
	if bytes.Contains(body, []byte("203.0.113.7")) || bytes.Contains(body, []byte("liaison")) || bytes.Contains(body, []byte(reportID)) {
		t.Errorf("the tearline carries what was not approved: %s", body)
	}
	// The link to the source is at the source's marking.
	if code, _ := w.do("GET", "/taxii2/api/collections/"+w.coll+"/objects/"+res.Release.Link+"/", "operator", nil); code != http.StatusNotFound {
		t.Errorf("the operator reads the link to the 極秘 source: %d", code)
	}

	// The audit log records the release.
	evs, err := w.s.Store.FindAudit(context.Background(), 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range evs {
		if e.Action == kizuna.AuditTearlineRelease && e.Principal != w.prs["releaser"].ID {
			t.Errorf("a release by another principal is audited: %+v", e)
		}
		if e.Action == kizuna.AuditTearlineRelease && e.Object == reportID && e.Principal == w.prs["releaser"].ID && strings.Contains(e.Reason, tid) &&
			strings.Contains(e.Reason, "removed [x_ot_source]") {
			found = true
		}
	}
	if !found {
		t.Error("no audit record of the release")
	}

	// The webhook: the failures were retried under one key, the notice
	// delivered once.
	waitUntil(&mu, func() bool { return len(delivered) > 0 })
	mu.Lock()
	defer mu.Unlock()
	if len(delivered) != 1 || len(attempts) < 3 {
		t.Fatalf("webhook: attempts %v, delivered %d", attempts, len(delivered))
	}
	for _, k := range attempts {
		if k != attempts[0] || !strings.HasPrefix(k, tn.ID+"/") {
			t.Errorf("idempotency keys differ: %v (notice %s)", attempts, tn.ID)
		}
	}
	var wn route.Notice
	for _, b := range delivered {
		json.Unmarshal(b, &wn)
	}
	if wn.Object != tid || wn.Principal != w.prs["operator"].ID {
		t.Errorf("webhook notice %+v", wn)
	}
}

// TestTearlineDecisionIsUnambiguous: a release decision that a gateway or
// the releaser's own log could read otherwise than the node (a member
// twice, one in another case, a duplicate inside an approved value) is
// refused with 400 naming the member, and no tearline is released.
func TestTearlineDecisionIsUnambiguous(t *testing.T) {
	w := newWorld(t)
	w.publish("analyst", mustJSON(t, map[string]any{"type": "report", "spec_version": "2.1", "id": reportID, "created_by_ref": orgPortSecurity,
		"created": "2026-12-08T09:00:00.000Z", "modified": "2026-12-08T09:00:00.000Z", "name": "Intrusion into a port operator",
		"published": "2026-12-08T09:00:00.000Z", "object_refs": []string{orgPortOperator}, "x_ot_source": "liaison officer at the terminal",
		"object_marking_refs": []string{gokuhi}}))
	keep := `[{"property":"name","value":"Port intrusion"},{"property":"published","value":"2026-12-08T09:00:00.000Z"},` +
		`{"property":"object_refs","value":["` + orgPortOperator + `"]}`
	shown := `{"approved":` + keep + `]`
	hidden := `{"approved":` + keep + `,{"property":"x_ot_source","value":"liaison officer at the terminal"}]`
	green := `"marking_refs":["` + policy.TLP2Green + `"]`
	for _, c := range []struct{ body, want string }{
		{shown + `,` + strings.TrimPrefix(hidden, "{") + `,` + green + `}`, "$.approved: appears twice"},
		{shown + `,"Approved":[],` + green + `}`, "$.Approved: is not a property"},
		{shown + `,` + green + `,"marking_refs":["` + gokuhi + `"]}`, "$.marking_refs: appears twice"},
		{`{"approved":` + keep + `,{"property":"extensions","value":{"a":1,"a":2}}],` + green + `}`, "$.approved[3].value.a: appears twice"},
	} {
		code, body := w.do("POST", "/api/v1/objects/"+reportID+"/tearlines", "releaser", json.RawMessage(c.body))
		if code != http.StatusBadRequest || !strings.Contains(string(body), c.want) {
			t.Errorf("%.80s: %d %s, want 400 naming %q", c.body, code, body, c.want)
		}
	}
	evs, err := w.s.Store.FindAudit(context.Background(), 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		if e.Action == kizuna.AuditTearlineRelease {
			t.Errorf("a refused decision released a tearline: %+v", e)
		}
	}
}
