package policy

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/kizuna-dev/kizuna"
)

// An object derived from others (a sighting of an indicator, a correlation,
// an assessment) reveals something of each of them, so it must be at least
// as restricted as every one. The restriction has to be carried by the
// derived object's own markings, not only by the label this node computes:
// a peer that receives it recomputes its label from its markings.

// DerivedSource is one object something is derived from: a stored version
// (with its Label and Portions as stored, and the collection it is stored
// in, whose default markings apply when it carries none), or an object that
// is not stored, such as observations submitted for matching (Collection
// nil), labelled here from its own markings.
type DerivedSource struct {
	Object     *kizuna.Object
	Collection *kizuna.Collection
}

// RequiredLabel is a label a derived object must be at least as restrictive
// as, and what it is the label of (for messages).
type RequiredLabel struct {
	Of    string
	Label *kizuna.AccessLabel
}

// Derivation is how an object derived from sources must be marked: it
// carries MarkingRefs as its object_marking_refs and, when AudienceLimited,
// Audience in kizuna's access extension; CheckDerived then proves that the
// label these give it is at least as restrictive as each of Required.
type Derivation struct {
	MarkingRefs     []string
	Audience        []string
	AudienceLimited bool
	Required        []RequiredLabel
}

// Extension returns the extensions entry that carries the derivation's
// audience (kizuna's access extension), or nil when no audience applies.
func (d *Derivation) Extension() map[string]any {
	if !d.AudienceLimited {
		return nil
	}
	audience := d.Audience
	if audience == nil {
		audience = []string{} // an empty audience admits nobody; it must stay in the JSON
	}
	return map[string]any{ExtensionID: map[string]any{"extension_type": "property-extension", "audience": audience}}
}

// Derive returns the markings an object derived from sources must carry:
// every marking of every source, object-level and granular (a stored source
// without object markings contributes its collection's default markings),
// and the intersection of the audiences of the sources' labels. Required
// lists the labels of the sources and of each of their portions. A stored
// source without a label, or an unstored one whose markings this node does
// not hold, is an error: nothing is derived from what cannot be judged.
func (p *Policy) Derive(ctx context.Context, sources []DerivedSource) (*Derivation, error) {
	d := &Derivation{}
	var refs []string
	for _, src := range sources {
		o := src.Object
		if o == nil {
			return nil, kizuna.Errorf(kizuna.EINVALID, "no source object to derive from")
		}
		own := ownMarkingRefs(o)
		if src.Collection != nil {
			if o.Label == nil {
				return nil, kizuna.Errorf(kizuna.EINTERNAL, "%s has no stored label", o.ID)
			}
			if len(o.MarkingRefs) == 0 {
				if len(src.Collection.DefaultMarkingRefs) == 0 {
					return nil, kizuna.Errorf(kizuna.EINTERNAL, "%s carries no marking and collection %s has no default", o.ID, src.Collection.ID)
				}
				own = append(own, src.Collection.DefaultMarkingRefs...)
			}
			d.Required = append(d.Required, RequiredLabel{Of: o.ID, Label: o.Label})
			for _, portion := range o.Portions {
				if portion.Label == nil {
					return nil, kizuna.Errorf(kizuna.EINTERNAL, "%s: portion %s has no stored label", o.ID, strings.Join(portion.Selectors, ", "))
				}
				d.Required = append(d.Required, RequiredLabel{Of: o.ID + " (" + strings.Join(portion.Selectors, ", ") + ")", Label: portion.Label})
			}
		} else {
			l, err := p.sourceLabel(ctx, o, own)
			if err != nil {
				return nil, err
			}
			if l != nil {
				d.Required = append(d.Required, RequiredLabel{Of: o.ID, Label: l})
			}
		}
		refs = append(refs, own...)
	}
	d.MarkingRefs = sortedSet(refs)
	for _, r := range d.Required {
		if !r.Label.AudienceLimited && !tlpNeedsAudience(r.Label.TLP) {
			continue
		}
		if !d.AudienceLimited {
			d.AudienceLimited, d.Audience = true, slices.Clone(r.Label.Audience)
		} else {
			d.Audience = intersect(d.Audience, r.Label.Audience)
		}
	}
	d.Audience = sortedSet(d.Audience)
	return d, nil
}

// ownMarkingRefs returns the markings an object carries itself: its
// object_marking_refs and the marking_ref of each granular marking.
func ownMarkingRefs(o *kizuna.Object) []string {
	refs := slices.Clone(o.MarkingRefs)
	for _, g := range o.GranularMarkings {
		if g.MarkingRef != "" {
			refs = append(refs, g.MarkingRef)
		}
	}
	return refs
}

