package policy

import (
	"slices"

	"github.com/kizuna-dev/kizuna"
)

// judgeMarking applies the rules of marking-definitions. An id means one
// definition on the node, the first accepted: a copy identical to it may be
// stored in any collection, any other content is refused. The publisher of
// a definition, or of a copy, must be able to publish at what the marking
// expresses (its levels within the publisher's clearance, its releasability
// including the publisher's nation); the first definition must also name as
// creator the publisher's organisation or one it acts for, and define
// levels only in the scheme of that organisation's nation, unless a
// marking authority of the configuration allows another.
func (p *Policy) judgeMarking(pr *kizuna.Principal, obj *kizuna.Object, st Stored) (Decision, *kizuna.Owner) {
	expressed := p.interpret(obj).label
	if d := p.withinReach(pr, &expressed); !d.Allow {
		d.Reason = "the marking-definition expresses what its publisher may not publish: " + d.Reason
		return d, nil
	}
	if rec := st.Owner; rec != nil {
		if rec.Content != obj.Hash {
			return deny(RuleWriteImmutable, "the id is taken: this node holds another definition under it, and a marking-definition is immutable; publish a new marking-definition instead"), nil
		}
		return Decision{Allow: true, Rule: RuleAllow, Reason: "a copy of the node's definition of the marking"}, nil
	}
	if d := p.checkCreator(pr, obj); !d.Allow {
		return d, nil
	}
	nation := pr.Nation
	if obj.CreatedByRef != "" {
		nation, _ = p.actsAs(pr, obj.CreatedByRef, obj)
	}
	for _, c := range expressed.Classifications {
		if !p.mayDefine(nation, c.Scheme) {
			return deny(RuleWriteDefine, "a publisher of nation %q may not define levels of scheme %s; the configuration's marking_authorities name who else may", nation, c.Scheme), nil
		}
	}
	return p.allowFirst(pr, obj, st, "the first definition of the marking on this node")
}

// mayDefine reports whether a definer of the nation may define levels of
// the scheme: the scheme is its nation's, or a marking authority allows
// it.
func (p *Policy) mayDefine(nation, scheme string) bool {
	if nation == "" {
		return false
	}
	if own := p.levels.nationOf(scheme); own != "" && own == nation {
		return true
	}
	for _, a := range p.cfg.MarkingAuthorities {
		if normKey(a.Scheme) != normKey(scheme) {
			continue
		}
		for _, n := range a.Nations {
			if n == nation || slices.Contains(p.cfg.NationGroups[n], nation) {
				return true
			}
		}
	}
	return false
}
