package federation

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/kizuna-dev/kizuna"
)

// BenchmarkSign measures signing one object for egress.
func BenchmarkSign(b *testing.B) {
	key := MustKey(b)
	raw := json.RawMessage(sampleObject)
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := Sign(raw, "identity--node-a", key); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify measures the verifier's check of one signed object, as
// ingest runs it for every object a peer sends.
func BenchmarkVerify(b *testing.B) {
	ka, kb := MustKey(b), MustKey(b)
	v := NewVerifier("identity--self", testPeers(b, ka, kb), nil, nil)
	raw, err := Sign(object(orgA, "x"), "identity--node-a", ka)
	if err != nil {
		b.Fatal(err)
	}
	peer := &kizuna.Principal{ID: "principal--a", Name: "a", Roles: []string{kizuna.RolePeer}}
	ctx := context.Background()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := v.Verify(ctx, peer, raw); err != nil {
			b.Fatal(err)
		}
	}
}
