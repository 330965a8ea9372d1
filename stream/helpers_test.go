package stream_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/ingest"
	"github.com/kizuna-dev/kizuna/node"
	"github.com/kizuna-dev/kizuna/node/nodetest"
	"github.com/kizuna-dev/kizuna/policy"
	"github.com/kizuna-dev/kizuna/stream"
)

// waitEvent is how long a test waits for an event it expects before it
// fails; it bounds a hung test, and asserts nothing about speed.
const waitEvent = 30 * time.Second

// serve runs a node of the store ("" for SQLite) with the stream mounted.
func serve(tb testing.TB, opt nodetest.Options, so stream.Options) *nodetest.Served {
	tb.Helper()
	return nodetest.Serve(tb, opt, node.ServeConfig{Mounts: []node.Mount{stream.Mount(so)}})
}

// listener is a client reading a stream in the background.
type listener struct {
	resp   *http.Response
	events chan *stream.Message
	done   chan error // the reading's end
	cancel context.CancelFunc
}

// listen opens a stream (query: what follows ?, may be "") with a token
// and, when lastID is not empty, Last-Event-ID. It fails the test unless
// the node answers 200.
func listen(tb testing.TB, base, token, query, lastID string) *listener {
	tb.Helper()
	l, code, body := tryListen(tb, base, token, query, lastID)
	if code != http.StatusOK {
		tb.Fatalf("GET %s?%s: %d %s", stream.Path, query, code, body)
	}
	return l
}

// tryListen opens a stream and returns it, or nil with the status and body
// of a refusal.
func tryListen(tb testing.TB, base, token, query, lastID string) (*listener, int, string) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+stream.Path+"?"+query, nil)
	if err != nil {
		tb.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		tb.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		cancel()
		return nil, resp.StatusCode, string(b)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		tb.Errorf("Content-Type %q", ct)
	}
	l := &listener{resp: resp, events: make(chan *stream.Message, 1<<16), done: make(chan error, 1), cancel: cancel}
	go func() {
		rd := stream.NewReader(resp.Body)
		for {
			m, err := rd.Next()
			if err != nil {
				close(l.events)
				l.done <- err
				return
			}
			l.events <- m
		}
	}()
	tb.Cleanup(l.close)
	return l, http.StatusOK, ""
}

// close leaves the stream.
func (l *listener) close() {
	l.cancel()
	l.resp.Body.Close()
}

// next returns the next event, failing the test when none comes.
func (l *listener) next(tb testing.TB) (*stream.Message, *stream.Event) {
	tb.Helper()
	select {
	case m, ok := <-l.events:
		if !ok {
			tb.Fatalf("the stream ended: %v", <-l.done)
		}
		var ev stream.Event
		if err := json.Unmarshal(m.Data, &ev); err != nil {
			tb.Fatalf("event %s data %s: %v", m.Event, m.Data, err)
		}
		if ev.Kind != m.Event {
			tb.Errorf("event %s has kind %s", m.Event, ev.Kind)
		}
		return m, &ev
	case <-time.After(waitEvent):
		tb.Fatalf("no event within %s", waitEvent)
		return nil, nil
	}
}

// until returns the events up to and including the version of id, which
// the test stored last in its collection: as date_added follows commit
// order and a stream sends each collection in that order, every version
// stored before it has been sent by then.
func (l *listener) until(tb testing.TB, id string) []*stream.Event {
	tb.Helper()
	var out []*stream.Event
	for {
		_, ev := l.next(tb)
		out = append(out, ev)
		if ev.ID == id && ev.Kind != stream.KindDeletion {
			return out
		}
	}
}

// ingest stores raw objects in a collection as the host operator and fails
// the test on any refusal.
func ingestAll(tb testing.TB, n *node.Node, coll string, raws ...json.RawMessage) []kizuna.PutResult {
	tb.Helper()
	res, err := n.Ingest.Ingest(ingest.AsOperator(context.Background()), coll, raws)
	if err != nil {
		tb.Fatal(err)
	}
	for _, r := range res {
		if r.Err != nil {
			tb.Fatalf("ingest of %s: %v", r.ID, r.Err)
		}
	}
	return res
}

// indicator returns an indicator with the markings and, when secret is
// set, a description marked with the granular marking.
func indicator(id string, modified time.Time, refs []string, granular, description string) json.RawMessage {
	ts := modified.UTC().Format("2006-01-02T15:04:05.000Z")
	doc := map[string]any{"type": "indicator", "spec_version": "2.1", "id": id, "created": "2026-01-01T00:00:00.000Z",
		"modified": ts, "name": "indicator " + id, "pattern": "[domain-name:value = 'x.example']",
		"pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z"}
	if refs != nil {
		doc["object_marking_refs"] = refs
	}
	if description != "" {
		doc["description"] = description
	}
	if granular != "" {
		doc["granular_markings"] = []map[string]any{{"marking_ref": granular, "selectors": []string{"description"}}}
	}
	b, _ := json.Marshal(doc)
	return b
}

// newID returns a new id of a type.
func newID(typ string) string { return typ + "--" + kizuna.NewUUID() }

// principal creates a reader principal and returns its token.
func principal(tb testing.TB, n *node.Node, p *kizuna.Principal) string {
	tb.Helper()
	tok := kizuna.NewToken()
	if p.ID == "" {
		p.ID = newID("principal")
	}
	if len(p.Roles) == 0 {
		p.Roles = []string{kizuna.RoleReader}
	}
	if err := n.Store.CreatePrincipal(context.Background(), p, kizuna.HashToken(tok)); err != nil {
		tb.Fatal(err)
	}
	return tok
}

// collection creates a collection readers may read, publishers write,
// marked TLP:GREEN by default.
func collection(tb testing.TB, n *node.Node) string {
	tb.Helper()
	c := &kizuna.Collection{Title: "stream test " + kizuna.NewUUID()[:8], DefaultMarkingRefs: []string{policy.TLP2Green},
		CanRead:  kizuna.AccessRule{Roles: []string{kizuna.RoleReader}},
		CanWrite: kizuna.AccessRule{Roles: []string{kizuna.RolePublisher}}}
	if err := n.Store.CreateCollection(context.Background(), c); err != nil {
		tb.Fatal(err)
	}
	return c.ID
}

// classification returns a kizuna classification marking-definition.
func classification(id string, ext map[string]any) json.RawMessage {
	e := map[string]any{"extension_type": "property-extension"}
	for k, v := range ext {
		e[k] = v
	}
	b, _ := json.Marshal(map[string]any{"type": "marking-definition", "spec_version": "2.1", "id": id,
		"created": "2026-01-01T00:00:00.000Z", "name": fmt.Sprint("marking ", id[len(id)-4:]),
		"extensions": map[string]any{policy.ExtensionID: e}})
	return b
}
