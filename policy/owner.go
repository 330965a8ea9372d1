package policy

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/stix"
)

// Agency says for which organisations other than its own a principal may
// act: name them as the creator of first versions, and version and delete
// the objects they own. Peering agreements make it: a peer node acts for the
// organisations behind it, and relays the objects of the organisations
// behind the other pinned peers that those peers signed (the federation's
// verifier checks each signature before the write rules run).
type Agency interface {
	// ActsFor reports whether pr may act for the organisation org, and the
	// nation org belongs to under the agreement ("" when unknown). signer
	// is the node that signed the object pr writes (its provenance), ""
	// for a deletion or an unsigned object: acting for the organisations
	// of another peer is bound to that peer's signature.
	ActsFor(pr *kizuna.Principal, org, signer string) (nation string, ok bool)
}

// agencyBox holds the Agency in an atomic pointer.
type agencyBox struct{ a Agency }

// SetAgency installs the agency the write rules consult (nil: principals
// act for their own organisation only). It may be called while the policy
// is in use.
func (p *Policy) SetAgency(a Agency) {
	p.agency.Store(&agencyBox{a})
}

// Agency returns the agency installed (nil when none), so that a feature
// may install one that extends it.
func (p *Policy) Agency() Agency {
	if b := p.agency.Load(); b != nil {
		return b.a
	}
	return nil
}

// actsAs reports whether pr may act as organisation org in writing obj
// (nil for a deletion): org is its own, or the agency lets it act for
// org. nation is the nation to hold org's acts to (pr's own for its
// organisation).
func (p *Policy) actsAs(pr *kizuna.Principal, org string, obj *kizuna.Object) (nation string, ok bool) {
	if pr == nil || org == "" {
		return "", false
	}
	if org == pr.Organization {
		return pr.Nation, true
	}
	if b := p.agency.Load(); b != nil && b.a != nil {
		return b.a.ActsFor(pr, org, signerOf(pr, obj))
	}
	return "", false
}

// DeletingAs returns the principal a deletion by pr of an object owned by
// the organisation owner runs as. A peer deletes the objects of the
// organisations behind it (its agency) as their originator's node: as a
// principal of the owning organisation, with the peer's nation, clearances,
// communities and roles, so that it reaches what the originator marked for
// its own organisation (TLP:AMBER, an audience) and every other rule still
// binds. Everyone else deletes as themselves.
func (p *Policy) DeletingAs(pr *kizuna.Principal, owner string) *kizuna.Principal {
	if pr == nil || !pr.HasRole(kizuna.RolePeer) || owner == "" || owner == pr.Organization {
		return pr
	}
	b := p.agency.Load()
	if b == nil || b.a == nil {
		return pr
	}
	if _, ok := b.a.ActsFor(pr, owner, ""); !ok {
		return pr
	}
	acting := *pr
	acting.Organization = owner
	return &acting
}

// signerOf returns the node whose provenance signature obj carries, when a
// peer writes it (the verifier has checked that signature), else "".
func signerOf(pr *kizuna.Principal, obj *kizuna.Object) string {
	if obj == nil || !pr.HasRole(kizuna.RolePeer) || !bytes.Contains(obj.Raw, []byte(provenanceProperty)) {
		return ""
	}
	var head struct {
		Provenance *struct {
			Node string `json:"node"`
		} `json:"x_kizuna_provenance"`
	}
	if json.Unmarshal(obj.Raw, &head) != nil || head.Provenance == nil {
		return ""
	}
	return head.Provenance.Node
}

// provenanceProperty is the federation's signature property.
const provenanceProperty = "x_kizuna_provenance"

// isObservable reports whether obj is a cyber observable: an object
// without created, whose id is shared by design (the same observation made
// by several organisations has one id) and which has no versions of its
// own.
func isObservable(obj *kizuna.Object) bool {
	return obj.Created.IsZero() && obj.Type != "marking-definition"
}

// contentFree are the properties of an observable that are not its
// content: its markings (each copy carries its own) and the federation's
// provenance signature.
var contentFree = []string{"object_marking_refs", "granular_markings", provenanceProperty}

// ContentKey returns the key of an observable's content: the SHA-256 of
// the canonical JSON of the object without its markings and provenance
// signature. Two organisations that report the same observation under
// their own markings have the same key.
func ContentKey(obj *kizuna.Object) (string, error) {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(obj.Raw, &members); err != nil {
		return "", kizuna.WrapError(kizuna.EINVALID, err, "%s: not a JSON object", obj.ID)
	}
	for _, k := range contentFree {
		delete(members, k)
	}
	b, err := json.Marshal(members)
	if err != nil {
		return "", kizuna.WrapError(kizuna.EINVALID, err, "%s: cannot encode its content", obj.ID)
	}
	canon, err := stix.Canonical(b)
	if err != nil {
		return "", kizuna.WrapError(kizuna.EINVALID, err, "%s: cannot encode its content", obj.ID)
	}
	sum := sha256.Sum256(canon)
	return hex.EncodeToString(sum[:]), nil
}

// Claim returns the owner record a first version of obj makes when stored
// on behalf of organisation org (the storing principal's, or the node
// operator's): the organisation named by created_by_ref, else org; with the
// definition's hash for a marking-definition and the content key for an
// observable.
func Claim(obj *kizuna.Object, org string) (*kizuna.Owner, error) {
	o := &kizuna.Owner{ID: obj.ID, Organization: obj.CreatedByRef}
	if o.Organization == "" {
		o.Organization = org
	}
	switch {
	case obj.Type == "marking-definition":
		o.Content = obj.Hash
	case isObservable(obj):
		key, err := ContentKey(obj)
		if err != nil {
			return nil, err
		}
		o.Content = key
	}
	return o, nil
}

type operatorKey struct{}

// operatorWork is what OperatorContext records.
type operatorWork struct {
	org      string
	creators map[string]bool
}

// OperatorContext marks ctx as the host operator's own work (imports on the
// node's machine) for the node operator's organisation org. creators are
// the ids that the objects of the request name as created_by_ref: an
// identity among them is a creator identity (see Label).
func OperatorContext(ctx context.Context, org string, creators map[string]bool) context.Context {
	return context.WithValue(ctx, operatorKey{}, &operatorWork{org: org, creators: creators})
}

func operatorFrom(ctx context.Context) *operatorWork {
	w, _ := ctx.Value(operatorKey{}).(*operatorWork)
	return w
}

// storingOrganization returns the organisation that stores obj in ctx: the
// operator's for its own work, else the principal's.
func storingOrganization(ctx context.Context) string {
	if w := operatorFrom(ctx); w != nil {
		return w.org
	}
	if pr := kizuna.PrincipalFromContext(ctx); pr != nil {
		return pr.Organization
	}
	return ""
}
