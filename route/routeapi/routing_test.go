package routeapi_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
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

const orgUSTransit = "identity--b1000000-0000-4000-8000-000000000004" // us.transportation

// A US transport indicator reaches the Japanese port organisations through
// the crosswalk, each notice naming the relation; one marked 極秘 reaches
// only the cleared analysts. The targets relationship may come with the
// indicator or after it.
func TestRoutingThroughTheCrosswalk(t *testing.T) {
	w := newWorld(t)
	if err := w.s.ImportRaw(context.Background(), w.coll, []json.RawMessage{mustJSON(t, map[string]any{"type": "identity", "spec_version": "2.1",
		"id": orgUSTransit, "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z", "name": "Metro Transit Authority",
		"identity_class": "organization", "object_marking_refs": []string{policy.TLP2Clear},
		"extensions": map[string]any{sector.ExtSectors: map[string]any{"extension_type": "property-extension", "national_sectors": []string{"us.transportation"}}}})}); err != nil {
		t.Fatal(err)
	}
	indicator := func(id string, markings []string) json.RawMessage {
		return mustJSON(t, map[string]any{"type": "indicator", "spec_version": "2.1", "id": id, "created_by_ref": orgPortSecurity,
			"created": "2026-12-08T09:00:00.000Z", "modified": "2026-12-08T09:00:00.000Z", "pattern": "[ipv4-addr:value = '198.51.100.9']",
			"pattern_type": "stix", "valid_from": "2026-12-08T09:00:00.000Z", "object_marking_refs": markings})
	}
	targets := func(id, src string, markings []string) json.RawMessage {
		return mustJSON(t, map[string]any{"type": "relationship", "spec_version": "2.1", "id": id, "created_by_ref": orgPortSecurity,
			"created": "2026-12-08T09:00:00.000Z", "modified": "2026-12-08T09:00:00.000Z", "relationship_type": "targets",
			"source_ref": src, "target_ref": orgUSTransit, "object_marking_refs": markings})
	}
	green := []string{policy.TLP2Green}
	const ind1, ind2 = "indicator--b4000000-0000-4000-8000-000000000001", "indicator--b4000000-0000-4000-8000-000000000002"
	w.publish("analyst", indicator(ind1, green), targets("relationship--b5000000-0000-4000-8000-000000000001", ind1, green))
	for _, u := range []string{"analyst", "operator"} {
		n := w.waitInbox(u, ind1)
		if len(n.Paths) != 1 {
			t.Fatalf("%s: paths %+v", u, n.Paths)
		}
		p := n.Paths[0]
		if p.Concerned != "us.transportation" || p.Sector != "jp.ports" || p.Relation != "subset-of" || p.Reason != route.ReasonTargets+orgUSTransit ||
			!strings.HasPrefix(p.Text, "US Transportation Systems → JP 港湾") || !strings.HasSuffix(p.Text, ": subset-of") {
			t.Errorf("%s: path %+v", u, p)
		}
	}

	// 極秘, with its relationship in a later envelope: the analyst only.
	w.publish("analyst", indicator(ind2, []string{gokuhi}))
	w.publish("analyst", targets("relationship--b5000000-0000-4000-8000-000000000002", ind2, []string{gokuhi}))
	w.waitInbox("analyst", ind2)
	for _, n := range w.inbox("operator") {
		if n.Object == ind2 {
			t.Fatalf("the uncleared operator got a notice of a 極秘 indicator: %+v", n)
		}
	}
}

