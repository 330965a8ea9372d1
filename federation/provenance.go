package federation

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/stix"
)

// ProvenanceProperty is the custom property that carries an object's
// signature between nodes. The signature covers the signing node's id and
// the RFC 8785 canonical JSON of the object without this property (see
// signedMessage).
const ProvenanceProperty = "x_kizuna_provenance"

// Provenance says which node vouches for an object version.
type Provenance struct {
	Node string `json:"node"` // the signing node's identity id
	Key  string `json:"key"`  // KeyID of the signing key
	Sig  string `json:"sig"`  // base64 Ed25519 signature
}

// Split returns raw without its provenance property, the canonical JSON of
// that remainder (what a signature covers), and the provenance (nil when
// absent). Without a provenance, stripped is raw itself; with one, it is
// the canonical form. The object must be I-JSON (no duplicate names), so
// that the signed bytes and the stored object cannot differ in meaning.
func Split(raw json.RawMessage) (stripped json.RawMessage, canonical []byte, prov *Provenance, err error) {
	canonical, prov, _, err = split(raw)
	if err != nil {
		return nil, nil, nil, err
	}
	if prov == nil {
		return raw, canonical, nil, nil
	}
	return canonical, canonical, prov, nil
}

// split parses raw once and returns the canonical JSON of raw without its
// provenance, the provenance (nil when absent), and the canonical JSON of
// the values of the top-level members named in pick (nil where absent).
func split(raw json.RawMessage, pick ...string) (canonical []byte, prov *Provenance, picked [][]byte, err error) {
	canonical, picked, err = stix.CanonicalSplit(raw, ProvenanceProperty, append([]string{ProvenanceProperty}, pick...)...)
	if err != nil {
		return nil, nil, nil, kizuna.Errorf(kizuna.EINVALID, "%s: $: %v", objectID(raw), err)
	}
	if picked[0] == nil {
		return canonical, nil, picked[1:], nil
	}
	prov = &Provenance{}
	if err := json.Unmarshal(picked[0], prov); err != nil || prov.Node == "" || prov.Sig == "" {
		return nil, nil, nil, kizuna.Errorf(kizuna.EINVALID, "%s: $.%s: want {\"node\", \"key\", \"sig\"}", objectID(raw), ProvenanceProperty)
	}
	return canonical, prov, picked[1:], nil
}

// Sign returns raw signed by node with key: any provenance it carried is
// replaced by this node's. The result is the canonical JSON of the object
// with the provenance property appended.
func Sign(raw json.RawMessage, node string, key ed25519.PrivateKey) (json.RawMessage, error) {
	canonical, _, _, err := split(raw)
	if err != nil {
		return nil, err
	}
	return appendProvenance(canonical, node, key), nil
}

// appendProvenance returns the canonical object with this node's
// provenance property appended: its signature of canonical.
func appendProvenance(canonical []byte, node string, key ed25519.PrivateKey) json.RawMessage {
	prov, _ := json.Marshal(Provenance{ // three strings always marshal
		Node: node, Key: KeyID(key.Public().(ed25519.PublicKey)),
		Sig: base64.StdEncoding.EncodeToString(ed25519.Sign(key, signedMessage(node, canonical))),
	})
	out := make([]byte, 0, len(canonical)+len(ProvenanceProperty)+len(prov)+4)
	out = append(out, canonical[:len(canonical)-1]...) // without the closing brace
	if len(canonical) > 2 {
		out = append(out, ',')
	}
	out = append(out, '"')
	out = append(out, ProvenanceProperty...)
	out = append(out, '"', ':')
	out = append(out, prov...)
	return append(out, '}')
}

// CheckSignature verifies prov's signature of canonical with pub.
func CheckSignature(canonical []byte, prov *Provenance, pub ed25519.PublicKey) bool {
	if prov == nil || prov.Key != KeyID(pub) {
		return false
	}
	sig, err := base64.StdEncoding.DecodeString(prov.Sig)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return false
	}
	return ed25519.Verify(pub, signedMessage(prov.Node, canonical), sig)
}

// signedMessage is what a provenance signature covers: a context string,
// so that the signature cannot be replayed in another protocol, the
// signing node's id, so that it cannot be attributed to another node, and
// the canonical object.
func signedMessage(node string, canonical []byte) []byte {
	msg := make([]byte, 0, 32+len(node)+len(canonical))
	msg = append(msg, "kizuna provenance v1\x00"...)
	msg = append(msg, node...)
	msg = append(msg, 0)
	return append(msg, canonical...)
}

// objectHead holds the envelope fields the federation reads from raw JSON.
type objectHead struct {
	ID string `json:"id"`
}

func head(raw []byte) objectHead {
	var h objectHead
	_ = json.Unmarshal(raw, &h) // a missing or malformed id reads as ""
	return h
}

// objectID names an object in messages: its id, or "object".
func objectID(raw []byte) string {
	if id := head(raw).ID; id != "" {
		return id
	}
	return "object"
}
