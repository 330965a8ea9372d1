package web_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/node"
	"github.com/kizuna-dev/kizuna/node/nodetest"
	"github.com/kizuna-dev/kizuna/web"
)

// TestBrowserReaders signs readers of three nations and clearances in to
// the workspace in headless chromium, and checks what the search and the
// object pages show and hide them, banners included.
func TestBrowserReaders(t *testing.T) {
	w := startWorkspace(t, nodetest.Options{}, node.ServeConfig{}, web.Options{})
	indicators := "/?collection=sample&type=indicator"

	t.Run("tanaka JPN 極秘", func(t *testing.T) {
		b := w.tab(t)
		b.login(w.tokens["tanaka"])
		b.open(indicators)
		b.checkRows([]string{lureDomain, senderAddress, dropper, secondStage}, []string{stagingURL, scanningRange})
		text, colour := b.banner()
		if !strings.Contains(text, "JPN 極秘") || !strings.Contains(text, "USA SECRET") || !strings.Contains(text, "REL TO JPN, USA") || colour != red {
			t.Errorf("banner %q in %s, want JPN 極秘 and USA SECRET, REL TO JPN, USA, in red", text, colour)
		}

		b.open("/objects/" + secondStage)
		if h := b.text("h1"); h != "CRANELOADER second-stage server" {
			t.Errorf("title %q", h)
		}
		if text, _ := b.banner(); !strings.Contains(text, "極秘") {
			t.Errorf("banner of the 極秘 indicator: %q", text)
		}
		if why := b.text("#why"); !strings.Contains(why, "allow") || !strings.Contains(why, "JPN:gokuhi") {
			t.Errorf("why panel: %q", why)
		}
		// It indicates the malware CRANELOADER, under TLP:AMBER for its
		// creator's audience, which tanaka is not in: the relationship is
		// not shown. Its sighting (極秘) is.
		if rel := b.text("#relationships"); !strings.Contains(rel, "None that you may read.") {
			t.Errorf("relationships: %q, want none (the malware is TLP:AMBER)", rel)
		}
		if s := b.text("#sightings"); !strings.Contains(s, "Japan Cyber Coordination Center") || !strings.Contains(s, "14") {
			t.Errorf("sightings: %q", s)
		}

		b.open("/objects/" + stagingURL)
		if e := b.text("#error"); e != "Not found." {
			t.Errorf("the NOFORN indicator: %q, want Not found.", e)
		}
		if text, colour := b.banner(); text != "UNCLASSIFIED" || colour != green {
			t.Errorf("banner of the not-found page: %q %s", text, colour)
		}

		// Japanese: labels translated, the level as the agreements write it.
		b.open(indicators)
		b.do(chromedp.Click(chromedp.CSS(`a[hreflang="ja"]`)), chromedp.WaitVisible(chromedp.ID("who")))
		if h := b.text("h1"); h != "検索" {
			t.Errorf("Japanese title %q, want 検索", h)
		}
		if text, _ := b.banner(); !strings.Contains(text, "極秘") {
			t.Errorf("Japanese banner %q", text)
		}
		if lang := eval[string](b, `document.documentElement.lang`); lang != "ja" {
			t.Errorf("lang %q", lang)
		}

		// Sign out: the session ends; the next page is the login form.
		b.do(chromedp.Click(chromedp.ID("logout")), chromedp.WaitVisible(chromedp.ID("token")))
		b.open(indicators)
		if n := eval[int](b, `document.querySelectorAll("#token").length`); n != 1 {
			t.Error("after logout the search opens without signing in")
		}
	})

	t.Run("mitchell AUS SECRET", func(t *testing.T) {
		b := w.tab(t)
		b.login(w.tokens["mitchell"])
		b.open(indicators)
		b.checkRows([]string{lureDomain, senderAddress}, []string{dropper, secondStage, stagingURL, scanningRange})
		text, colour := b.banner()
		if text != "TLP:GREEN" || colour != black {
			t.Errorf("banner %q in %s, want TLP:GREEN on black", text, colour)
		}
		body := b.text("main")
		for _, hidden := range []string{"極秘", "SECRET", "CRANELOADER second-stage", "Staging URL"} {
			if strings.Contains(body, hidden) {
				t.Errorf("the search page shows %q", hidden)
			}
		}
		// The sender address with its US SECRET description withheld.
		b.open("/objects/" + senderAddress)
		if wh := b.text("#withheld"); !strings.Contains(wh, "description") {
			t.Errorf("withheld portions: %q", wh)
		}
		if strings.Contains(b.text("main"), "hosting provider") {
			t.Error("the withheld description shows")
		}
		if text, _ := b.banner(); strings.Contains(text, "SECRET") {
			t.Errorf("banner %q reveals the withheld portion's marking", text)
		}
		b.open("/objects/" + secondStage)
		if e := b.text("#error"); e != "Not found." {
			t.Errorf("the 極秘 indicator: %q", e)
		}
		// The campaign's relationships, every end TLP:GREEN or CLEAR.
		b.open("/objects/" + campaign)
		rel := b.text("#relationships")
		for _, want := range []string{"attributed-to", "PAPER CRANE intrusion set", "uses", "Spearphishing Attachment", "indicates", "Lure domain"} {
			if !strings.Contains(rel, want) {
				t.Errorf("relationships of the campaign lack %q: %q", want, rel)
			}
		}
		b.open("/objects/" + craneloader)
		if e := b.text("#error"); e != "Not found." {
			t.Errorf("the TLP:AMBER malware: %q", e)
		}
	})

	t.Run("smith USA SECRET cyber-wg", func(t *testing.T) {
		b := w.tab(t)
		b.login(w.tokens["smith"])
		b.open(indicators)
		b.checkRows([]string{stagingURL, scanningRange, dropper, secondStage}, nil)
		if text, colour := b.banner(); !strings.Contains(text, "USA SECRET") || !strings.Contains(text, "cyber-wg") || colour != red {
			t.Errorf("banner %q %s", text, colour)
		}
		// A search by observable value and by marking.
		b.open("/?value=" + "198.51.100")
		for _, id := range b.rows() {
			if !strings.HasPrefix(id, "indicator--") && !strings.HasPrefix(id, "ipv4-addr--") {
				t.Errorf("a search by value lists %s", id)
			}
		}
		b.open("/?collection=sample&marking=NOFORN")
		if rows := b.rows(); !slices.Equal(rows, []string{stagingURL}) && !slices.Contains(rows, stagingURL) {
			t.Errorf("a search by the marking NOFORN lists %v", rows)
		}
	})
}

