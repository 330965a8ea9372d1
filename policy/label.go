package policy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/kizuna-dev/kizuna"
)

// Label computes the access label of obj in collection c from all of its
// markings, the labels of the portions its granular_markings mark, and
// warnings for the publisher.
//
// An object without object_marking_refs takes the collection's
// DefaultMarkingRefs, except the meta objects a reader needs to interpret
// other objects (see metaLabel): a marking-definition, an
// extension-definition, and the identity of an organisation that the
// storing principal may name as creator. A reference to a
// marking-definition the node does not hold rejects the object (EINVALID):
// publish the marking-definition first, earlier in the same bundle or in an
// earlier request. A held marking the node cannot interpret is recorded in
// Uninterpretable, which denies every reader, and reported as a warning.
// The label of a portion that marks a required property is folded into the
// object's own label, so that the store withholds the object inside its
// query from readers not cleared for that portion.
//
// The id of a marking-definition or an observable to store must be in
// lowercase (checkIDCase), whoever stores it; a principal's UUIDv5
// observable id must be the deterministic id of its value
// (checkObservableID).
//
// The audience that TLP:AMBER, AMBER+STRICT and RED default to is the
// object's creator (created_by_ref), else the organisation storing it: the
// principal's, or the node operator's for its own imports
// (OperatorContext). That is the owner of a first version (kizuna.Owner).
func (p *Policy) Label(ctx context.Context, obj *kizuna.Object, c *kizuna.Collection) (*kizuna.AccessLabel, []kizuna.Portion, []string, error) {
	if obj == nil {
		return nil, nil, nil, kizuna.Errorf(kizuna.EINVALID, "no object to label")
	}
	if err := checkReserved(obj); err != nil {
		return nil, nil, nil, err
	}
	if c != nil { // an object to store, not an observation to derive from
		if err := checkIDCase(obj); err != nil {
			return nil, nil, nil, err
		}
		if operatorFrom(ctx) == nil {
			if err := checkObservableID(obj); err != nil {
				return nil, nil, nil, err
			}
		}
	}
	var warnings []string
	creator := obj.CreatedByRef
	if creator == "" {
		creator = storingOrganization(ctx)
	}
	refs := obj.MarkingRefs
	var label kizuna.AccessLabel
	if len(refs) == 0 {
		meta, ok, w := p.metaLabel(ctx, obj)
		if ok {
			label = meta
			warnings = append(warnings, w...)
		} else if c == nil || len(c.DefaultMarkingRefs) == 0 {
			return nil, nil, nil, kizuna.Errorf(kizuna.EINVALID, "%s: $.object_marking_refs: the object carries no marking and the collection has no default marking", obj.ID)
		} else {
			refs = c.DefaultMarkingRefs
		}
	}
	if len(refs) > 0 {
		l, w, err := p.labelOf(ctx, obj, refs, "$.object_marking_refs")
		if err != nil {
			return nil, nil, nil, err
		}
		label = l
		warnings = append(warnings, w...)
	}
	if obj.Type != "marking-definition" && bytes.Contains(obj.Raw, []byte(ExtensionID)) {
		own, w := p.ownAudience(obj)
		warnings = append(warnings, w...)
		label = combine(label, own)
	}
	if _, builtin := tlpByID[obj.ID]; obj.Type == "marking-definition" && !builtin {
		if in := p.interpret(obj); len(in.reasons) > 0 {
			warnings = append(warnings, fmt.Sprintf("%s: objects marked with this marking-definition will be visible to nobody: %s", obj.ID, strings.Join(sortedCopy(in.reasons), "; ")))
		}
	}
	label = p.finish(label, creator)
	if label.AudienceLimited && len(label.Audience) == 0 {
		warnings = append(warnings, fmt.Sprintf("%s: the audience is empty (no created_by_ref and no publishing organisation, or disjoint audiences): nobody may read the object", obj.ID))
	}

	portions, folded, w, err := p.portions(ctx, obj, creator)
	if err != nil {
		return nil, nil, nil, err
	}
	warnings = append(warnings, w...)
	if len(folded) > 0 {
		before := label
		for _, f := range folded {
			label = combine(label, *f.Label)
		}
		label = p.finish(label, creator)
		if !reflect.DeepEqual(before, label) {
			warnings = append(warnings, fmt.Sprintf("%s: a granular marking on a required property (%s) withholds the whole object from readers who may see the object but not that portion", obj.ID, strings.Join(folded[0].Selectors, ", ")))
		}
	}
	return &label, portions, warnings, nil
}

