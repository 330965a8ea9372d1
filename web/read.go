package web

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/policy"
)

// Everything the pages read about objects is read here, through the
// node's guard with the reader in the context: what the guard does not
// return, no page can show.

// readable returns the collections the reader may read, in creation
// order.
func (s *Server) readable(ctx context.Context) ([]*kizuna.Collection, error) {
	cs, err := s.n.Guard.FindCollections(ctx)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(cs, func(c *kizuna.Collection) bool { return !s.n.Authorizer.CanRead(ctx, c) }), nil
}

// lookupsOf returns the collections in which an object of collection
// looks up what it names (its creator, its references): all of cols for
// an object of the exercises collection; for any other, all but the
// exercises collection, so that exercise data never names, titles or
// qualifies a real object (docs/exercises.md, rule 2).
func (s *Server) lookupsOf(collection string, cols []*kizuna.Collection) []*kizuna.Collection {
	if s.n.Guard.ExerciseView(collection) {
		return cols
	}
	return s.real(cols)
}

// real returns cols but the exercises collection.
func (s *Server) real(cols []*kizuna.Collection) []*kizuna.Collection {
	return slices.DeleteFunc(slices.Clone(cols), func(c *kizuna.Collection) bool { return s.n.Guard.ExerciseView(c.ID) })
}

// writable returns the collections the reader may write to.
func (s *Server) writable(ctx context.Context) ([]*kizuna.Collection, error) {
	cs, err := s.n.Guard.FindCollections(ctx)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(cs, func(c *kizuna.Collection) bool { return !s.n.Authorizer.CanWrite(ctx, c) }), nil
}

// versions returns the versions of an object the reader may read in a
// collection, oldest first; none when it may read none.
func (s *Server) versions(ctx context.Context, collection, id string) ([]*kizuna.Object, error) {
	var out []*kizuna.Object
	f := kizuna.ObjectFilter{Collection: collection, IDs: []string{id}, Versions: kizuna.VersionMatch{All: true}, IncludeRaw: true, Limit: 1000}
	for {
		page, err := s.n.Guard.FindObjects(ctx, f)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Objects...)
		if !page.More || len(out) >= 10000 {
			break
		}
		f.Next = page.Next
	}
	slices.SortStableFunc(out, func(a, b *kizuna.Object) int { return a.Version.Compare(b.Version) })
	return out, nil
}

// scanIDs calls fn with the latest version of each of the ids the reader
// may read in the collection.
func (s *Server) scanIDs(ctx context.Context, collection string, ids []string, fn func(*kizuna.Object)) error {
	for len(ids) > 0 {
		batch := ids[:min(len(ids), 500)]
		ids = ids[len(batch):]
		f := kizuna.ObjectFilter{Collection: collection, IDs: batch, Versions: kizuna.VersionMatch{Last: true}, IncludeRaw: true, Limit: len(batch)}
		for {
			page, err := s.n.Guard.FindObjects(ctx, f)
			if err != nil {
				return err
			}
			for _, o := range page.Objects {
				fn(o)
			}
			if !page.More {
				break
			}
			f.Next = page.Next
		}
	}
	return nil
}

// latest returns the latest version of an object the reader may read, in
// the first of the collections that holds one; nil when there is none.
func (s *Server) latest(ctx context.Context, cols []*kizuna.Collection, id string) (*kizuna.Object, error) {
	for _, c := range cols {
		page, err := s.n.Guard.FindObjects(ctx, kizuna.ObjectFilter{Collection: c.ID, IDs: []string{id}, Versions: kizuna.VersionMatch{Last: true}, IncludeRaw: true, Limit: 1})
		if err != nil {
			return nil, err
		}
		if len(page.Objects) > 0 {
			o := page.Objects[0]
			if o.Collection == "" {
				o.Collection = c.ID
			}
			return o, nil
		}
	}
	return nil, nil
}

// scan calls fn with the latest version of each object of the types
// (every type when none) in the collection that the reader may read, until
// fn returns false or limit versions were read.
func (s *Server) scan(ctx context.Context, collection string, types []string, limit int, fn func(*kizuna.Object) bool) error {
	f := kizuna.ObjectFilter{Collection: collection, Types: types, Versions: kizuna.VersionMatch{Last: true}, IncludeRaw: true, Limit: 500}
	read := 0
	for {
		page, err := s.n.Guard.FindObjects(ctx, f)
		if err != nil {
			return err
		}
		for _, o := range page.Objects {
			read++
			if !fn(o) || read >= limit {
				return nil
			}
		}
		if !page.More {
			return nil
		}
		f.Next = page.Next
	}
}