// checkRows checks that the page's result rows list every id of want and
// none of hidden.
func (b *tab) checkRows(want, hidden []string) {
	b.t.Helper()
	rows := b.rows()
	for _, id := range want {
		if !slices.Contains(rows, id) {
			b.t.Errorf("the results lack %s: %v", id, rows)
		}
	}
	for _, id := range hidden {
		if slices.Contains(rows, id) {
			b.t.Errorf("the results list %s, which the reader may not read", id)
		}
	}
}

// publishBundle is a bundle of one valid TLP:GREEN indicator named name,
// and, with invalid, an indicator without its pattern.
func publishBundle(t testing.TB, name string, invalid bool) string {
	objs := []map[string]any{{
		"type": "indicator", "spec_version": "2.1", "id": "indicator--" + kizuna.NewUUID(),
		"created": "2026-12-07T09:00:00.000Z", "modified": "2026-12-07T09:00:00.000Z", "name": name,
		"pattern": "[domain-name:value = 'published.example']", "pattern_type": "stix", "valid_from": "2026-12-07T09:00:00Z",
		"object_marking_refs": []string{"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"},
	}}
	if invalid {
		objs = append(objs, map[string]any{
			"type": "indicator", "spec_version": "2.1", "id": "indicator--" + kizuna.NewUUID(),
			"created": "2026-12-07T09:00:00.000Z", "modified": "2026-12-07T09:00:00.000Z", "name": "no pattern",
			"pattern_type": "stix", "valid_from": "2026-12-07T09:00:00Z",
		})
	}
	b, err := json.MarshalIndent(map[string]any{"type": "bundle", "id": "bundle--" + kizuna.NewUUID(), "objects": objs}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestBrowserPublish publishes through the form, pasted and uploaded, and
// finds the published object; a reader of another nation finds it too
// (TLP:GREEN), and the refused object is named with its JSON path.
func TestBrowserPublish(t *testing.T) {
	w := startWorkspace(t, nodetest.Options{}, node.ServeConfig{}, web.Options{})
	b := w.tab(t)
	b.login(w.tokens["jones"])
	b.open("/publish")
	sample, err := w.Store.FindCollectionByID(t.Context(), "sample")
	if err != nil {
		t.Fatal(err)
	}
	bundle := publishBundle(t, "Pasted in the workspace", true)
	var doc struct{ Objects []struct{ ID string } }
	json.Unmarshal([]byte(bundle), &doc)
	b.do(chromedp.SetValue(chromedp.ID("collection"), sample.ID), chromedp.SetValue(chromedp.ID("json"), bundle),
		chromedp.Submit(chromedp.ID("publish")), chromedp.WaitVisible(chromedp.ID("results")))
	res := b.text("#results")
	if !strings.Contains(res, "1 accepted, 1 refused") {
		t.Errorf("results %q", res)
	}
	if text, _ := b.banner(); text != "TLP:GREEN" {
		t.Errorf("banner after publishing a TLP:GREEN indicator: %q", text)
	}
	refused := b.text("tr.rejected")
	if !strings.Contains(refused, doc.Objects[1].ID) || !strings.Contains(refused, "pattern") || !strings.Contains(refused, "objects[1]") {
		t.Errorf("the refused object's row %q names neither its id, its index nor the missing property", refused)
	}
	b.do(chromedp.Click(chromedp.CSS("tr.accepted a")), chromedp.WaitVisible(chromedp.ID("object-id")))
	if id := b.text("#object-id"); id != doc.Objects[0].ID {
		t.Errorf("the accepted object's link opens %s", id)
	}

	// A file upload.
	file := filepath.Join(t.TempDir(), "upload.json")
	if err := os.WriteFile(file, []byte(publishBundle(t, "Uploaded to the workspace", false)), 0o600); err != nil {
		t.Fatal(err)
	}
	b.open("/publish?collection=sample")
	b.do(chromedp.SetUploadFiles(chromedp.ID("file"), []string{file}), chromedp.Submit(chromedp.ID("publish")), chromedp.WaitVisible(chromedp.ID("results")))
	if res := b.text("#results"); !strings.Contains(res, "1 accepted, 0 refused") {
		t.Errorf("upload: %q", res)
	}

	// Another nation's reader finds both.
	m := w.tab(t)
	m.login(w.tokens["mitchell"])
	m.open("/?q=" + "workspace")
	if got := m.text("#results"); !strings.Contains(got, "Pasted in the workspace") || !strings.Contains(got, "Uploaded to the workspace") {
		t.Errorf("mitchell's search for the published indicators: %q", got)
	}
	// A reader may not publish: the form says so.
	m.open("/publish")
	if n := eval[int](m, `document.querySelectorAll("#no-collection").length`); n != 1 {
		t.Error("a reader without a writable collection gets the publish form")
	}
}
