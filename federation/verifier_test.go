package federation

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/kizuna-dev/kizuna"
)

// auditLog is an in-memory kizuna.AuditStore.
type auditLog struct {
	mu     sync.Mutex
	events []*kizuna.AuditEvent
}

func (a *auditLog) AppendAudit(ctx context.Context, events ...*kizuna.AuditEvent) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.events = append(a.events, events...)
	return nil
}

func (a *auditLog) FindAudit(ctx context.Context, after int64, limit int) ([]*kizuna.AuditEvent, error) {
	return nil, nil
}

func (a *auditLog) count(action string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for _, e := range a.events {
		if e.Action == action {
			n++
		}
	}
	return n
}

const (
	orgA = "identity--0a3f7c2e-1d4b-4e8a-9c6f-5b2d8e1a7c30"
	orgB = "identity--1b4e8d3f-2e5c-4f9b-8d7a-6c3e9f2b8d41"
	orgC = "identity--2c5f9e4a-3f6d-4a0c-9e8b-7d4f0a3c9e52"
)

// testPeers returns a configuration with kizuna peers a and b (keys ka
// and kb) and plain peer p.
func testPeers(tb testing.TB, ka, kb ed25519.PrivateKey) *Peers {
	tb.Helper()
	mk := func(name, node string, k ed25519.PrivateKey, org string) *PeerConfig {
		return &PeerConfig{Name: name, Node: node, URL: "http://127.0.0.1:1/taxii2/api/", PublicKey: EncodePublicKey(k.Public().(ed25519.PublicKey)),
			Nation: "USA", Organization: org, Organizations: []string{org}, MaxTLP: "amber"}
	}
	p := &PeerConfig{Name: "p", URL: "http://127.0.0.1:2/taxii2/api/", Plain: true, Nation: "AUS", Organization: orgC, Organizations: []string{orgC}, MaxTLP: "green"}
	peers := &Peers{Peers: []*PeerConfig{mk("a", "identity--node-a", ka, orgA), mk("b", "identity--node-b", kb, orgB), p}}
	for _, pc := range peers.Peers {
		if err := pc.Validate(); err != nil {
			tb.Fatal(err)
		}
	}
	return peers
}

func object(creator, name string) json.RawMessage {
	return json.RawMessage(strings.NewReplacer("CREATOR", creator, "NAME", name).Replace(
		`{"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2026-11-01T00:00:00.000Z","modified":"2026-11-01T00:00:00.000Z","created_by_ref":"CREATOR","name":"NAME","pattern":"[ipv4-addr:value = '198.51.100.1']","pattern_type":"stix","valid_from":"2026-11-01T00:00:00Z"}`))
}

