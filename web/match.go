package web

import (
	"context"
	"strings"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/policy"
)

// matcher applies a search's filters to versions the guard returned. It
// looks only at what the reader may read: the redacted content, the
// version's label, and identities it may read.
type matcher struct {
	s *Server
	v *View
	q searchQuery
	// creators caches the sectors of creator identities the reader may
	// read (nil: none readable), keyed by the identity's id, behind
	// "exercise " for the creators of exercise data.
	creators map[string][]string
	cols     []*kizuna.Collection
}

func newMatcher(s *Server, v *View, q searchQuery) *matcher {
	return &matcher{s: s, v: v, q: q, creators: map[string][]string{}}
}

func (m *matcher) match(ctx context.Context, o *kizuna.Object) bool {
	q := m.q
	if !q.from.IsZero() && o.Version.Before(q.from) {
		return false
	}
	if !q.to.IsZero() && o.Version.After(q.to) {
		return false
	}
	var p map[string]any
	if q.Text != "" || q.Value != "" || q.Sector != "" || q.Marking != "" {
		p = props(o)
	}
	if q.Text != "" && !containsText(p, strings.ToLower(q.Text)) {
		return false
	}
	if q.Value != "" && !matchesValue(p, strings.ToLower(q.Value)) {
		return false
	}
	if q.Marking != "" && !m.matchesMarking(o, p, strings.ToLower(q.Marking)) {
		return false
	}
	if q.Sector != "" && !m.matchesSector(ctx, o, p, strings.ToLower(q.Sector)) {
		return false
	}
	return true
}

// containsText reports whether a string value of the content (at any
// depth, not a property name) contains the text.
func containsText(v any, text string) bool {
	switch x := v.(type) {
	case string:
		return strings.Contains(strings.ToLower(x), text)
	case map[string]any:
		for k, e := range x {
			if k == policy.RedactedProperty {
				continue
			}
			if containsText(e, text) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if containsText(e, text) {
				return true
			}
		}
	}
	return false
}

// matchesValue reports whether an observable's value (value, name, path,
// a hash) or an indicator's pattern holds the value.
func matchesValue(p map[string]any, value string) bool {
	for _, k := range []string{"value", "name", "path", "number", "user_id", "key", "pattern"} {
		if s := str(p, k); s != "" && strings.Contains(strings.ToLower(s), value) {
			if k == "name" && str(p, "type") != "file" && str(p, "type") != "directory" {
				continue
			}
			return true
		}
	}
	if h, ok := p["hashes"].(map[string]any); ok {
		for _, e := range h {
			if s, ok := e.(string); ok && strings.EqualFold(s, value) {
				return true
			}
		}
	}
	return false
}

// matchesMarking reports whether the version's marking (as the workspace
// writes it, or in the policy's words) or one of its marking-definition
// ids holds the text.
func (m *matcher) matchesMarking(o *kizuna.Object, p map[string]any, text string) bool {
	d := m.v.describe([]*kizuna.AccessLabel{o.Label})
	if strings.Contains(strings.ToLower(d.Text), text) || strings.Contains(strings.ToLower(policy.DescribeLabel(o.Label)), text) {
		return true
	}
	for _, ref := range strs(p, "object_marking_refs") {
		if strings.Contains(ref, text) {
			return true
		}
	}
	return false
}

// matchesSector reports whether the version, or the identity that
// created it (when the reader may read it), names the sector: the STIX
// sectors property or kizuna's national sectors.
func (m *matcher) matchesSector(ctx context.Context, o *kizuna.Object, p map[string]any, sector string) bool {
	if hasSector(p, sector) {
		return true
	}
	creator := str(p, "created_by_ref")
	if creator == "" {
		return false
	}
	// A real object's creator is read outside the exercises collection:
	// an identity of exercise data lends it no sector (docs/exercises.md,
	// rule 2).
	exercise := m.s.n.Guard.ExerciseView(o.Collection)
	key := creator
	if exercise {
		key = "exercise " + creator
	}
	secs, ok := m.creators[key]
	if !ok {
		if m.cols == nil {
			m.cols, _ = m.s.readable(ctx)
		}
		if id, err := m.s.latest(ctx, m.s.lookupsOf(o.Collection, m.cols), creator); err == nil && id != nil {
			secs = sectors(props(id))
		}
		m.creators[key] = secs
	}
	for _, s := range secs {
		if strings.EqualFold(s, sector) {
			return true
		}
	}
	return false
}

func hasSector(p map[string]any, sector string) bool {
	for _, s := range sectors(p) {
		if strings.EqualFold(s, sector) {
			return true
		}
	}
	return false
}

// sectors lists the sectors an object names.
func sectors(p map[string]any) []string {
	out := strs(p, "sectors")
	if exts, ok := p["extensions"].(map[string]any); ok {
		for _, e := range exts {
			if em, ok := e.(map[string]any); ok {
				out = append(out, strs(em, "national_sectors")...)
			}
		}
	}
	return out
}
