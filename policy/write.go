package policy

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/kizuna-dev/kizuna"
)

// CheckWrite applies the write rules to principal pr storing obj with its
// label (and the labels of obj.Portions); previous is the latest stored
// version of the object, or nil. The rules:
//
//   - only a publisher (or a peer node relaying) may write;
//   - a publisher may only publish at or below its own clearance: each
//     required level, of the object and of its portions, must be granted by
//     the publisher's clearances;
//   - a releasability limit must include the publisher's own nation;
//   - marking-definitions are immutable: only an identical re-post of a
//     stored one is accepted;
//   - a new version of an object created by an organisation may come only
//     from that organisation (or a peer relaying it) and must keep its
//     created_by_ref; a version identical to the stored one is a no-op and
//     always allowed.
//
// A refusal is EFORBIDDEN and names the rule.
func (p *Policy) CheckWrite(ctx context.Context, pr *kizuna.Principal, obj *kizuna.Object, label *kizuna.AccessLabel, previous *kizuna.Object) error {
	if obj == nil {
		return kizuna.Errorf(kizuna.EINVALID, "no object to write")
	}
	if label == nil {
		return kizuna.Errorf(kizuna.EINVALID, "%s: no access label", obj.ID)
	}
	if d := p.DecideWrite(pr, obj, label, previous); !d.Allow {
		return kizuna.Errorf(kizuna.EFORBIDDEN, "%s: %s (rule %s)", obj.ID, d.Reason, d.Rule)
	}
	return nil
}

// DecideWrite is CheckWrite's decision, for explanations and audit records.
func (p *Policy) DecideWrite(pr *kizuna.Principal, obj *kizuna.Object, label *kizuna.AccessLabel, previous *kizuna.Object) Decision {
	if pr == nil || pr.RevokedAt != nil {
		return deny(RuleNoPrincipal, "no active principal")
	}
	if !pr.HasRole(kizuna.RolePublisher) && !pr.HasRole(kizuna.RolePeer) {
		return deny(RuleWriteRole, "principal %q holds neither the publisher nor the peer role", pr.Name)
	}
	labels := []*kizuna.AccessLabel{label}
	for _, portion := range obj.Portions {
		if portion.Label != nil {
			labels = append(labels, portion.Label)
		}
	}
	for _, l := range labels {
		for _, req := range l.Classifications {
			ok, known := p.levels.grants(pr.Clearances, req)
			if !known {
				return deny(RuleUnknownLevel, "%s:%s is not a level of this node's configuration", req.Scheme, req.Level)
			}
			if !ok {
				return deny(RuleWriteClearance, "principal %q (cleared %s) may not publish at %s:%s", pr.Name, clearanceList(pr.Clearances), req.Scheme, req.Level)
			}
		}
		if l.Releasable && (pr.Nation == "" || !slices.Contains(l.ReleasableTo, pr.Nation)) {
			return deny(RuleWriteRelease, "the releasable set [%s] does not include the publisher's nation %q", strings.Join(l.ReleasableTo, ", "), pr.Nation)
		}
	}
	if previous == nil || (previous.Hash == obj.Hash && previous.Version.Equal(obj.Version)) {
		return Decision{Allow: true, Rule: RuleAllow, Reason: "within the publisher's clearance and releasability"}
	}
	if obj.Type == "marking-definition" {
		return deny(RuleWriteImmutable, "marking-definitions are immutable once created; publish a new marking-definition instead")
	}
	creator := previous.CreatedByRef
	switch {
	case creator == "" && previous.Created.IsZero():
		// Unversioned objects (cyber observables) have no creator: every
		// new content is its own version and overwrites nothing.
	case creator == "":
		return deny(RuleWriteNoCreator, "the stored version has no created_by_ref, so no organisation may add versions to it")
	case obj.CreatedByRef != creator:
		return deny(RuleWriteOwner, "created_by_ref %q differs from the creator %q of the stored versions", obj.CreatedByRef, creator)
	case pr.Organization != creator && !pr.HasRole(kizuna.RolePeer):
		return deny(RuleWriteOwner, "%s was created by %s; organisation %q may not version it", obj.ID, creator, pr.Organization)
	}
	return Decision{Allow: true, Rule: RuleAllow, Reason: fmt.Sprintf("a version by the creating organisation %s", creator)}
}
