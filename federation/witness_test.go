package federation

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/store/sqlite"
)

// witnessNode is one node of the witness tests: a real store, a key and a
// witness with the other nodes as peers.
type witnessNode struct {
	id      string
	name    string
	key     ed25519.PrivateKey
	db      *sqlite.DB
	path    string
	witness *Witness
}

func mustWitnessNode(t testing.TB, name string) *witnessNode {
	t.Helper()
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "kizuna.db")
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	n := &witnessNode{id: "identity--" + kizuna.NewUUID(), name: name, key: key, db: db, path: path}
	n.witness = NewWitness(WitnessConfig{Node: n.id, Key: key, Store: db, Audit: db})
	return n
}

func (n *witnessNode) pub() ed25519.PublicKey { return n.key.Public().(ed25519.PublicKey) }

// peerConfig returns n as a peer of another node.
func (n *witnessNode) peerConfig() *PeerConfig {
	return &PeerConfig{Name: n.name, Node: n.id, URL: "http://127.0.0.1:1/taxii2/api/", PublicKey: EncodePublicKey(n.pub()), MaxTLP: "amber"}
}

// asPeer returns ctx with the principal of peer p on a node.
func asPeer(p *witnessNode) context.Context {
	return kizuna.NewContextWithPrincipal(context.Background(), &kizuna.Principal{ID: "principal--" + p.name, Name: p.name, Roles: []string{kizuna.RolePeer}})
}

func signedHead(n *witnessNode, seq int64, hash string) *kizuna.AuditHead {
	h := &kizuna.AuditHead{Node: n.id, Seq: seq, Hash: hash, Time: time.Date(2026, 5, 1, 0, 0, int(seq), 0, time.UTC)}
	SignAuditHead(h, n.key)
	return h
}

