package web_test

import (
	"encoding/json"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/ingest"
	"github.com/kizuna-dev/kizuna/node"
	"github.com/kizuna-dev/kizuna/node/nodetest"
	"github.com/kizuna-dev/kizuna/stream"
	"github.com/kizuna-dev/kizuna/web"
)

// TestBrowserLive: a reader's search shows an indicator published after
// the page was loaded, without a reload, when the stream announces it;
// one the reader may not read does not appear.
func TestBrowserLive(t *testing.T) {
	w := startWorkspace(t, nodetest.Options{}, node.ServeConfig{Mounts: []node.Mount{stream.Mount(stream.Options{})}}, web.Options{})
	b := w.tab(t)
	b.login(w.tokens["tanaka"])
	b.open("/?collection=sample&type=indicator")
	// The page opens the node's stream with its session cookie.
	b.do(chromedp.WaitReady(chromedp.CSS(`#live[data-stream="open"]`)))
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
	b.do(chromedp.WaitVisible(chromedp.CSS(`tr.new[data-id="`+green+`"]`)), chromedp.WaitVisible(chromedp.ID("live")))
	if mark := eval[int](b, `window.kizunaMark || 0`); mark != 1 {
		t.Error("the page reloaded")
	}
	b.checkRows([]string{green, secondStage}, []string{noforn, stagingURL})
	if text, _ := b.banner(); text == "" {
		t.Error("the refreshed page lost its banner")
	}
}