// A node refuses to start on an invalid sector configuration in its data
// directory, naming the file and the entry.
func TestServeRefusesInvalidSectorConfiguration(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	n := nodetest.New(t, nodetest.Options{Dir: dir, Nation: "JPN"})
	data, err := sector.Defaults.ReadFile("defaults/sectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	doc["crosswalk"].([]any)[0].(map[string]any)["relation"] = "one-to-many"
	doc["crosswalk"].([]any)[1].(map[string]any)["target"] = "us.rail"
	cdir := filepath.Join(dir, routeapi.ConfigDir)
	if err := os.MkdirAll(cdir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(cdir, "sectors.json"), mustJSON(t, doc), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err = n.Serve(ctx, node.ServeConfig{Listener: ln, MaxContentLength: 1 << 20, MaxPageSize: 100, Mounts: []node.Mount{routeapi.Mount(routeapi.Options{})}})
	if err == nil {
		t.Fatal("the node served with an invalid sectors.json")
	}
	file := filepath.Join(cdir, "sectors.json")
	for _, want := range []string{
		file + `: $.crosswalk[0].relation: "one-to-many" is not a relation`,
		file + `: $.crosswalk[1].target: "us.rail" is not a sector`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}

	// The shipped defaults load when the directory holds no file.
	if _, err := routeapi.LoadConfig(t.TempDir()); err != nil {
		t.Fatalf("defaults: %v", err)
	}
}

// A delivery the receiver refuses for good goes to the dead letters at
// once; an admin requeues it, and it is delivered.
func TestWebhookDeadLetterRequeue(t *testing.T) {
	w := newWorld(t)
	var mu sync.Mutex
	refuse, got := true, 0
	recv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if refuse {
			http.Error(rw, "gone", http.StatusGone)
			return
		}
		got++
	}))
	defer recv.Close()
	if code, body := w.do("POST", "/api/v1/webhooks", "admin", map[string]string{"principal": "analyst", "url": recv.URL}); code != http.StatusCreated {
		t.Fatalf("webhook: %d %s", code, body)
	}
	code, body := w.do("GET", "/api/v1/webhooks", "admin", nil)
	var eps struct{ Webhooks []map[string]any }
	if json.Unmarshal(body, &eps); code != http.StatusOK || len(eps.Webhooks) != 1 || eps.Webhooks[0]["url"] != recv.URL || eps.Webhooks[0]["secret"] != nil {
		t.Fatalf("webhooks: %d %s", code, body)
	}
	if code, body := w.do("POST", "/api/v1/webhooks", "admin", map[string]string{"principal": "analyst", "url": "ftp://example.org/"}); code != http.StatusBadRequest || !strings.Contains(string(body), "$.url") {
		t.Fatalf("ftp webhook: %d %s", code, body)
	}
	const ind = "indicator--b4000000-0000-4000-8000-000000000003"
	w.publish("analyst", mustJSON(t, map[string]any{"type": "indicator", "spec_version": "2.1", "id": ind, "created_by_ref": orgPortSecurity,
		"created": "2026-12-08T09:00:00.000Z", "modified": "2026-12-08T09:00:00.000Z", "pattern": "[ipv4-addr:value = '198.51.100.9']",
		"pattern_type": "stix", "valid_from": "2026-12-08T09:00:00.000Z",
		"extensions": map[string]any{sector.ExtSectors: map[string]any{"extension_type": "property-extension", "national_sectors": []string{"jp.ports"}}}}))
	var dead struct {
		DeadLetters []struct {
			Key string `json:"key"`
		} `json:"dead_letters"`
	}
	for range 500 {
		code, body := w.do("GET", "/api/v1/webhooks/dead-letters", "admin", nil)
		if code != http.StatusOK {
			t.Fatalf("dead letters: %d %s", code, body)
		}
		json.Unmarshal(body, &dead)
		if len(dead.DeadLetters) > 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(dead.DeadLetters) != 1 {
		t.Fatalf("dead letters: %+v", dead)
	}
	if code, _ := w.do("GET", "/api/v1/webhooks/dead-letters", "analyst", nil); code != http.StatusForbidden {
		t.Errorf("a non-admin lists dead letters: %d", code)
	}
	mu.Lock()
	refuse = false
	mu.Unlock()
	if code, body := w.do("POST", "/api/v1/webhooks/dead-letters/requeue", "admin", map[string]string{"key": dead.DeadLetters[0].Key}); code != http.StatusOK {
		t.Fatalf("requeue: %d %s", code, body)
	}
	waitUntil(&mu, func() bool { return got > 0 })
	mu.Lock()
	defer mu.Unlock()
	if got != 1 {
		t.Errorf("delivered %d times after the requeue", got)
	}
	id := eps.Webhooks[0]["id"].(string)
	if code, body := w.do("DELETE", "/api/v1/webhooks/"+id, "admin", nil); code != http.StatusNoContent {
		t.Errorf("remove: %d %s", code, body)
	}
	if code, _ := w.do("DELETE", "/api/v1/webhooks/"+id, "admin", nil); code != http.StatusNotFound {
		t.Errorf("remove again: %d", code)
	}
	if code, body := w.do("GET", "/api/v1/webhooks", "admin", nil); code != http.StatusOK || strings.Contains(string(body), id) {
		t.Errorf("after removal: %d %s", code, body)
	}
}

// Versions stored after the routing cursor (as when the node stopped
// before their batch was routed) are routed when routing starts again.
func TestCatchUpRoutesWhatWasStoredMeanwhile(t *testing.T) {
	w := newWorld(t)
	const before = "indicator--b4000000-0000-4000-8000-000000000010"
	ind := func(id string) json.RawMessage {
		return mustJSON(t, map[string]any{"type": "indicator", "spec_version": "2.1", "id": id, "created_by_ref": orgPortSecurity,
			"created": "2026-12-08T09:00:00.000Z", "modified": "2026-12-08T09:00:00.000Z", "pattern": "[ipv4-addr:value = '198.51.100.9']",
			"pattern_type": "stix", "valid_from": "2026-12-08T09:00:00.000Z",
			"extensions": map[string]any{sector.ExtSectors: map[string]any{"extension_type": "property-extension", "national_sectors": []string{"jp.ports"}}}})
	}
	// A second engine on the same node, which no ingest feeds: what the
	// node holds when it starts.
	ctx := context.Background()
	s, err := routeapi.New(ctx, w.s.Node, routeapi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	w.publish("analyst", ind(before))
	w.waitInbox("operator", before) // routed by the serving engine
	// What the serving engine routes moves the cursor past it (once it has
	// written the notice: wait for that); a version stored without routing
	// (as by a crash before its batch ran) is not.
	page, err := w.s.Node.Store.FindObjects(ctx, kizuna.ObjectFilter{Collection: w.coll, IDs: []string{before},
		Access: kizuna.AccessScope{Unrestricted: true}})
	if err != nil || len(page.Objects) != 1 {
		t.Fatalf("%s: %+v %v", before, page, err)
	}
	added := page.Objects[0].DateAdded
	var c struct{ Collections map[string]time.Time }
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		data, err := w.s.State.ReadState(ctx, routeapi.CursorDocument)
		if err != nil {
			t.Fatal(err)
		}
		c.Collections = nil
		json.Unmarshal(data, &c)
		if !c.Collections[w.coll].Before(added) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the cursor %s never passed %s", data, added)
		}
	}
	c.Collections[w.coll] = added.Add(-time.Nanosecond) // as if the last batch had not been routed
	if err := w.s.State.WriteState(ctx, routeapi.InboxDocument, []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	if err := w.s.State.WriteState(ctx, routeapi.CursorDocument, mustJSON(t, c)); err != nil {
		t.Fatal(err)
	}
	if err := s.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	ns := w.inbox("operator")
	if len(ns) != 1 || ns[0].Object != before {
		t.Fatalf("after catching up: %+v", ns)
	}
}