func TestVerifier(t *testing.T) {
	ka, kb, kx := MustKey(t), MustKey(t), MustKey(t)
	audit := &auditLog{}
	v := NewVerifier("identity--self", testPeers(t, ka, kb), audit, nil)
	sign := func(raw json.RawMessage, node string, k ed25519.PrivateKey) json.RawMessage {
		s, err := Sign(raw, node, k)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	peerA := &kizuna.Principal{ID: "principal--a", Name: "a", Roles: []string{kizuna.RolePeer}}
	peerP := &kizuna.Principal{ID: "principal--p", Name: "p", Roles: []string{kizuna.RolePeer}}
	stranger := &kizuna.Principal{ID: "principal--z", Name: "z", Roles: []string{kizuna.RolePeer}}
	tampered := strings.Replace(string(sign(object(orgA, "x"), "identity--node-a", ka)), `"name":"x"`, `"name":"y"`, 1)
	cases := []struct {
		name  string
		peer  *kizuna.Principal
		raw   json.RawMessage
		error string // "" accepts
	}{
		{"own object signed by the sender", peerA, sign(object(orgA, "x"), "identity--node-a", ka), ""},
		{"relayed object signed by its originator", peerA, sign(object(orgB, "x"), "identity--node-b", kb), ""},
		{"unsigned", peerA, object(orgA, "x"), "must sign"},
		{"tampered", peerA, json.RawMessage(tampered), "does not verify"},
		{"signed with a key that is not the pinned one", peerA, sign(object(orgA, "x"), "identity--node-a", kx), "does not verify"},
		{"signed by an unknown node", peerA, sign(object(orgA, "x"), "identity--node-x", kx), "not a pinned peer node"},
		{"creator not behind the signer", peerA, sign(object(orgB, "x"), "identity--node-a", ka), "not an organisation behind"},
		{"signed by this node", peerA, sign(object(orgA, "x"), "identity--self", kx), "signed by this node"},
		{"no agreement", stranger, sign(object(orgA, "x"), "identity--node-a", ka), "no peering agreement"},
		{"plain peer, unsigned, its organisation", peerP, object(orgC, "x"), ""},
		{"plain peer, another organisation", peerP, object(orgA, "x"), "not an organisation behind"},
		{"anonymous object", peerA, sign(json.RawMessage(strings.Replace(string(object("", "x")), `"created_by_ref":"",`, "", 1)), "identity--node-a", ka), ""},
	}
	for _, c := range cases {
		out, err := v.Verify(context.Background(), c.peer, c.raw)
		switch {
		case c.error == "" && err != nil:
			t.Errorf("%s: refused: %v", c.name, err)
		case c.error != "" && err == nil:
			t.Errorf("%s: accepted", c.name)
		case c.error != "" && !strings.Contains(kizuna.ErrorMessage(err), c.error):
			t.Errorf("%s: error %q does not say %q", c.name, kizuna.ErrorMessage(err), c.error)
		case c.error != "" && kizuna.ErrorCode(err) != kizuna.EFORBIDDEN:
			t.Errorf("%s: code %s, want forbidden", c.name, kizuna.ErrorCode(err))
		case c.error == "" && string(out) != string(c.raw):
			t.Errorf("%s: the verified object differs from the one sent", c.name)
		}
	}
	refusals := 0
	for _, c := range cases {
		if c.error != "" {
			refusals++
		}
	}
	if got := audit.count("federation.reject"); got != refusals {
		t.Errorf("%d refusals audited, want %d", got, refusals)
	}
	if got := audit.count("federation.accept-unsigned"); got != 1 {
		t.Errorf("%d unsigned acceptances audited, want 1", got)
	}
}

func TestPeerConfigValidate(t *testing.T) {
	k := MustKey(t)
	good := func() *PeerConfig {
		return &PeerConfig{Name: "jpn", Node: "identity--n", URL: "https://jp.example/taxii2/api/", PublicKey: EncodePublicKey(k.Public().(ed25519.PublicKey)),
			CertSHA256: strings.Repeat("ab", 32), Nation: "JPN", Organization: orgB, Organizations: []string{orgB}, MaxTLP: "amber",
			Collections: []CollectionMap{{Local: "default", Remote: "default", Push: true}}}
	}
	if err := good().Validate(); err != nil {
		t.Fatal(err)
	}
	for name, edit := range map[string]func(*PeerConfig){
		"no name":           func(p *PeerConfig) { p.Name = "" },
		"name with a space": func(p *PeerConfig) { p.Name = "a b" },
		"plain http":        func(p *PeerConfig) { p.URL = "http://jp.example/taxii2/api/" },
		"no trailing slash": func(p *PeerConfig) { p.URL = "https://jp.example/taxii2/api" },
		"ftp":               func(p *PeerConfig) { p.URL = "ftp://jp.example/" },
		"bad TLP":           func(p *PeerConfig) { p.MaxTLP = "white" },
		"no key":            func(p *PeerConfig) { p.PublicKey = "" },
		"no node":           func(p *PeerConfig) { p.Node = "" },
		"bad pin":           func(p *PeerConfig) { p.CertSHA256 = "abcd" },
		"https without pin": func(p *PeerConfig) { p.CertSHA256 = "" },
		"pull from kizuna":  func(p *PeerConfig) { p.Collections[0].Pull = true },
		"empty mapping":     func(p *PeerConfig) { p.Collections[0].Remote = "" },
	} {
		p := good()
		edit(p)
		if err := p.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	p := good()
	p.URL = "http://127.0.0.1:9/taxii2/api/"
	if err := p.Validate(); err != nil {
		t.Errorf("loopback http refused: %v", err)
	}
	p = good()
	p.Plain, p.PublicKey, p.Node = true, "", ""
	if err := p.Validate(); err != nil {
		t.Errorf("a plain peer without a key refused: %v", err)
	}
}

func TestPeersFileRoundTrip(t *testing.T) {
	dir := t.TempDir()
	if p, err := LoadPeers(context.Background(), DirState(dir)); err != nil || len(p.Peers) != 0 {
		t.Fatalf("no file: %v, %d peers", err, len(p.Peers))
	}
	peers := testPeers(t, MustKey(t), MustKey(t))
	if err := SavePeers(context.Background(), DirState(dir), peers); err != nil {
		t.Fatal(err)
	}
	got, err := LoadPeers(context.Background(), DirState(dir))
	if err != nil || len(got.Peers) != 3 || got.Find("b").Organizations[0] != orgB || got.FindNode("identity--node-a").Name != "a" {
		t.Fatalf("round trip: %v %+v", err, got)
	}
	peers.Peers = append(peers.Peers, peers.Peers[0])
	if err := SavePeers(context.Background(), DirState(dir), peers); err == nil {
		t.Fatal("a duplicate peer name was saved")
	}
}

func TestCursorsPersist(t *testing.T) {
	dir := t.TempDir()
	c, err := OpenCursors(context.Background(), DirState(dir))
	if err != nil {
		t.Fatal(err)
	}
	when := mustTime(t, "2026-11-22T10:00:00.123456Z")
	if err := c.Set("push", "jpn", "default", when); err != nil {
		t.Fatal(err)
	}
	c.Set("push", "aus", "default", when)
	c2, err := OpenCursors(context.Background(), DirState(dir))
	if err != nil {
		t.Fatal(err)
	}
	if got := c2.Get("push", "jpn", "default"); !got.Equal(when) {
		t.Fatalf("cursor after reopening = %v, want %v", got, when)
	}
	if err := c2.Forget("jpn"); err != nil {
		t.Fatal(err)
	}
	c3, _ := OpenCursors(context.Background(), DirState(dir))
	if !c3.Get("push", "jpn", "default").IsZero() || c3.Get("push", "aus", "default").IsZero() {
		t.Fatal("Forget removed the wrong cursors")
	}
}
