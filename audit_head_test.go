package kizuna_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
)

// TestComputeHashStable pins the chain's hash encoding: a change would
// make every stored log, and every signed or witnessed head, disagree
// with its entries.
func TestComputeHashStable(t *testing.T) {
	e := &kizuna.AuditEvent{Seq: 42, Time: time.Date(2026, 3, 1, 10, 0, 0, 123456789, time.FixedZone("JST", 9*3600)),
		Principal: "principal--1", Action: "read", Object: "indicator--x", Decision: "allow", Reason: "a,b:c\n", PrevHash: "00ff"}
	if got, want := e.ComputeHash(), "2757f396b99c4c281937ae8dc2d8ba7fe9fc43fc0680705ecad7b4ceddd413cb"; got != want {
		t.Errorf("ComputeHash = %s, want %s", got, want)
	}
}

// TestSignedBytes checks that every field of a head and of a receipt
// changes what is signed, and that heads and receipts never sign the same
// bytes.
func TestSignedBytes(t *testing.T) {
	base := kizuna.AuditHead{Node: "identity--a", Seq: 7, Hash: "ab", Time: time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC), Key: "k", Sig: "s"}
	changes := map[string]func(h *kizuna.AuditHead){
		"node": func(h *kizuna.AuditHead) { h.Node = "identity--b" },
		"seq":  func(h *kizuna.AuditHead) { h.Seq = 8 },
		"hash": func(h *kizuna.AuditHead) { h.Hash = "ac" },
		"time": func(h *kizuna.AuditHead) { h.Time = h.Time.Add(time.Microsecond) },
		// Field boundaries: moving a character from one field to the next.
		"boundary": func(h *kizuna.AuditHead) { h.Node, h.Hash = "identity--a7", "ab"; h.Seq = 0 },
	}
	for name, change := range changes {
		h := base
		change(&h)
		if bytes.Equal(h.SignedBytes(), base.SignedBytes()) {
			t.Errorf("head: changing %s leaves the signed bytes alone", name)
		}
	}
	// Key and Sig are not signed by the head itself.
	h := base
	h.Key, h.Sig = "other", "other"
	if !bytes.Equal(h.SignedBytes(), base.SignedBytes()) {
		t.Errorf("head: the key and signature are part of the signed bytes")
	}
	// Nanoseconds below the stored precision are not signed.
	h = base
	h.Time = h.Time.Add(999).In(time.FixedZone("JST", 9*3600))
	if !bytes.Equal(h.SignedBytes(), base.SignedBytes()) {
		t.Errorf("head: the signed time depends on the zone or on nanoseconds the stores drop")
	}

	rb := kizuna.AuditReceipt{Head: base, Witness: "identity--w", Time: base.Time}
	rchanges := map[string]func(r *kizuna.AuditReceipt){
		"witness":   func(r *kizuna.AuditReceipt) { r.Witness = "identity--v" },
		"time":      func(r *kizuna.AuditReceipt) { r.Time = r.Time.Add(time.Second) },
		"head seq":  func(r *kizuna.AuditReceipt) { r.Head.Seq = 9 },
		"head sig":  func(r *kizuna.AuditReceipt) { r.Head.Sig = "t" },
		"head key":  func(r *kizuna.AuditReceipt) { r.Head.Key = "j" },
		"head node": func(r *kizuna.AuditReceipt) { r.Head.Node = "identity--c" },
	}
	for name, change := range rchanges {
		r := rb
		change(&r)
		if bytes.Equal(r.SignedBytes(), rb.SignedBytes()) {
			t.Errorf("receipt: changing %s leaves the signed bytes alone", name)
		}
	}
	if bytes.HasPrefix(rb.SignedBytes(), []byte("kizuna audit head")) || bytes.Equal(rb.SignedBytes(), base.SignedBytes()) {
		t.Errorf("a receipt signs bytes a head could also sign")
	}
	if !base.Same(&base) || func() bool { o := base; o.Sig = "x"; return base.Same(&o) }() {
		t.Errorf("Same does not compare the signature")
	}
}