// sourceLabel labels an object that is not stored from every marking it
// carries (granular ones as if they marked the whole object, which is the
// safe side) and the audience it names; nil when it carries neither.
func (p *Policy) sourceLabel(ctx context.Context, o *kizuna.Object, refs []string) (*kizuna.AccessLabel, error) {
	named := strings.Contains(string(o.Raw), ExtensionID)
	if len(refs) == 0 && !named {
		return nil, nil
	}
	pseudo := &kizuna.Object{ID: o.ID, Type: o.Type, SpecVersion: o.SpecVersion, CreatedByRef: o.CreatedByRef, MarkingRefs: sortedSet(refs), Raw: o.Raw}
	onlyAudience := len(pseudo.MarkingRefs) == 0
	if onlyAudience {
		// Label it under a marking that adds nothing but a TLP, so that
		// Label takes no collection default, then drop that TLP.
		pseudo.MarkingRefs = []string{TLP2Clear}
	}
	l, _, _, err := p.Label(ctx, pseudo, nil)
	if err != nil {
		return nil, err
	}
	if onlyAudience {
		l.TLP = ""
	}
	return l, nil
}

// CheckDerived labels obj, an object derived from the sources of d, as it
// would be stored in collection c, and checks that its label is at least as
// restrictive as every label d requires. Errors: EFORBIDDEN naming the
// source whose restriction the object would not carry, and any error of
// Label.
func (p *Policy) CheckDerived(ctx context.Context, obj *kizuna.Object, c *kizuna.Collection, d *Derivation) (*kizuna.AccessLabel, error) {
	l, _, _, err := p.Label(ctx, obj, c)
	if err != nil {
		return nil, err
	}
	for _, r := range d.Required {
		if ok, why := p.AtLeastAsRestrictive(l, r.Label); !ok {
			return nil, kizuna.Errorf(kizuna.EFORBIDDEN, "%s would be readable by readers who may not read %s, from which it is derived: %s", obj.ID, r.Of, why)
		}
	}
	return l, nil
}

// AtLeastAsRestrictive reports whether label a is at least as restrictive
// as label b: whether every reader the decision admits to a is admitted to
// b, whatever the reader. When it is not (or cannot be shown), it says which
// requirement of b a lacks.
//
// It is conservative. A requirement of b is met only by the same kind of
// requirement in a: a level in the same scheme at the same tier or above,
// a subset of b's releasable nations and of its audience, a superset of its
// communities, a TLP at least as restrictive. A level in one scheme never
// stands for a level in another, even where this node's agreements declare
// them equivalent: equivalences are not transitive, and a peer that
// receives the object judges it under its own agreements. A label that
// admits nobody (an uninterpretable marking, an unknown TLP or level, an
// empty releasable set or audience) is at least as restrictive as any.
func (p *Policy) AtLeastAsRestrictive(a, b *kizuna.AccessLabel) (bool, string) {
	if p.admitsNobody(a) {
		return true, ""
	}
	if b == nil || p.admitsNobody(b) {
		return false, "it would admit readers where its source admits nobody"
	}
	if rank(a.TLP) < rank(b.TLP) {
		return false, fmt.Sprintf("TLP %q is less restrictive than %q", a.TLP, b.TLP)
	}
	if needsAudience(b) {
		if !needsAudience(a) {
			return false, fmt.Sprintf("it names no audience, where the source is limited to [%s]", strings.Join(b.Audience, ", "))
		}
		if extra := missing(a.Audience, b.Audience); len(extra) > 0 {
			return false, fmt.Sprintf("its audience admits [%s], outside the source's [%s]", strings.Join(extra, ", "), strings.Join(b.Audience, ", "))
		}
	}
	if b.Releasable {
		if !a.Releasable {
			return false, fmt.Sprintf("it is not limited by releasability, where the source is releasable only to [%s]", strings.Join(b.ReleasableTo, ", "))
		}
		if extra := missing(a.ReleasableTo, b.ReleasableTo); len(extra) > 0 {
			return false, fmt.Sprintf("it is releasable to [%s], to which the source is not", strings.Join(extra, ", "))
		}
	}
	if lacking := missing(b.Communities, a.Communities); len(lacking) > 0 {
		return false, fmt.Sprintf("it does not require the communities [%s]", strings.Join(lacking, ", "))
	}
	for _, req := range b.Classifications {
		lq, _ := p.levels.level(req.Scheme, req.Level) // known: b admits somebody
		if lq.open {
			continue
		}
		met := false
		for _, c := range a.Classifications {
			if la, ok := p.levels.level(c.Scheme, c.Level); ok && la.scheme == lq.scheme && la.tier >= lq.tier && !la.open {
				met = true
				break
			}
		}
		if !met {
			return false, fmt.Sprintf("it does not require %s:%s or a higher level of that scheme", lq.scheme, lq.id)
		}
	}
	return true, ""
}

// admitsNobody reports whether the decision denies every reader a label,
// on its face.
func (p *Policy) admitsNobody(l *kizuna.AccessLabel) bool {
	if l == nil || len(l.Uninterpretable) > 0 {
		return true
	}
	if _, ok := tlpRank[l.TLP]; !ok {
		return true
	}
	if needsAudience(l) && len(l.Audience) == 0 {
		return true
	}
	if l.Releasable && len(l.ReleasableTo) == 0 {
		return true
	}
	for _, c := range l.Classifications {
		if _, ok := p.levels.level(c.Scheme, c.Level); !ok {
			return true
		}
	}
	return false
}

// needsAudience reports whether the decision checks the reader against the
// label's audience.
func needsAudience(l *kizuna.AccessLabel) bool {
	return l.AudienceLimited || tlpNeedsAudience(l.TLP)
}

// missing returns the members of a that are not in b.
func missing(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}
