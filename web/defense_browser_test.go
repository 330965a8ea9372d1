package web_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/defense/defstix"
	"github.com/kizuna-dev/kizuna/federation"
	"github.com/kizuna-dev/kizuna/node"
)

// openConsultation opens a consultation of USA's point of contact on an
// incident, addressed to JPN and AUS, through the API.
func (d *defenseWorkspace) openConsultation(t *testing.T, incident string) *kizuna.Consultation {
	t.Helper()
	var out struct{ Consultation json.RawMessage }
	d.api(t, "usa-poc", "POST", "/api/v1/consultations", map[string]any{"incident_ref": incident, "addressees": []string{"JPN", "AUS"},
		"statement": "Request for consultation under the mutual defence arrangement."}, 201, &out)
	c, err := defstix.DecodeConsultation(out.Consultation)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestBrowserConsultation follows a consultation in headless chromium:
// JPN's point of contact finds it on the list with its clock, opens it,
// acknowledges it through the form and sees its party's state change;
// AUS's point of contact then sees JPN's acknowledgement and still owes
// its own.
func TestBrowserConsultation(t *testing.T) {
	d := startDefenseWorkspace(t)
	inc := d.postIncident(t, "Destructive attack on a container terminal", []string{tlpGreen})
	c := d.openConsultation(t, inc)

	b := d.tab(t)
	b.login(d.tokens["jpn-poc"])
	b.open("/consultations")
	if rows := b.rows(); len(rows) != 1 || rows[0] != c.ID {
		t.Fatalf("consultations listed: %v", rows)
	}
	if row := b.text(`tr[data-id="` + c.ID + `"]`); !strings.Contains(row, "requested") || !strings.Contains(row, "left") {
		t.Errorf("the list's row: %q", row)
	}
	b.do(chromedp.Click(chromedp.CSS(`tr[data-id="`+c.ID+`"] a`)), chromedp.WaitVisible(chromedp.ID("parties")))
	if s := b.text(`tr[data-nation="JPN"] .status`); s != "requested" {
		t.Errorf("JPN's status before: %q", s)
	}
	// The sticky bottom banner may cover the button where chromium would
	// click it: the button is pressed as a keyboard user would.
	b.do(chromedp.SendKeys(chromedp.CSS(`textarea[name="statement"]`), "Received; assessing."),
		chromedp.Focus(chromedp.ID("act-acknowledge")), chromedp.KeyEvent("\r"), chromedp.WaitVisible(chromedp.ID("done")))
	if s := b.text(`tr[data-nation="JPN"] .status`); s != "acknowledged" {
		t.Errorf("JPN's status after acknowledging: %q", s)
	}
	if n := eval[int](b, `document.querySelectorAll("#act-acknowledge").length`); n != 0 {
		t.Error("the acknowledgement is still offered")
	}
	if steps := b.text("#steps"); !strings.Contains(steps, "Received; assessing.") {
		t.Errorf("steps: %q", steps)
	}

	a := d.tab(t)
	a.login(d.tokens["aus-poc"])
	a.open("/consultations/" + c.ID)
	if s := a.text(`tr[data-nation="JPN"] .status`); s != "acknowledged" {
		t.Errorf("AUS sees JPN's status %q", s)
	}
	if s := a.text(`tr[data-nation="AUS"] .status`); s != "requested" {
		t.Errorf("AUS's own status %q", s)
	}
	if n := eval[int](a, `document.querySelectorAll("#act-acknowledge").length`); n != 1 {
		t.Error("AUS's point of contact is not offered its acknowledgement")
	}
}

// TestDefenseScreenshots writes screenshots of the incident, consultation,
// peer and audit pages to the directory of -ui.screenshots (docs/ui):
//
//	go test ./web -run 'Screenshots' -ui.screenshots ../docs/ui
func TestDefenseScreenshots(t *testing.T) {
	if *screenshots == "" {
		t.Skip("-ui.screenshots DIR not given")
	}
	d := startDefenseWorkspace(t)
	open := d.postIncident(t, "Destructive attack on a container terminal", []string{tlpGreen})
	d.postIncident(t, "Wiper at a naval shipyard", []string{d.secret})
	d.api(t, "usa-poc", "PUT", "/api/v1/incidents/"+open+"/factors", map[string]any{"answers": []map[string]any{
		{"factor": "severity", "degree": "high", "confidence": 80, "analyst_ref": usaOrg, "rationale": "Port operations halted for four days."},
		{"factor": "state_involvement", "degree": "high", "confidence": 75, "analyst_ref": usaOrg, "rationale": "Tooling overlaps a state-sponsored set."}}}, 200, nil)
	d.api(t, "jpn-poc", "PUT", "/api/v1/incidents/"+open+"/factors", map[string]any{"answers": []map[string]any{
		{"factor": "severity", "degree": "low", "confidence": 60, "analyst_ref": jpnOrg, "rationale": "Cargo rerouted to other terminals."}}}, 200, nil)
	c := d.openConsultation(t, open)
	pc := &federation.PeerConfig{Name: "jpn-node", URL: "http://127.0.0.1:9/taxii2/api/", Plain: true, Nation: "JPN", Organization: jpnOrg,
		Organizations: []string{jpnOrg}, MaxTLP: "amber", Collections: []federation.CollectionMap{{Local: node.DefaultAlias, Remote: "shared", Push: true}}}
	if _, err := d.AddPeer(context.Background(), pc, nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := d.Store.AppendAudit(context.Background(), &kizuna.AuditEvent{Action: federation.AuditRefused, Object: "indicator--" + kizuna.NewUUID(),
		Decision: "deny", Reason: `peer "jpn-node" collection shared refused the version: $.object_marking_refs[0]: unknown marking-definition`}); err != nil {
		t.Fatal(err)
	}
	shoot := func(b *tab, name string) {
		t.Helper()
		png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(*screenshots, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b := d.tab(t)
	b.do(chromedp.EmulateViewport(1280, 860))
	b.login(d.tokens["jpn-poc"])
	b.open("/incidents")
	shoot(b, "incidents.png")
	b.open("/incidents/" + open)
	shoot(b, "incident.png")
	b.open("/consultations/" + c.ID)
	shoot(b, "consultation.png")
	b.do(chromedp.Click(chromedp.CSS(`a[hreflang="ja"]`)), chromedp.WaitVisible(chromedp.ID("who")))
	shoot(b, "consultation-ja.png")

	r := d.tab(t)
	r.do(chromedp.EmulateViewport(1280, 860))
	r.login(d.tokens["root"])
	r.open("/peers")
	shoot(r, "peers.png")
	r.open("/audit?verify=1")
	shoot(r, "audit.png")
}