// labelOf combines the markings refs point to.
func (p *Policy) labelOf(ctx context.Context, obj *kizuna.Object, refs []string, path string) (kizuna.AccessLabel, []string, error) {
	var label kizuna.AccessLabel
	var warnings []string
	for i, ref := range refs {
		var in *interpretation
		var err error
		if _, builtin := tlpByID[ref]; ref == obj.ID && obj.Type == "marking-definition" && !builtin {
			in = p.interpret(obj) // a marking-definition that marks itself
		} else {
			in, err = p.resolve(ctx, ref)
		}
		if kizuna.ErrorCode(err) == kizuna.ENOTFOUND {
			return label, nil, kizuna.Errorf(kizuna.EINVALID, "%s: %s[%d]: %s is unknown to this node; publish the marking-definition before the objects it marks", obj.ID, path, i, ref)
		} else if err != nil {
			return label, nil, err
		}
		label = combine(label, in.label)
		if len(in.reasons) > 0 {
			label.Uninterpretable = append(label.Uninterpretable, ref)
			warnings = append(warnings, fmt.Sprintf("%s: %s[%d]: %s cannot be interpreted, so nobody may read what it marks: %s", obj.ID, path, i, ref, strings.Join(sortedCopy(in.reasons), "; ")))
		}
	}
	return label, warnings, nil
}

// ownAudience reads the audience an object names in kizuna's extension.
func (p *Policy) ownAudience(obj *kizuna.Object) (kizuna.AccessLabel, []string) {
	var head struct {
		Extensions map[string]json.RawMessage `json:"extensions"`
	}
	in := &interpretation{}
	if err := json.Unmarshal(obj.Raw, &head); err != nil {
		in.fail("$.extensions: %v", err)
	} else if ext, ok := head.Extensions[ExtensionID]; ok {
		p.interpretKizuna(in, fmt.Sprintf("$.extensions[%q]", ExtensionID), ext, false)
	}
	if len(in.reasons) > 0 {
		l := in.label
		l.Uninterpretable = append(l.Uninterpretable, ExtensionID)
		return l, []string{fmt.Sprintf("%s: %s", obj.ID, strings.Join(in.reasons, "; "))}
	}
	return in.label, nil
}

// finish applies the defaults and makes the label canonical: TLP:AMBER,
// AMBER+STRICT and RED without a named audience go to the creator's
// organisation; a level marked noforn_by_default without any releasability
// marking is releasable to its scheme's nation only (several such schemes:
// the nations they share, which is none when they differ).
func (p *Policy) finish(l kizuna.AccessLabel, creator string) kizuna.AccessLabel {
	if tlpNeedsAudience(l.TLP) && !l.AudienceLimited {
		l.AudienceLimited = true
		if creator != "" {
			l.Audience = []string{creator}
		}
	}
	if !l.Releasable {
		for _, c := range l.Classifications {
			if lv, ok := p.levels.level(c.Scheme, c.Level); ok && lv.noforn {
				l = combine(l, kizuna.AccessLabel{Releasable: true, ReleasableTo: []string{p.levels.nationOf(lv.scheme)}})
			}
		}
	}
	return p.Canonical(l)
}

func tlpNeedsAudience(tlp string) bool {
	return tlp == kizuna.TLPAmber || tlp == kizuna.TLPAmberStrict || tlp == kizuna.TLPRed
}

