package federation

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync/atomic"

	"github.com/kizuna-dev/kizuna"
)

// Verifier checks what peers send before ingest stores it (it implements
// ingest.Verifier). For a kizuna peer, the object must carry a provenance
// signature that verifies against the pinned key of the node it names:
// the sending peer itself, or another pinned peer whose signed object the
// sender relays. The object's creator organisation must be behind the
// signing node, so no peer can originate, or version, another party's
// object. For a plain TAXII peer the object is accepted unsigned, because
// the operator configured that peer as plain, and each such acceptance is
// audited. Every refusal is audited.
//
// The verified object keeps its provenance property: it records which node
// vouched for the version, and lets this node relay it with the
// originator's signature intact.
type Verifier struct {
	node   string
	peers  atomic.Pointer[Peers]
	audit  kizuna.AuditStore
	logger *slog.Logger
}

// NewVerifier returns a verifier for the node with identity id node.
func NewVerifier(node string, peers *Peers, audit kizuna.AuditStore, logger *slog.Logger) *Verifier {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	v := &Verifier{node: node, audit: audit, logger: logger}
	v.SetPeers(peers)
	return v
}

// SetPeers replaces the peer configuration the verifier uses.
func (v *Verifier) SetPeers(p *Peers) {
	if p == nil {
		p = &Peers{}
	}
	v.peers.Store(p)
}

// Verify checks raw, sent by the principal peer, and returns the object to
// ingest. An error rejects it (EFORBIDDEN), and is audited here.
func (v *Verifier) Verify(ctx context.Context, peer *kizuna.Principal, raw json.RawMessage) (json.RawMessage, error) {
	out, plain, err := v.verify(peer, raw)
	if err != nil {
		v.record(ctx, peer, raw, "federation.reject", "deny", kizuna.ErrorMessage(err))
		return nil, err
	}
	if plain {
		v.record(ctx, peer, raw, "federation.accept-unsigned", "allow",
			fmt.Sprintf("plain TAXII peer %q: accepted without a signature on the operator's configuration", peer.Name))
	}
	return out, nil
}

func (v *Verifier) verify(peer *kizuna.Principal, raw json.RawMessage) (json.RawMessage, bool, error) {
	peers := v.peers.Load()
	pc := peers.Find(peer.Name)
	if pc == nil {
		return nil, false, kizuna.Errorf(kizuna.EFORBIDDEN, "%s: principal %q holds the peer role but this node has no peering agreement of that name", objectID(raw), peer.Name)
	}
	canonical, prov, members, err := split(raw, "id", "created_by_ref")
	if err != nil {
		return nil, false, kizuna.Errorf(kizuna.EFORBIDDEN, "%s: provenance: %s", objectID(raw), kizuna.ErrorMessage(err))
	}
	id, creator := "object", ""
	if json.Unmarshal(members[0], &id) != nil || id == "" {
		id = "object"
	}
	if c := members[1]; c != nil {
		if err := json.Unmarshal(c, &creator); err != nil {
			return nil, false, kizuna.Errorf(kizuna.EFORBIDDEN, "%s: $.created_by_ref: not a string", id)
		}
	}
	if pc.Plain {
		if creator != "" && !pc.HasOrganization(creator) {
			return nil, false, kizuna.Errorf(kizuna.EFORBIDDEN, "%s: created_by_ref %s is not an organisation behind peer %q", id, creator, pc.Name)
		}
		return raw, true, nil
	}
	if prov == nil {
		return nil, false, kizuna.Errorf(kizuna.EFORBIDDEN, "%s: $.%s: missing: peer %q must sign what it sends", id, ProvenanceProperty, pc.Name)
	}
	if prov.Node == v.node {
		return nil, false, kizuna.Errorf(kizuna.EFORBIDDEN, "%s: $.%s.node: the object was signed by this node; a peer may not send it back", id, ProvenanceProperty)
	}
	signer := pc
	if prov.Node != pc.Node {
		if signer = peers.FindNode(prov.Node); signer == nil {
			return nil, false, kizuna.Errorf(kizuna.EFORBIDDEN, "%s: $.%s.node: %s is not a pinned peer node", id, ProvenanceProperty, prov.Node)
		}
	}
	pub, err := ParsePublicKey(signer.PublicKey)
	if err != nil {
		return nil, false, kizuna.Errorf(kizuna.EFORBIDDEN, "%s: peer %q has no usable pinned key", id, signer.Name)
	}
	if !CheckSignature(canonical, prov, pub) {
		return nil, false, kizuna.Errorf(kizuna.EFORBIDDEN, "%s: $.%s.sig: the signature of node %s does not verify with its pinned key %s (altered object or wrong key)", id, ProvenanceProperty, prov.Node, KeyID(pub))
	}
	if creator != "" && !signer.HasOrganization(creator) {
		return nil, false, kizuna.Errorf(kizuna.EFORBIDDEN, "%s: $.created_by_ref: %s is not an organisation behind peer %q, which may not originate its objects or versions", id, creator, signer.Name)
	}
	return raw, false, nil
}

func (v *Verifier) record(ctx context.Context, peer *kizuna.Principal, raw json.RawMessage, action, decision, reason string) {
	if v.audit == nil {
		return
	}
	e := &kizuna.AuditEvent{Principal: peer.ID, Action: action, Object: objectID(raw), Decision: decision, Reason: reason}
	if err := v.audit.AppendAudit(ctx, e); err != nil {
		v.logger.LogAttrs(ctx, slog.LevelError, "audit append failed", slog.String("action", action), slog.Any("err", err))
	}
}
