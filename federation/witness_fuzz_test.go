package federation

import (
	"encoding/json"
	"testing"

	"github.com/kizuna-dev/kizuna"
)

// FuzzWitnessAuditHead sends the witness arbitrary heads as a peer: it
// must never panic, must answer only EINVALID, EFORBIDDEN or ECONFLICT to
// what it refuses, and must accept only heads the peer's key signed,
// answering them with a receipt its own key signed.
func FuzzWitnessAuditHead(f *testing.F) {
	a, b := mustWitnessNode(f, "a"), mustWitnessNode(f, "b")
	b.witness.SetPeers(&Peers{Peers: []*PeerConfig{a.peerConfig()}})
	for _, h := range []*kizuna.AuditHead{
		signedHead(a, 10, hashOf("10")), signedHead(a, 20, hashOf("20")), signedHead(a, 20, hashOf("x")),
		signedHead(a, 5, hashOf("5")), signedHead(b, 30, hashOf("30")), {Node: a.id, Seq: -1},
	} {
		raw, _ := json.Marshal(h)
		f.Add(raw)
	}
	f.Add([]byte(`{"node":"","seq":9223372036854775807,"hash":"","time":"0001-01-01T00:00:00Z"}`))
	ctx := asPeer(a)
	f.Fuzz(func(t *testing.T, data []byte) {
		var h kizuna.AuditHead
		if json.Unmarshal(data, &h) != nil {
			return
		}
		sent := h
		r, err := b.witness.WitnessAuditHead(ctx, &h)
		if err != nil {
			switch kizuna.ErrorCode(err) {
			case kizuna.EINVALID, kizuna.EFORBIDDEN, kizuna.ECONFLICT:
			default:
				t.Fatalf("head %s: %v (%s)", data, err, kizuna.ErrorCode(err))
			}
			return
		}
		if !CheckAuditHead(&sent, a.pub()) || sent.Node != a.id {
			t.Fatalf("accepted a head a did not sign: %s", data)
		}
		if !CheckAuditReceipt(r, b.pub()) || r.Head.Seq != sent.Seq || r.Head.Hash != sent.Hash {
			t.Fatalf("receipt %+v does not countersign %s", r, data)
		}
	})
}