// visiblePortions returns the portions of a version the guard returned
// that the reader may read (the others were removed from its content).
func (s *Server) visiblePortions(pr *kizuna.Principal, o *kizuna.Object) []kizuna.Portion {
	var out []kizuna.Portion
	for _, p := range o.Portions {
		if s.n.Policy.Decide(pr, p.Label).Allow {
			out = append(out, p)
		}
	}
	return out
}

// markAll counts a version's label and its visible portions' labels in
// the page's banners and returns the version's own marking.
func (s *Server) markAll(v *View, o *kizuna.Object) Marking {
	m := v.Mark(o.Label)
	for _, p := range s.visiblePortions(v.Principal, o) {
		v.Mark(p.Label)
	}
	return m
}

// props decodes a version's (redacted) content.
func props(o *kizuna.Object) map[string]any {
	dec := json.NewDecoder(bytes.NewReader(o.Raw))
	dec.UseNumber()
	var m map[string]any
	if dec.Decode(&m) != nil {
		return map[string]any{}
	}
	return m
}

// str returns a string property, "" when absent or not a string.
func str(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

// strs returns a list-of-strings property.
func strs(m map[string]any, key string) []string {
	list, _ := m[key].([]any)
	var out []string
	for _, v := range list {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// title is what a list shows of a version: its name, or its value, or
// the description of a relationship or sighting.
func title(o *kizuna.Object, m map[string]any) string {
	for _, k := range []string{"name", "value", "path", "key", "number", "user_id", "subject", "abstract", "body", "pattern", "relationship_type"} {
		if s := str(m, k); s != "" {
			return truncate(s, 140)
		}
	}
	if h, ok := m["hashes"].(map[string]any); ok {
		keys := make([]string, 0, len(h))
		for k := range h {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if s, ok := h[k].(string); ok {
				return k + ":" + s
			}
		}
	}
	return ""
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// withheld lists the portions removed from a version for its reader (the
// guard names them in the content it returns).
func withheld(m map[string]any) []string {
	return strs(m, policy.RedactedProperty)
}

// explanation is the "why can I see this" panel: the access decision on
// the version for the reader, with the markings and portions the reader
// may read only: a withheld portion is named by its selectors, without its
// marking or the rule that withheld it.
type explanation struct {
	Rule, Reason, Label string
	Markings            []string
	Portions            []portionWhy
	Withheld            []string
}

type portionWhy struct {
	Selectors, Rule, Reason string
}

// explain builds the panel for a version the guard returned.
func (s *Server) explain(ctx context.Context, pr *kizuna.Principal, o *kizuna.Object, m map[string]any) explanation {
	dup := *o
	dup.Portions = s.visiblePortions(pr, o)
	// The granular markings of withheld portions were removed from the
	// content the reader got; only the remaining ones are explained.
	var gms []kizuna.GranularMarking
	if list, ok := m["granular_markings"].([]any); ok {
		for _, g := range list {
			gm, _ := g.(map[string]any)
			if ref := str(gm, "marking_ref"); ref != "" {
				gms = append(gms, kizuna.GranularMarking{MarkingRef: ref, Selectors: strs(gm, "selectors")})
			}
		}
	}
	dup.GranularMarkings = gms
	dup.MarkingRefs = strs(m, "object_marking_refs")
	x := s.n.Policy.Explain(ctx, pr, &dup)
	e := explanation{Rule: x.Decision.Rule, Reason: x.Decision.Reason, Label: policy.DescribeLabel(x.Label), Markings: x.Markings, Withheld: withheld(m)}
	for _, pd := range x.Portions {
		if pd.Decision.Allow {
			e.Portions = append(e.Portions, portionWhy{Selectors: strings.Join(pd.Selectors, ", "), Rule: pd.Decision.Rule, Reason: pd.Decision.Reason})
		}
	}
	return e
}

// shortTime formats a version time for lists.
func shortTime(o *kizuna.Object) string {
	if o.Version.IsZero() {
		return ""
	}
	return o.Version.UTC().Format("2006-01-02 15:04:05Z")
}

// refLink is a link to an object the reader may read.
type refLink struct {
	ID, Type, Title, Path string
	Marking               Marking
}

// link builds the link to a version, counting its marking in the page.
func (s *Server) link(v *View, o *kizuna.Object) refLink {
	m := props(o)
	return refLink{ID: o.ID, Type: o.Type, Title: title(o, m), Path: objectPath(o.ID, o.Collection), Marking: s.markAll(v, o)}
}

// objectPath is the detail page of an object in a collection.
func objectPath(id, collection string) string {
	p := "/objects/" + id
	if collection != "" {
		p += "?collection=" + collection
	}
	return p
}
