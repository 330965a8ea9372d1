package federation

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
)

// fixture is a Service with two kizuna peers, "a" (max TLP red) and "b"
// (max TLP green), over in-memory stores.
type fixture struct {
	svc     *Service
	store   *memObjects
	peers   map[string]*fakePeer
	keys    *Keys
	ka, kb  ed25519.PrivateKey
	dir     string
	cursors *Cursors
}

func newFixture(t *testing.T, store *memObjects, dir string, peers map[string]*fakePeer) *fixture {
	t.Helper()
	keys, _ := MustKeys(t)
	ka, kb := MustKey(t), MustKey(t)
	cfg := testPeers(t, ka, kb)
	cfg.Peers = cfg.Peers[:2] // a and b
	cfg.Peers[0].MaxTLP = "red"
	cfg.Peers[1].MaxTLP = "green"
	for _, pc := range cfg.Peers {
		pc.Collections = []CollectionMap{{Local: "default", Remote: "remote", Push: true}}
	}
	cursors, err := OpenCursors(context.Background(), DirState(dir))
	if err != nil {
		t.Fatal(err)
	}
	principals := memPrincipals{
		"a": {ID: "principal--a", Name: "a", Organization: orgA, Nation: "USA", Roles: []string{kizuna.RolePeer}},
		"b": {ID: "principal--b", Name: "b", Organization: orgB, Nation: "JPN", Roles: []string{kizuna.RolePeer}},
	}
	svc, err := New(Config{
		Node: "identity--self", Keys: keys, Peers: cfg, Objects: store, Collections: memCollections{},
		Principals: principals, Cursors: cursors, Audit: &auditLog{},
		Dial:    func(pc *PeerConfig) (Peer, error) { return peers[pc.Name], nil },
		CatchUp: time.Hour, MinBackoff: 10 * time.Millisecond, MaxBackoff: 40 * time.Millisecond, BatchSize: 3,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Stop)
	return &fixture{svc: svc, store: store, peers: peers, keys: keys, ka: ka, kb: kb, dir: dir, cursors: cursors}
}

// waitFor polls cond until it holds; the deadline only bounds a test that
// would otherwise hang, so it is generous for a loaded machine.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func version(id string, tlp string, audience []string, origin string, raw json.RawMessage) *kizuna.Object {
	if raw == nil {
		raw = json.RawMessage(fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":%q,"created_by_ref":%q}`, id, orgA))
	}
	return &kizuna.Object{ID: id, Raw: raw, Hash: "h", Origin: origin, Label: &kizuna.AccessLabel{TLP: tlp, Audience: audience}}
}

func TestEgressRules(t *testing.T) {
	store := &memObjects{}
	peers := map[string]*fakePeer{"a": {}, "b": {}}
	f := newFixture(t, store, t.TempDir(), peers)
	withID := func(raw json.RawMessage, n string) json.RawMessage {
		return json.RawMessage(strings.Replace(string(raw), "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "8e2e2d2b-17d4-4cbf-938f-00000000000"+n, 1))
	}
	relayedB, _ := Sign(withID(object(orgB, "from b"), "1"), "identity--node-b", f.kb)
	relayedA, _ := Sign(withID(object(orgA, "from a"), "2"), "identity--node-a", f.ka)
	redacted := version("indicator--redacted-from-b", "green", nil, "b", relayedB)
	redacted.Hash = ""
	for _, o := range []*kizuna.Object{
		version("indicator--local-green", "green", nil, "", nil),
		version("indicator--local-clear", "clear", nil, "", nil),
		version("indicator--local-amber", "amber", []string{orgA, orgB}, "", nil),
		version("indicator--local-red-a", "red", []string{orgA}, "", nil),
		version("indicator--local-red-nobody", "red", []string{orgC}, "", nil),
		version("indicator--local-strict-a", "amber+strict", []string{orgA}, "", nil),
		version("indicator--relayed-from-b", "green", nil, "b", relayedB),
		version("indicator--relayed-from-a", "green", nil, "a", relayedA),
		version("indicator--unsigned-from-plain", "green", nil, "p", nil),
		redacted,
		{ID: "indicator--no-label", Raw: json.RawMessage(`{"id":"indicator--no-label"}`), Hash: "h"},
	} {
		store.add(o)
	}
	f.svc.Notify([]*kizuna.Object{store.first()})
	want := map[string][]string{
		"a": {"indicator--local-green", "indicator--local-clear", "indicator--local-amber", "indicator--local-red-a", "indicator--local-strict-a", "indicator--8e2e2d2b-17d4-4cbf-938f-000000000001"},
		"b": {"indicator--local-green", "indicator--local-clear", "indicator--8e2e2d2b-17d4-4cbf-938f-000000000002"},
	}
	for name, ids := range want {
		p := peers[name]
		waitFor(t, "peer "+name, func() bool { return len(p.ids()) >= len(ids) })
		time.Sleep(50 * time.Millisecond) // anything extra would have arrived by now
		got := p.ids()
		if strings.Join(got, " ") != strings.Join(ids, " ") {
			t.Errorf("peer %s received\n  %v\nwant\n  %v", name, got, ids)
		}
	}
	// Local objects arrive signed by this node; relayed ones keep their
	// originator's signature.
	for _, raw := range peers["a"].got() {
		_, canonical, prov, err := Split(raw)
		if err != nil || prov == nil {
			t.Fatalf("unsigned egress: %s", raw)
		}
		key := f.keys.Signing.Public().(ed25519.PublicKey)
		if prov.Node == "identity--node-b" {
			key = f.kb.Public().(ed25519.PublicKey)
		}
		if !CheckSignature(canonical, prov, key) {
			t.Errorf("%s: signature does not verify", head(raw).ID)
		}
	}
	for _, r := range store.readerNames() {
		if r != "a" && r != "b" {
			t.Errorf("a read ran as %q, not as the peer", r)
		}
	}
}

func TestPushRetriesAndResumes(t *testing.T) {
	dir := t.TempDir()
	store := &memObjects{}
	for i := 0; i < 7; i++ {
		store.add(version(fmt.Sprintf("indicator--v%d", i), "green", nil, "", nil))
	}
	peers := map[string]*fakePeer{"a": {failN: 3}, "b": {refuse: "v2"}}
	f := newFixture(t, store, dir, peers)
	waitFor(t, "all versions at a", func() bool { return len(peers["a"].ids()) == 7 })
	waitFor(t, "all versions at b", func() bool { return len(peers["b"].ids()) == 6 })
	f.svc.Stop()
	if got := f.svc.Stats().Failures.Load(); got < 3 {
		t.Errorf("%d failed rounds recorded, want at least 3", got)
	}
	if got := f.svc.Stats().Refused.Load(); got != 1 {
		t.Errorf("%d refusals, want 1", got)
	}

	// A restarted service resumes from the persisted cursors: only the
	// versions added since reach the peers, once.
	for i := 7; i < 9; i++ {
		store.add(version(fmt.Sprintf("indicator--v%d", i), "green", nil, "", nil))
	}
	peers2 := map[string]*fakePeer{"a": {}, "b": {}}
	newFixture(t, store, dir, peers2)
	waitFor(t, "new versions", func() bool { return len(peers2["a"].ids()) == 2 && len(peers2["b"].ids()) == 2 })
	time.Sleep(50 * time.Millisecond)
	if got := strings.Join(peers2["a"].ids(), " "); got != "indicator--v7 indicator--v8" {
		t.Fatalf("after restart a received %s", got)
	}
}

func TestSlowPeerBlocksNobody(t *testing.T) {
	store := &memObjects{}
	peers := map[string]*fakePeer{"a": {block: true}, "b": {}}
	f := newFixture(t, store, t.TempDir(), peers)
	for i := 0; i < 5; i++ {
		o := version(fmt.Sprintf("indicator--s%d", i), "green", nil, "", nil)
		store.add(o)
		f.svc.Notify([]*kizuna.Object{o})
		waitFor(t, "push to b", func() bool { return len(peers["b"].ids()) == i+1 })
	}
}

func TestNoEgressForRevokedPeer(t *testing.T) {
	store := &memObjects{}
	store.add(version("indicator--x", "green", nil, "", nil))
	peers := map[string]*fakePeer{"a": {}, "b": {}}
	f := newFixture(t, store, t.TempDir(), peers)
	waitFor(t, "b", func() bool { return len(peers["b"].ids()) == 1 })
	f.svc.Stop()

	revoked := time.Now()
	store2 := &memObjects{}
	store2.add(version("indicator--y", "green", nil, "", nil))
	peers2 := map[string]*fakePeer{"a": {}, "b": {}}
	f2 := newFixture(t, store2, t.TempDir(), peers2)
	f2.svc.Stop()
	f2.svc.cfg.Principals = memPrincipals{"a": {Name: "a", Roles: []string{kizuna.RolePeer}, RevokedAt: &revoked}}
	peers3 := map[string]*fakePeer{"a": {}, "b": {}}
	f2.svc.cfg.Dial = func(pc *PeerConfig) (Peer, error) { return peers3[pc.Name], nil }
	f2.svc.pushers = nil
	store2.add(version("indicator--z", "green", nil, "", nil))
	if err := f2.svc.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer f2.svc.Stop()
	time.Sleep(100 * time.Millisecond)
	if got := peers3["a"].ids(); len(got) != 0 {
		t.Fatalf("a revoked peer received %v", got)
	}
	if got := peers3["b"].ids(); len(got) != 0 {
		t.Fatalf("a peer without a principal received %v", got)
	}
}

func TestEgressOfRedactedVersion(t *testing.T) {
	store := &memObjects{}
	peers := map[string]*fakePeer{"a": {}, "b": {}}
	f := newFixture(t, store, t.TempDir(), peers)
	// As the guard returns it to the peer (policy.Redact): labels.[0]
	// removed, its marking dropped and the next one renumbered.
	redacted := json.RawMessage(`{"type":"indicator","spec_version":"2.1","id":"indicator--r","created_by_ref":"` + orgA + `","description":"d","labels":["open"],"x_kizuna_redacted":["description","labels.[0]"],
		"granular_markings":[{"marking_ref":"m-desc","selectors":["description"]},{"marking_ref":"m-open","selectors":["labels.[0]"]}]}`)
	for _, id := range []string{"m-desc", "m-open"} {
		md := version(id, "", nil, "", json.RawMessage(`{"type":"marking-definition","id":"`+id+`"}`))
		md.Type = "marking-definition"
		store.add(md)
	}
	o := version("indicator--r", "green", nil, "", redacted)
	o.Hash = ""
	store.add(o)
	f.svc.Notify([]*kizuna.Object{o})
	waitFor(t, "the redacted version", func() bool { return len(peers["b"].ids()) == 3 })
	if got := peers["b"].ids(); strings.Join(got, " ") != "m-desc m-open indicator--r" {
		t.Fatalf("peer received %v, want the two marking-definitions, then the object", got)
	}
	var got struct {
		GranularMarkings []kizuna.GranularMarking `json:"granular_markings"`
	}
	json.Unmarshal(peers["b"].got()[2], &got)
	want := []kizuna.GranularMarking{{MarkingRef: "m-desc", Selectors: []string{"description"}}, {MarkingRef: "m-open", Selectors: []string{"labels.[0]"}}}
	if fmt.Sprint(got.GranularMarkings) != fmt.Sprint(want) {
		t.Fatalf("granular markings sent: %v, want %v", got.GranularMarkings, want)
	}
}
