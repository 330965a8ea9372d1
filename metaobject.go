package kizuna

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Meta objects are what a reader needs to interpret an object: the
// marking-definitions it is marked with, the extension-definitions it uses
// and the identity its created_by_ref names. They travel with the objects
// that need them: an export carries them, and a peer receives them before
// the first object that references them.

// MetaRefs are the ids of the meta objects one object references.
type MetaRefs struct {
	// Markings are the marking-definitions of object_marking_refs and of
	// granular_markings, in order of appearance, each once: a node cannot
	// label the object without them.
	Markings []string
	// Extensions are the keys of extensions that are extension-definition
	// ids.
	Extensions []string
	// Creator is the identity named by created_by_ref, or "".
	Creator string
}

// All returns every id of r, markings first, each once.
func (r MetaRefs) All() []string {
	out := slices.Clone(r.Markings)
	for _, id := range r.Extensions {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	if r.Creator != "" && !slices.Contains(out, r.Creator) {
		out = append(out, r.Creator)
	}
	return out
}

// metaHead is what ParseMetaRefs reads of an object.
type metaHead struct {
	ID               string   `json:"id"`
	CreatedByRef     string   `json:"created_by_ref"`
	MarkingRefs      []string `json:"object_marking_refs"`
	GranularMarkings []struct {
		MarkingRef string `json:"marking_ref"`
	} `json:"granular_markings"`
	Extensions map[string]json.RawMessage `json:"extensions"`
}

// ParseMetaRefs returns the meta objects a raw object references. It reads
// the JSON rather than parsed fields, so that what it returns is what a
// reader of exactly these bytes needs (a redacted copy references fewer
// granular markings than the stored version). An object never references
// itself.
func ParseMetaRefs(raw json.RawMessage) (MetaRefs, error) {
	var h metaHead
	if err := json.Unmarshal(raw, &h); err != nil {
		return MetaRefs{}, Errorf(EINVALID, "not a STIX object: %v", err)
	}
	granular := make([]GranularMarking, len(h.GranularMarkings))
	for i, g := range h.GranularMarkings {
		granular[i].MarkingRef = g.MarkingRef
	}
	var exts []string
	for k := range h.Extensions {
		if strings.HasPrefix(k, "extension-definition--") {
			exts = append(exts, k)
		}
	}
	slices.Sort(exts) // map order is random; the result must not be
	return newMetaRefs(h.ID, h.CreatedByRef, h.MarkingRefs, granular, exts), nil
}

// MetaRefsOf returns the meta objects a version references, from its
// parsed fields when its Raw is the stored JSON and from Raw itself when a
// reader's copy was redacted (x_kizuna_redacted), since redaction drops the
// granular markings of the removed portions.
func MetaRefsOf(o *Object) (MetaRefs, error) {
	if o.Type == "" || bytes.Contains(o.Raw, []byte(`"x_kizuna_redacted"`)) {
		return ParseMetaRefs(o.Raw)
	}
	var exts []string
	if bytes.Contains(o.Raw, []byte("extension-definition--")) {
		parsed, err := ParseMetaRefs(o.Raw)
		if err != nil {
			return MetaRefs{}, err
		}
		exts = parsed.Extensions
	}
	return newMetaRefs(o.ID, o.CreatedByRef, o.MarkingRefs, o.GranularMarkings, exts), nil
}

// newMetaRefs gathers the references of object id, each once, none to
// itself.
func newMetaRefs(id, creator string, markings []string, granular []GranularMarking, exts []string) MetaRefs {
	var r MetaRefs
	add := func(list []string, ref string) []string {
		if ref == "" || ref == id || slices.Contains(list, ref) {
			return list
		}
		return append(list, ref)
	}
	for _, ref := range markings {
		r.Markings = add(r.Markings, ref)
	}
	for _, g := range granular {
		r.Markings = add(r.Markings, g.MarkingRef)
	}
	for _, ref := range exts {
		r.Extensions = add(r.Extensions, ref)
	}
	if creator != id {
		r.Creator = creator
	}
	return r
}

// IsMetaType reports whether objects of type t are meta objects by their
// type alone (identities are meta objects only where created_by_ref names
// them).
func IsMetaType(t string) bool {
	return t == "marking-definition" || t == "extension-definition"
}

// MetaFinder finds meta objects for the reader in ctx.
type MetaFinder interface {
	// FindMeta returns, of each id, the latest version the reader may read,
	// wherever the node stores it. An id the reader may not read, or that
	// the node does not hold, is absent from the map.
	FindMeta(ctx context.Context, ids []string) (map[string]*Object, error)
}

// MetaLookup implements MetaFinder over an object store and a list of
// collections: Objects is the policy's guard for a reader (which applies
// the access decision), or the store itself with Access set to an
// unrestricted scope for the host operator's own exports.
type MetaLookup struct {
	Objects     ObjectStore
	Collections []*Collection
	Access      AccessScope
}

// FindMeta searches every collection and keeps, of each id, the version
// with the latest Version. A collection the reader may not read is
// skipped.
func (l *MetaLookup) FindMeta(ctx context.Context, ids []string) (map[string]*Object, error) {
	out := map[string]*Object{}
	if len(ids) == 0 {
		return out, nil
	}
	for _, c := range l.Collections {
		f := ObjectFilter{Collection: c.ID, IDs: ids, Versions: VersionMatch{Last: true}, IncludeRaw: true, Access: l.Access, Limit: len(ids) + 1}
		for {
			page, err := l.Objects.FindObjects(ctx, f)
			if code := ErrorCode(err); code == ENOTFOUND || code == EFORBIDDEN {
				break
			} else if err != nil {
				return nil, err
			}
			for _, o := range page.Objects {
				if prev := out[o.ID]; prev == nil || o.Version.After(prev.Version) {
					out[o.ID] = o
				}
			}
			if !page.More {
				break
			}
			f.Next = page.Next
		}
	}
	return out, nil
}

// MetaSet gathers, object after object, the meta objects each one needs
// that were not gathered before, in an order a node can ingest them in:
// marking-definitions first, each after the markings it is marked with,
// then extension-definitions and identities. It looks each id up once.
type MetaSet struct {
	Finder MetaFinder
	// Known reports the ids every node holds already (the TLP markings,
	// kizuna's own extension-definition): they are never gathered.
	Known func(id string) bool

	found map[string]*Object // looked up: nil when not found
	done  map[string]bool    // gathered or being gathered
}

// Need returns the meta objects o needs, directly or through other meta
// objects, not returned before, in an order that can be ingested: before
// are to precede o, after to follow it (only a marking-definition has
// them: meta objects it needs that are themselves marked with it, such as
// its creator marked with it), and the ids of the markings among them
// that the finder did not find (and that Known does not cover). A meta
// object passed as o counts as returned: the caller sends or writes it
// between before and after.
func (s *MetaSet) Need(ctx context.Context, o *Object) (before, after []*Object, missing []string, err error) {
	if s.found == nil {
		s.found, s.done = map[string]*Object{}, map[string]bool{}
	}
	refs, err := MetaRefsOf(o)
	if err != nil {
		return nil, nil, nil, err
	}
	// Breadth-first over the references of the references, looking up
	// each level's new ids in one call.
	var closure []*Object
	level := refs.All()
	markings := map[string]bool{}
	for _, id := range refs.Markings {
		markings[id] = true
	}
	for len(level) > 0 {
		var ask []string
		for _, id := range level {
			if _, seen := s.found[id]; !seen && !s.known(id) && !slices.Contains(ask, id) {
				ask = append(ask, id)
			}
		}
		if len(ask) > 0 {
			got, err := s.Finder.FindMeta(ctx, ask)
			if err != nil {
				return nil, nil, nil, err
			}
			for _, id := range ask {
				s.found[id] = got[id]
			}
		}
		var next []string
		for _, id := range level {
			if s.done[id] || s.known(id) || id == o.ID {
				continue
			}
			meta := s.found[id]
			if meta == nil {
				if markings[id] && !slices.Contains(missing, id) {
					missing = append(missing, id)
				}
				continue
			}
			s.done[id] = true
			closure = append(closure, meta)
			sub, err := MetaRefsOf(meta)
			if err != nil {
				return nil, nil, nil, fmt.Errorf("%s: %w", id, err)
			}
			for _, m := range sub.Markings {
				markings[m] = true
			}
			next = append(next, sub.All()...)
		}
		level = next
	}
	if IsMetaType(o.Type) || o.Type == "identity" {
		s.done[o.ID] = true // o goes between before and after
	}
	ordered := orderMeta(closure)
	if !isMarking(o) {
		return ordered, nil, missing, nil
	}
	marked := markedWith(ordered, o.ID)
	for _, m := range ordered {
		if marked[m.ID] {
			after = append(after, m)
		} else {
			before = append(before, m)
		}
	}
	return before, after, missing, nil
}

// markedWith returns the ids of objs marked with the marking id, directly
// or through marking-definitions of objs.
func markedWith(objs []*Object, id string) map[string]bool {
	out := map[string]bool{}
	// objs are in marking order: a marking-definition comes before the
	// objects it marks, so one pass sees each chain from its start.
	for _, o := range objs {
		refs, err := MetaRefsOf(o)
		if err != nil {
			continue
		}
		for _, m := range refs.Markings {
			if m == id || out[m] {
				out[o.ID] = true
			}
		}
	}
	return out
}

func (s *MetaSet) known(id string) bool { return s.Known != nil && s.Known(id) }

// orderMeta puts marking-definitions first, each after the
// marking-definitions that mark it, then the other meta objects in the
// order found. Only markings are needed to ingest an object, so that order
// is enough for any receiver; a cycle of markings cannot be ordered and
// keeps the order found.
func orderMeta(objs []*Object) []*Object {
	var marks, rest []*Object
	for _, o := range objs {
		if isMarking(o) {
			marks = append(marks, o)
		} else {
			rest = append(rest, o)
		}
	}
	byID := map[string]*Object{}
	for _, o := range marks {
		byID[o.ID] = o
	}
	out := make([]*Object, 0, len(objs))
	state := map[string]int{} // 1: being placed, 2: placed
	var visit func(o *Object)
	visit = func(o *Object) {
		if state[o.ID] != 0 {
			return
		}
		state[o.ID] = 1
		if refs, err := MetaRefsOf(o); err == nil {
			for _, m := range refs.Markings {
				if d := byID[m]; d != nil {
					visit(d)
				}
			}
		}
		state[o.ID] = 2
		out = append(out, o)
	}
	for _, o := range marks {
		visit(o)
	}
	return append(out, rest...)
}

// MarkingDepth returns, for objects in the order orderMeta gives, the
// request each must travel in, counting from 0: a node labels all the
// marking-definitions of one request before it stores any of them, so a
// marking-definition marked with another one of objs must arrive in a
// later request; any other object may arrive with its markings.
func MarkingDepth(objs []*Object) []int {
	depth := map[string]int{}
	out := make([]int, len(objs))
	for i, o := range objs {
		marking := isMarking(o)
		d := 0
		if refs, err := MetaRefsOf(o); err == nil {
			for _, m := range refs.Markings {
				dm, ok := depth[m]
				if ok && marking {
					dm++
				}
				if ok && dm > d {
					d = dm
				}
			}
		}
		if marking {
			depth[o.ID] = d
		}
		out[i] = d
	}
	return out
}

func isMarking(o *Object) bool { return strings.HasPrefix(o.ID, "marking-definition--") }
