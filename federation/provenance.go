package federation

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/stix"
)

// ProvenanceProperty is the custom property that carries an object's
// signature between nodes. The signature covers the RFC 8785 canonical
// JSON of the object without this property.
const ProvenanceProperty = "x_kizuna_provenance"

// Provenance says which node vouches for an object version.
type Provenance struct {
	Node string `json:"node"` // the signing node's identity id
	Key  string `json:"key"`  // KeyID of the signing key
	Sig  string `json:"sig"`  // base64 Ed25519 signature
}

// Split returns raw without its provenance property, the canonical JSON of
// that remainder (what a signature covers), and the provenance (nil when
// absent). The object must be I-JSON (no duplicate names), so that the
// signed bytes and the stored object cannot differ in meaning.
func Split(raw json.RawMessage) (stripped json.RawMessage, canonical []byte, prov *Provenance, err error) {
	if _, err := stix.Canonical(raw); err != nil {
		return nil, nil, nil, kizuna.Errorf(kizuna.EINVALID, "%s: $: %v", objectID(raw), err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, nil, nil, kizuna.Errorf(kizuna.EINVALID, "%s: $: not a JSON object", objectID(raw))
	}
	if p, ok := m[ProvenanceProperty]; ok {
		prov = &Provenance{}
		if err := json.Unmarshal(p, prov); err != nil || prov.Node == "" || prov.Sig == "" {
			return nil, nil, nil, kizuna.Errorf(kizuna.EINVALID, "%s: $.%s: want {\"node\", \"key\", \"sig\"}", objectID(raw), ProvenanceProperty)
		}
		delete(m, ProvenanceProperty)
		if stripped, err = json.Marshal(m); err != nil {
			return nil, nil, nil, kizuna.WrapError(kizuna.EINVALID, err, "%s: cannot re-encode", objectID(raw))
		}
	} else {
		stripped = raw
	}
	canonical, err = stix.Canonical(stripped)
	if err != nil {
		return nil, nil, nil, kizuna.Errorf(kizuna.EINVALID, "%s: $: %v", objectID(raw), err)
	}
	return stripped, canonical, prov, nil
}

// Sign returns raw signed by node with key: any provenance it carried is
// replaced by this node's.
func Sign(raw json.RawMessage, node string, key ed25519.PrivateKey) (json.RawMessage, error) {
	stripped, canonical, _, err := Split(raw)
	if err != nil {
		return nil, err
	}
	prov := Provenance{
		Node: node, Key: KeyID(key.Public().(ed25519.PublicKey)),
		Sig: base64.StdEncoding.EncodeToString(ed25519.Sign(key, canonical)),
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(stripped, &m); err != nil {
		return nil, kizuna.Errorf(kizuna.EINVALID, "%s: $: not a JSON object", objectID(raw))
	}
	m[ProvenanceProperty], _ = json.Marshal(prov) // three strings always marshal
	return json.Marshal(m)
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
	return ed25519.Verify(pub, canonical, sig)
}

// objectHead holds the envelope fields the federation reads from raw JSON.
type objectHead struct {
	ID           string `json:"id"`
	CreatedByRef string `json:"created_by_ref"`
	Modified     string `json:"modified"`
}

func head(raw []byte) objectHead {
	var h objectHead
	_ = json.Unmarshal(raw, &h) // a missing field reads as ""
	return h
}

func objectID(raw []byte) string {
	if id := head(raw).ID; id != "" {
		return id
	}
	return "object"
}
