package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/ingest"
	"github.com/kizuna-dev/kizuna/node"
	"github.com/kizuna-dev/kizuna/node/nodetest"
	"github.com/kizuna-dev/kizuna/web"
)

// testStream stands for the node's stream at GET /api/v1/stream, behind
// the node's authentication like the real one: each value sent on events
// goes to the open stream as an "object" event. The test checks what the
// workspace does with an event, not the stream's filtering (the stream's
// own tests do).
type testStream struct {
	connected chan string // the principal of each stream opened
	events    chan string
}

func (ts *testStream) mount(n *node.Node, r *node.Router) error {
	r.Mux.Handle("GET /api/v1/stream", r.Protect(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-store")
		rc := http.NewResponseController(w)
		fmt.Fprint(w, "retry: 60000\n\n")
		rc.Flush()
		ts.connected <- kizuna.PrincipalFromContext(req.Context()).Name
		for {
			select {
			case <-req.Context().Done():
				return
			case data := <-ts.events:
				fmt.Fprintf(w, "event: object\ndata: %s\n\n", data)
				rc.Flush()
			}
		}
	})))
	return nil
}

// TestBrowserLive: a reader's search shows an indicator published after
// the page was loaded, without a reload, when the stream announces it;
// one the reader may not read does not appear.
func TestBrowserLive(t *testing.T) {
	ts := &testStream{connected: make(chan string, 4), events: make(chan string, 4)}
	w := startWorkspace(t, nodetest.Options{}, node.ServeConfig{Mounts: []node.Mount{ts.mount}}, web.Options{})
	b := w.tab(t)
	b.login(w.tokens["tanaka"])
	b.open("/?collection=sample&type=indicator")
	select {
	case who := <-ts.connected:
		if who != "tanaka" {
			t.Fatalf("the page's stream was opened as %q", who)
		}
	case <-time.After(stepTimeout):
		t.Fatal("the search page did not open the stream with its session")
	}
	b.do(chromedp.Evaluate[chromedp.Void](`window.kizunaMark = 1`)) // gone if the page reloads

	green, noforn := "indicator--"+kizuna.NewUUID(), "indicator--"+kizuna.NewUUID()
	indicator := func(id, name, marking string) json.RawMessage {
		return mustJSON(map[string]any{
			"type": "indicator", "spec_version": "2.1", "id": id, "created": "2026-12-07T10:00:00.000Z", "modified": "2026-12-07T10:00:00.000Z",
			"name": name, "pattern": "[domain-name:value = 'live.example']", "pattern_type": "stix", "valid_from": "2026-12-07T10:00:00Z",
			"object_marking_refs": []string{marking},
		})
	}
	res, err := w.Ingest.Ingest(ingest.AsOperator(t.Context()), "sample", []json.RawMessage{
		indicator(green, "Arrived while the page was open", "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"),
		indicator(noforn, "NOFORN arrival", "marking-definition--108df783-8ec7-48ec-9b39-9b917128ba94"),
	})
	if err != nil || res[0].Err != nil || res[1].Err != nil {
		t.Fatalf("ingest: %v %+v", err, res)
	}
	ts.events <- `{"kind":"object","id":"` + green + `","type":"indicator"}`
	b.do(chromedp.WaitVisible(chromedp.CSS(`tr.new[data-id="`+green+`"]`)), chromedp.WaitVisible(chromedp.ID("live")))
	if mark := eval[int](b, `window.kizunaMark || 0`); mark != 1 {
		t.Error("the page reloaded")
	}
	b.checkRows([]string{green, secondStage}, []string{noforn, stagingURL})
	if text, _ := b.banner(); text == "" {
		t.Error("the refreshed page lost its banner")
	}
}