func hashOf(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestAuditHeadSignatures(t *testing.T) {
	a, b := mustWitnessNode(t, "a"), mustWitnessNode(t, "b")
	h := signedHead(a, 7, hashOf("x"))
	if !CheckAuditHead(h, a.pub()) {
		t.Fatal("a signed head does not verify")
	}
	for name, change := range map[string]func(h *kizuna.AuditHead){
		"seq":  func(h *kizuna.AuditHead) { h.Seq++ },
		"hash": func(h *kizuna.AuditHead) { h.Hash = hashOf("y") },
		"time": func(h *kizuna.AuditHead) { h.Time = h.Time.Add(time.Second) },
		"node": func(h *kizuna.AuditHead) { h.Node = b.id },
		"key":  func(h *kizuna.AuditHead) { h.Key = KeyID(b.pub()) },
		"sig":  func(h *kizuna.AuditHead) { h.Sig = h.Sig[:10] },
	} {
		c := *h
		change(&c)
		if CheckAuditHead(&c, a.pub()) {
			t.Errorf("a head with its %s changed verifies", name)
		}
	}
	if CheckAuditHead(h, b.pub()) {
		t.Error("a head verifies with another node's key")
	}
	r := &kizuna.AuditReceipt{Head: *h, Witness: b.id, Time: time.Now()}
	SignAuditReceipt(r, b.key)
	if !CheckAuditReceipt(r, b.pub()) || CheckAuditReceipt(r, a.pub()) {
		t.Fatal("a receipt verifies with the wrong key, or not with its own")
	}
	r.Head.Hash = hashOf("y")
	if CheckAuditReceipt(r, b.pub()) {
		t.Error("a receipt verifies for another head")
	}
}

func TestWitnessChecksHeads(t *testing.T) {
	a, b, c := mustWitnessNode(t, "a"), mustWitnessNode(t, "b"), mustWitnessNode(t, "c")
	plain := c.peerConfig()
	plain.Name, plain.Plain = "plain", true
	b.witness.SetPeers(&Peers{Peers: []*PeerConfig{a.peerConfig(), c.peerConfig(), plain}})
	ctx := asPeer(a)

	h10 := signedHead(a, 10, hashOf("10"))
	r, err := b.witness.WitnessAuditHead(ctx, h10)
	if err != nil {
		t.Fatalf("witness a first head: %v", err)
	}
	if r.Witness != b.id || !r.Head.Same(h10) || !CheckAuditReceipt(r, b.pub()) {
		t.Fatalf("receipt %+v does not countersign the head with b's key", r)
	}
	again, err := b.witness.WitnessAuditHead(ctx, signedHead(a, 10, hashOf("10")))
	if err != nil || *again != *r {
		t.Fatalf("the same head again: %+v, %v; want the same receipt", again, err)
	}
	if _, err := b.witness.WitnessAuditHead(ctx, signedHead(a, 20, hashOf("20"))); err != nil {
		t.Fatalf("a later head: %v", err)
	}
	// A lower head witnessed before is a repeat, not a rollback.
	if _, err := b.witness.WitnessAuditHead(ctx, signedHead(a, 10, hashOf("10"))); err != nil {
		t.Fatalf("an earlier witnessed head again: %v", err)
	}

	refusals := []struct {
		name string
		ctx  context.Context
		head *kizuna.AuditHead
		code string
		want string
	}{
		{"fork", ctx, signedHead(a, 20, hashOf("rewritten")), kizuna.ECONFLICT, "fork: entry 20 hashes to"},
		{"rollback", ctx, signedHead(a, 15, hashOf("15")), kizuna.ECONFLICT, "rollback: the log ends at entry 15, but this node witnessed it at entry 20"},
		{"another key", ctx, func() *kizuna.AuditHead {
			h := signedHead(c, 30, hashOf("30"))
			h.Node = a.id
			SignAuditHead(h, c.key)
			return h
		}(), kizuna.EFORBIDDEN, "does not verify with peer \"a\"'s pinned key"},
		{"altered", ctx, func() *kizuna.AuditHead { h := signedHead(a, 30, hashOf("30")); h.Seq = 31; return h }(), kizuna.EFORBIDDEN, "does not verify"},
		{"another node's head", ctx, signedHead(c, 30, hashOf("30")), kizuna.EFORBIDDEN, "a node sends only its own heads"},
		{"not a peer", kizuna.NewContextWithPrincipal(context.Background(), &kizuna.Principal{Name: "a", Roles: []string{kizuna.RoleAdmin}}), signedHead(a, 30, hashOf("30")), kizuna.EFORBIDDEN, "only a peer node"},
		{"anonymous", context.Background(), signedHead(a, 30, hashOf("30")), kizuna.EFORBIDDEN, "only a peer node"},
		{"plain peer", kizuna.NewContextWithPrincipal(context.Background(), &kizuna.Principal{Name: "plain", Roles: []string{kizuna.RolePeer}}), signedHead(c, 30, hashOf("30")), kizuna.EFORBIDDEN, "no peering agreement with a kizuna node"},
		{"malformed hash", ctx, signedHead(a, 30, "abc"), kizuna.EINVALID, "$.hash"},
		{"seq 0", ctx, signedHead(a, 0, hashOf("0")), kizuna.EINVALID, "$.seq"},
	}
	for _, tc := range refusals {
		_, err := b.witness.WitnessAuditHead(tc.ctx, tc.head)
		if kizuna.ErrorCode(err) != tc.code || !strings.Contains(kizuna.ErrorMessage(err), tc.want) {
			t.Errorf("%s: %v (%s), want %s containing %q", tc.name, err, kizuna.ErrorCode(err), tc.code, tc.want)
		}
	}
	if b.witness.Forks.Load() != 1 || b.witness.Rollbacks.Load() != 1 || b.witness.Witnessed.Load() != 2 {
		t.Errorf("counters: forks %d rollbacks %d witnessed %d, want 1 1 2", b.witness.Forks.Load(), b.witness.Rollbacks.Load(), b.witness.Witnessed.Load())
	}

	// What b holds of a: both heads, and the two alarms with their evidence.
	got, err := b.witness.WitnessedAuditHeads(ctx, 0, 1)
	if err != nil || len(got.Heads) != 1 || !got.More || got.Heads[0].Seq != 10 || got.Heads[0].Peer != "a" {
		t.Fatalf("WitnessedAuditHeads(0, 1) = %+v, %v", got, err)
	}
	got, err = b.witness.WitnessedAuditHeads(ctx, 10, 10)
	if err != nil || len(got.Heads) != 1 || got.More || got.Heads[0].Seq != 20 || len(got.Alarms) != 2 {
		t.Fatalf("WitnessedAuditHeads(10, 10) = %+v, %v", got, err)
	}
	for _, al := range got.Alarms {
		if !CheckAuditHead(&al.Head, a.pub()) || !CheckAuditHead(&al.Earlier, a.pub()) || al.Earlier.Seq != 20 {
			t.Errorf("alarm %+v: both heads must be a's signed heads, the earlier at 20", al)
		}
	}
	// c asks: it sees nothing of a's log.
	if got, err := b.witness.WitnessedAuditHeads(asPeer(c), 0, 10); err != nil || len(got.Heads) != 0 || len(got.Alarms) != 0 {
		t.Errorf("c reads %+v, %v of what b witnessed; want nothing", got, err)
	}
	// The alarms are in b's own audit log.
	evs, _ := b.db.FindAudit(context.Background(), 0, 100)
	n := 0
	for _, e := range evs {
		if e.Action == "audit.witness.alarm" && e.Object == a.id && e.Decision == "deny" {
			n++
		}
	}
	if n != 2 {
		t.Errorf("b's audit log holds %d witness alarms about a, want 2", n)
	}
}

// TestWitnessReceiptsAHeadSignedTwice: the node signed the same entry and
// hash again (its signed heads were lost); the receipt covers the head it
// sent, so that it can check and keep it.
func TestWitnessReceiptsAHeadSignedTwice(t *testing.T) {
	a, b := mustWitnessNode(t, "a"), mustWitnessNode(t, "b")
	b.witness.SetPeers(&Peers{Peers: []*PeerConfig{a.peerConfig()}})
	first := signedHead(a, 10, hashOf("10"))
	r1, err := b.witness.WitnessAuditHead(asPeer(a), first)
	if err != nil {
		t.Fatal(err)
	}
	again := *first
	again.Time = again.Time.Add(time.Hour)
	SignAuditHead(&again, a.key)
	r2, err := b.witness.WitnessAuditHead(asPeer(a), &again)
	if err != nil {
		t.Fatal(err)
	}
	if !r2.Head.Same(&again) || !CheckAuditReceipt(r2, b.pub()) || !r2.Time.Equal(r1.Time) {
		t.Fatalf("receipt %+v: want b's signature of the head as sent, witnessed when first seen (%v)", r2, r1.Time)
	}
}
