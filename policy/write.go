package policy

import (
	"context"
	"slices"
	"strings"

	"github.com/kizuna-dev/kizuna"
)

// Stored is the state of an id that the write rules judge a new version
// against.
type Stored struct {
	// Previous is the latest version of the id stored in the collection the
	// version is written to, or nil.
	Previous *kizuna.Object
	// PreviousReadable says whether the writing principal may read
	// Previous.
	PreviousReadable bool
	// Owner is the id's node-wide owner record, or nil when no version of
	// the id was ever stored on the node.
	Owner *kizuna.Owner
}

// CheckWrite applies the write rules to principal pr storing obj with its
// label (and the labels of obj.Portions), given the stored state of its
// id. It returns the owner record the id has once obj is stored, when obj
// makes or changes it (nil: the record stays as it is). The rules:
//
//   - only a publisher (or a peer node relaying) may write;
//   - a publisher may only publish at or below its own clearance: each
//     required level, of the object and of its portions, must be granted by
//     the publisher's clearances, and a releasability limit must include the
//     publisher's own nation;
//   - a reserved id (the TLP markings, kizuna's extension-definition, the
//     project identity, the shipped "REL TO <nation>" markings) takes only
//     its canonical content;
//   - a marking-definition id means one definition on the node: the first
//     accepted; an identical copy may be stored in any collection, any other
//     content is refused. Its definer may define only levels it is cleared
//     for, releasable to its own nation, in its own nation's scheme unless
//     the configuration's marking authorities allow another;
//   - the first version of an id on the node names as creator the
//     publisher's own organisation, one it acts for (Agency), or none;
//   - every id has an owner (kizuna.Owner). Only the owner, or a principal
//     acting for it, stores further versions of an object; a version that
//     names a creator names the owner. An observable is shared: anyone may
//     store the content its owner last stored (whatever the markings), only
//     the owner other content. Re-posting a version identical to the
//     collection's latest is a no-op allowed to anyone who may read it.
//
// A refusal is EFORBIDDEN and names the rule. The refusals for an id that
// another organisation owns say the same whatever is stored under it, so
// that they reveal nothing but that the id is taken.
func (p *Policy) CheckWrite(ctx context.Context, pr *kizuna.Principal, obj *kizuna.Object, label *kizuna.AccessLabel, st Stored) (*kizuna.Owner, error) {
	if obj == nil {
		return nil, kizuna.Errorf(kizuna.EINVALID, "no object to write")
	}
	if label == nil {
		return nil, kizuna.Errorf(kizuna.EINVALID, "%s: no access label", obj.ID)
	}
	d, owner := p.judgeWrite(pr, obj, label, st)
	if !d.Allow {
		return nil, kizuna.Errorf(kizuna.EFORBIDDEN, "%s: %s (rule %s)", obj.ID, d.Reason, d.Rule)
	}
	return owner, nil
}

// DecideWrite is CheckWrite's decision, for explanations and audit records.
func (p *Policy) DecideWrite(pr *kizuna.Principal, obj *kizuna.Object, label *kizuna.AccessLabel, st Stored) Decision {
	d, _ := p.judgeWrite(pr, obj, label, st)
	return d
}

// judgeWrite is the write decision and the owner record the version makes.
func (p *Policy) judgeWrite(pr *kizuna.Principal, obj *kizuna.Object, label *kizuna.AccessLabel, st Stored) (Decision, *kizuna.Owner) {
	if pr == nil || pr.RevokedAt != nil {
		return deny(RuleNoPrincipal, "no active principal"), nil
	}
	if !pr.HasRole(kizuna.RolePublisher) && !pr.HasRole(kizuna.RolePeer) {
		return deny(RuleWriteRole, "principal %q holds neither the publisher nor the peer role", pr.Name), nil
	}
	labels := []*kizuna.AccessLabel{label}
	for _, portion := range obj.Portions {
		if portion.Label != nil {
			labels = append(labels, portion.Label)
		}
	}
	for _, l := range labels {
		if d := p.withinReach(pr, l); !d.Allow {
			return d, nil
		}
	}
	if canonical, ok := canonicalHash(obj.ID); ok {
		if obj.Hash != canonical {
			return deny(RuleWriteReserved, "the id is reserved: every kizuna node holds its official definition, and only an identical copy may be stored"), nil
		}
		return p.allowFirst(pr, obj, st, "an identical copy of a canonical object")
	}
	if obj.Type == "marking-definition" {
		return p.judgeMarking(pr, obj, st)
	}
	if st.Owner == nil {
		if d := p.checkCreator(pr, obj); !d.Allow {
			return d, nil
		}
		return p.allowFirst(pr, obj, st, "the first version of the id on this node")
	}
	if isObservable(obj) {
		return p.judgeObservable(pr, obj, st)
	}
	owner := st.Owner.Organization
	prev := st.Previous
	if _, ok := p.actsAs(pr, owner, obj); !ok {
		if prev != nil && prev.Hash == obj.Hash && prev.Version.Equal(obj.Version) && st.PreviousReadable {
			return Decision{Allow: true, Rule: RuleAllow, Reason: "an identical re-post of the latest version"}, nil
		}
		return denyTaken(), nil
	}
	if obj.CreatedByRef != "" && obj.CreatedByRef != owner {
		return deny(RuleWriteCreator, "created_by_ref %s does not name the id's owner %s; a version keeps the creator of the first", obj.CreatedByRef, owner), nil
	}
	return Decision{Allow: true, Rule: RuleAllow, Reason: "a version by the owning organisation " + owner}, nil
}

