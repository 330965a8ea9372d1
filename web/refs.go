package web

import (
	"context"
	"strings"

	"github.com/kizuna-dev/kizuna"
)

// refs resolves the references a page shows, through the guard, once per
// id: a reference the reader may not read is not shown (not even its id).
type refs struct {
	s     *Server
	v     *View
	ctx   context.Context
	cols  []*kizuna.Collection
	found map[string]*kizuna.Object // nil value: not readable
}

func newRefs(ctx context.Context, s *Server, v *View, cols []*kizuna.Collection) *refs {
	return &refs{s: s, v: v, ctx: ctx, cols: cols, found: map[string]*kizuna.Object{}}
}

// get returns the latest version of id the reader may read, or nil.
func (r *refs) get(ctx context.Context, id string) *kizuna.Object {
	if o, ok := r.found[id]; ok {
		return o
	}
	o, err := r.s.latest(ctx, r.cols, id)
	if err != nil {
		o = nil // fail closed: an unreadable reference is not shown
	}
	r.found[id] = o
	return o
}

// readable reports whether the reader may follow a reference. A
// marking-definition's id is the reader's to see wherever an object it
// may read names it: it is how that object is marked (and TLP's are
// defined by no collection).
func (r *refs) readable(ctx context.Context, id string) bool {
	return strings.HasPrefix(id, "marking-definition--") || r.get(ctx, id) != nil
}

// link returns the link to a referenced object the reader may read (its
// marking counted in the page), or nil.
func (r *refs) link(ctx context.Context, id string) *refLink {
	o := r.get(ctx, id)
	if o == nil {
		return nil
	}
	l := r.s.link(r.v, o)
	return &l
}

// mask returns the content with every reference the reader may not read
// replaced, at any depth.
func (r *refs) mask(ctx context.Context, p map[string]any) map[string]any {
	out := make(map[string]any, len(p))
	for k, v := range p {
		out[k] = r.maskValue(ctx, k, v)
	}
	return out
}

// maskValue masks the references in the value of property k.
func (r *refs) maskValue(ctx context.Context, k string, v any) any {
	switch x := v.(type) {
	case string:
		if isRef(k) && !r.readable(ctx, x) {
			return r.v.T("object.ref_unavailable")
		}
		return x
	case []any:
		out := make([]any, 0, len(x))
		for _, e := range x {
			if s, ok := e.(string); ok && isRef(k) && !r.readable(ctx, s) {
				continue // a list shows only what the reader may follow
			}
			out = append(out, r.maskValue(ctx, k, e))
		}
		return out
	case map[string]any:
		return r.mask(ctx, x)
	}
	return v
}
