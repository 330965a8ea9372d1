package federation

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"

	"github.com/kizuna-dev/kizuna"
)

// SignAuditHead sets h's Key and Sig: key's id and its signature of
// h.SignedBytes().
func SignAuditHead(h *kizuna.AuditHead, key ed25519.PrivateKey) {
	h.Key, h.Sig = signBytes(h.SignedBytes(), key)
}

// CheckAuditHead reports whether h carries pub's signature of its content.
func CheckAuditHead(h *kizuna.AuditHead, pub ed25519.PublicKey) bool {
	return checkBytes(h.SignedBytes(), h.Key, h.Sig, pub)
}

// SignAuditReceipt sets r's Key and Sig: key's id and its signature of
// r.SignedBytes().
func SignAuditReceipt(r *kizuna.AuditReceipt, key ed25519.PrivateKey) {
	r.Key, r.Sig = signBytes(r.SignedBytes(), key)
}

// CheckAuditReceipt reports whether r carries the witness key pub's
// signature of its content (which includes the head and its signature).
func CheckAuditReceipt(r *kizuna.AuditReceipt, pub ed25519.PublicKey) bool {
	return checkBytes(r.SignedBytes(), r.Key, r.Sig, pub)
}

// CheckHeadFields fails with EINVALID when a head is malformed: a seq
// below 1, a hash that is not 64 lowercase hex digits (the log's SHA-256),
// no time or no signature.
func CheckHeadFields(h *kizuna.AuditHead) error {
	if h.Node == "" {
		return kizuna.Errorf(kizuna.EINVALID, "audit head: $.node: missing")
	}
	if h.Seq < 1 {
		return kizuna.Errorf(kizuna.EINVALID, "audit head: $.seq: %d: want 1 or more", h.Seq)
	}
	if b, err := hex.DecodeString(h.Hash); err != nil || len(b) != 32 || hex.EncodeToString(b) != h.Hash {
		return kizuna.Errorf(kizuna.EINVALID, "audit head: $.hash: want the 64 lowercase hex digits of a SHA-256")
	}
	if h.Time.IsZero() {
		return kizuna.Errorf(kizuna.EINVALID, "audit head: $.time: missing")
	}
	if h.Key == "" || h.Sig == "" {
		return kizuna.Errorf(kizuna.EINVALID, "audit head: $.sig: missing")
	}
	return nil
}

// signBytes returns key's id and its base64 signature of msg.
func signBytes(msg []byte, key ed25519.PrivateKey) (keyID, sig string) {
	return KeyID(key.Public().(ed25519.PublicKey)), base64.StdEncoding.EncodeToString(ed25519.Sign(key, msg))
}

// checkBytes reports whether sig is pub's signature of msg and keyID
// names pub.
func checkBytes(msg []byte, keyID, sig string, pub ed25519.PublicKey) bool {
	if len(pub) != ed25519.PublicKeySize || keyID != KeyID(pub) {
		return false
	}
	b, err := base64.StdEncoding.DecodeString(sig)
	if err != nil || len(b) != ed25519.SignatureSize {
		return false
	}
	return ed25519.Verify(pub, msg, b)
}