// withinReach checks that pr may publish what label l requires: each
// level granted by its clearances, and any releasability limit including
// its nation.
func (p *Policy) withinReach(pr *kizuna.Principal, l *kizuna.AccessLabel) Decision {
	for _, req := range l.Classifications {
		if d := p.checkLevel(pr, req, RuleWriteClearance); !d.Allow {
			return d
		}
	}
	if l.Releasable && (pr.Nation == "" || !slices.Contains(l.ReleasableTo, pr.Nation)) {
		return deny(RuleWriteRelease, "the releasable set [%s] does not include the publisher's nation %q", strings.Join(l.ReleasableTo, ", "), pr.Nation)
	}
	return Decision{Allow: true, Rule: RuleAllow}
}

// denyTaken is the one refusal for an id another organisation owns: it
// says the same whatever is stored under the id, and whoever may read it.
func denyTaken() Decision {
	return deny(RuleWriteOwner, "the id is taken: it belongs to another organisation, which alone may store versions of it")
}

// checkCreator applies the creator rule to a first version: its
// created_by_ref names the publisher's own organisation, one it acts for,
// or nobody.
func (p *Policy) checkCreator(pr *kizuna.Principal, obj *kizuna.Object) Decision {
	if obj.CreatedByRef == "" {
		return Decision{Allow: true, Rule: RuleAllow}
	}
	if _, ok := p.actsAs(pr, obj.CreatedByRef, obj); !ok {
		return deny(RuleWriteCreator, "created_by_ref %s is neither the organisation of principal %q (%s) nor one it may act for", obj.CreatedByRef, pr.Name, orNone(pr.Organization))
	}
	return Decision{Allow: true, Rule: RuleAllow}
}

// allowFirst allows a version and returns the owner record it makes when
// the id has none.
func (p *Policy) allowFirst(pr *kizuna.Principal, obj *kizuna.Object, st Stored, why string) (Decision, *kizuna.Owner) {
	if st.Owner != nil {
		return Decision{Allow: true, Rule: RuleAllow, Reason: why}, nil
	}
	claim, err := Claim(obj, pr.Organization)
	if err != nil {
		return deny(RuleUninterpretable, "%s", kizuna.ErrorMessage(err)), nil
	}
	return Decision{Allow: true, Rule: RuleAllow, Reason: why}, claim
}

// judgeObservable applies the owner rule to an observable whose id has an
// owner: the owner may store any content (and its record then keeps the
// new content's key); anyone else only the content the owner stored last.
func (p *Policy) judgeObservable(pr *kizuna.Principal, obj *kizuna.Object, st Stored) (Decision, *kizuna.Owner) {
	key, err := ContentKey(obj)
	if err != nil {
		return deny(RuleUninterpretable, "%s", kizuna.ErrorMessage(err)), nil
	}
	rec := st.Owner
	if _, ok := p.actsAs(pr, rec.Organization, obj); ok {
		if d := p.checkCreator(pr, obj); !d.Allow {
			return d, nil
		}
		var next *kizuna.Owner
		if key != rec.Content {
			next = &kizuna.Owner{ID: rec.ID, Organization: rec.Organization, Content: key}
		}
		return Decision{Allow: true, Rule: RuleAllow, Reason: "an observable's content by its owner " + rec.Organization}, next
	}
	if key == rec.Content {
		return Decision{Allow: true, Rule: RuleAllow, Reason: "the content the observable's owner stored"}, nil
	}
	if prev := st.Previous; rec.Content == "" && prev != nil && prev.Hash == obj.Hash && st.PreviousReadable {
		return Decision{Allow: true, Rule: RuleAllow, Reason: "an identical re-post of the latest version"}, nil
	}
	return denyTaken(), nil
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