// combine returns a label that requires everything a and b require: the
// most restrictive TLP, every classification and community, and the
// intersection of releasability and of audiences.
func combine(a, b kizuna.AccessLabel) kizuna.AccessLabel {
	out := kizuna.AccessLabel{
		TLP:             a.TLP,
		Classifications: append(slices.Clip(a.Classifications), b.Classifications...),
		Communities:     append(slices.Clip(a.Communities), b.Communities...),
		Uninterpretable: append(slices.Clip(a.Uninterpretable), b.Uninterpretable...),
	}
	if rank(b.TLP) > rank(a.TLP) {
		out.TLP = b.TLP
	}
	switch {
	case a.Releasable && b.Releasable:
		out.Releasable, out.ReleasableTo = true, intersect(a.ReleasableTo, b.ReleasableTo)
	case a.Releasable:
		out.Releasable, out.ReleasableTo = true, slices.Clone(a.ReleasableTo)
	case b.Releasable:
		out.Releasable, out.ReleasableTo = true, slices.Clone(b.ReleasableTo)
	}
	switch {
	case a.AudienceLimited && b.AudienceLimited:
		out.AudienceLimited, out.Audience = true, intersect(a.Audience, b.Audience)
	case a.AudienceLimited:
		out.AudienceLimited, out.Audience = true, slices.Clone(a.Audience)
	case b.AudienceLimited:
		out.AudienceLimited, out.Audience = true, slices.Clone(b.Audience)
	}
	return out
}

// rank orders TLP values; an unknown value ranks above RED so that it wins
// and the decision denies it.
func rank(tlp string) int {
	if r, ok := tlpRank[tlp]; ok {
		return r
	}
	return 100
}

func intersect(a, b []string) []string {
	out := []string{}
	for _, x := range a {
		if slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

// Canonical returns l with sorted, deduplicated lists, level ids in their
// configured spelling and, per scheme, only the highest tier required, so
// that equal requirements encode equally and the store keeps them once.
func (p *Policy) Canonical(l kizuna.AccessLabel) kizuna.AccessLabel {
	out := kizuna.AccessLabel{TLP: l.TLP, Releasable: l.Releasable, AudienceLimited: l.AudienceLimited}
	top := map[string]int{}
	var known []*levelInfo
	for _, c := range l.Classifications {
		lv, ok := p.levels.level(c.Scheme, c.Level)
		if !ok {
			out.Classifications = append(out.Classifications, c) // kept so that the decision denies it
			continue
		}
		known = append(known, lv)
		if t, seen := top[lv.scheme]; !seen || lv.tier > t {
			top[lv.scheme] = lv.tier
		}
	}
	for _, lv := range known {
		if lv.tier == top[lv.scheme] {
			out.Classifications = append(out.Classifications, kizuna.Classification{Scheme: lv.scheme, Level: lv.id})
		}
	}
	slices.SortFunc(out.Classifications, func(a, b kizuna.Classification) int {
		if c := strings.Compare(a.Scheme, b.Scheme); c != 0 {
			return c
		}
		return strings.Compare(a.Level, b.Level)
	})
	out.Classifications = slices.Compact(out.Classifications)
	if out.Releasable {
		out.ReleasableTo = sortedSet(l.ReleasableTo)
	}
	out.Communities = sortedSet(l.Communities)
	if out.AudienceLimited {
		out.Audience = sortedSet(l.Audience)
	}
	out.Uninterpretable = sortedSet(l.Uninterpretable)
	if len(out.Classifications) == 0 {
		out.Classifications = nil
	}
	return out
}

// sortedSet returns the sorted distinct non-empty strings of s, or nil.
func sortedSet(s []string) []string {
	var out []string
	for _, x := range s {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	slices.Sort(out)
	out = slices.Compact(out)
	if len(out) == 0 {
		return nil
	}
	return out
}

func sortedCopy(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}
