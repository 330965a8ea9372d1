package web

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/kizuna-dev/kizuna"
)

func init() {
	register(page{Pattern: "GET /objects/{id}", Template: "object.html", Handle: (*Server).object})
}

// relatedScanLimit bounds the relationships and sightings read to find
// those of one object.
const relatedScanLimit = 20000

// objectData is the object detail page.
type objectData struct {
	Object     refLink
	Collection *kizuna.Collection
	// Version is the version shown; Versions every version the reader may
	// read, newest first.
	Version  string
	Versions []versionRow
	Props    []propRow
	JSON     string
	// Provenance: the node or peer the version came from, the node that
	// signed it (its identity, a link when the reader may read it) with
	// its key, and its creator.
	Origin    string
	Signer    *refLink
	SignerKey string
	Creator   *refLink
	// Related objects the reader may read at both ends.
	Relationships []relRow
	Sightings     []sightingRow
	Why           explanation
	// AlsoIn lists the other collections holding a version the reader may
	// read.
	AlsoIn []*kizuna.Collection
}

type versionRow struct {
	Version, Path string
	Marking       Marking
	Current       bool
}

// propRow is one top-level property with the marking of the portion it
// belongs to, when a portion marking covers it.
type propRow struct {
	Name, Value string
	Marking     *Marking
}

type relRow struct {
	Type      string // relationship_type
	Direction string // "out" (this object is the source) or "in"
	Other     refLink
	Marking   Marking
	Path      string
}

type sightingRow struct {
	Path, FirstSeen, LastSeen, Count string
	Where                            []refLink
	Marking                          Marking
}

// object serves an object's detail page. An object the reader may not
// read answers exactly as one that does not exist.
func (s *Server) object(v *View, r *http.Request) error {
	ctx := r.Context()
	id := r.PathValue("id")
	v.Title = id
	cols, err := s.readable(ctx)
	if err != nil {
		return err
	}
	if want := r.URL.Query().Get("collection"); want != "" {
		i := slices.IndexFunc(cols, func(c *kizuna.Collection) bool { return c.ID == want || c.Alias == want })
		if i < 0 {
			return kizuna.Errorf(kizuna.ENOTFOUND, "not found")
		}
		cols = append([]*kizuna.Collection{cols[i]}, slices.Delete(slices.Clone(cols), i, i+1)...)
	}
	var vs []*kizuna.Object
	var col *kizuna.Collection
	data := &objectData{}
	for _, c := range cols {
		got, err := s.versions(ctx, c.ID, id)
		if err != nil {
			return err
		}
		if len(got) == 0 {
			continue
		}
		if col == nil {
			col, vs = c, got
		} else {
			data.AlsoIn = append(data.AlsoIn, c)
		}
	}
	if col == nil {
		return kizuna.Errorf(kizuna.ENOTFOUND, "not found")
	}
	data.Collection = col
	cur := vs[len(vs)-1]
	if want := r.URL.Query().Get("version"); want != "" {
		i := slices.IndexFunc(vs, func(o *kizuna.Object) bool { return versionKey(o) == want })
		if i < 0 {
			return kizuna.Errorf(kizuna.ENOTFOUND, "not found")
		}
		cur = vs[i]
	}
	for i := len(vs) - 1; i >= 0; i-- {
		o := vs[i]
		o.Collection = col.ID
		data.Versions = append(data.Versions, versionRow{
			Version: versionKey(o), Path: objectPath(id, col.ID) + "&version=" + versionKey(o),
			Marking: s.markAll(v, o), Current: o == cur,
		})
	}
	cur.Collection = col.ID
	p := props(cur)
	refs := newRefs(ctx, s, v, s.lookupsOf(col.ID, cols))
	data.Object = s.link(v, cur)
	if data.Object.Title != "" {
		v.Title = data.Object.Title
	}
	data.Version = versionKey(cur)
	data.Props = s.propRows(v, cur, p, refs)
	masked := refs.mask(ctx, p)
	js, _ := json.MarshalIndent(masked, "", "  ")
	data.JSON = string(js)
	data.Origin = cur.Origin
	data.Signer, data.SignerKey = s.signer(ctx, p, refs)
	if c := str(p, "created_by_ref"); c != "" {
		data.Creator = refs.link(ctx, c)
	}
	data.Why = s.explain(ctx, v.Principal, cur, p)
	if err := s.related(ctx, v, col, id, refs, data); err != nil {
		return err
	}
	v.Data = data
	return nil
}

// signer returns the node that signed the version for federation (its
// x_kizuna_provenance, verified when it arrived from a peer) and the id
// of its key; nil when the version carries no signature.
func (s *Server) signer(ctx context.Context, p map[string]any, refs *refs) (*refLink, string) {
	prov, ok := p["x_kizuna_provenance"].(map[string]any)
	if !ok {
		return nil, ""
	}
	node := str(prov, "node")
	if node == "" {
		return nil, ""
	}
	if l := refs.link(ctx, node); l != nil {
		return l, str(prov, "key")
	}
	// The identity is not one the reader may read: the id alone, as the
	// object's own content carries it.
	return &refLink{ID: node}, str(prov, "key")
}

// versionKey names a version in addresses.
func versionKey(o *kizuna.Object) string {
	return o.Version.UTC().Format("2006-01-02T15:04:05.000000Z")
}

// propRows lists the top-level properties of the version as the reader
// got it, reference ids the reader may not follow masked.
func (s *Server) propRows(v *View, o *kizuna.Object, p map[string]any, refs *refs) []propRow {
	portions := s.visiblePortions(v.Principal, o)
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var rows []propRow
	for _, k := range keys {
		val := p[k]
		var text string
		if sv, ok := val.(string); ok {
			text = sv
		} else {
			b, _ := json.Marshal(refs.maskValue(refs.ctx, k, val))
			text = string(b)
		}
		if isRef(k) {
			if sv, ok := val.(string); ok && !refs.readable(refs.ctx, sv) {
				text = v.T("object.ref_unavailable")
			}
		}
		row := propRow{Name: k, Value: text}
		for _, portion := range portions {
			for _, sel := range portion.Selectors {
				if sel == k || strings.HasPrefix(sel, k+".") {
					m := v.describe([]*kizuna.AccessLabel{portion.Label})
					row.Marking = &m
				}
			}
		}
		rows = append(rows, row)
	}
	return rows
}

// related finds the relationships and sightings of the object that the
// reader may read, with their other ends.
func (s *Server) related(ctx context.Context, v *View, col *kizuna.Collection, id string, refs *refs, data *objectData) error {
	return s.scan(ctx, col.ID, []string{"relationship", "sighting"}, relatedScanLimit, func(o *kizuna.Object) bool {
		o.Collection = col.ID
		p := props(o)
		switch o.Type {
		case "relationship":
			src, dst := str(p, "source_ref"), str(p, "target_ref")
			var other, dir string
			switch id {
			case src:
				other, dir = dst, "out"
			case dst:
				other, dir = src, "in"
			default:
				return true
			}
			l := refs.link(ctx, other)
			if l == nil {
				return true // the other end is not the reader's to know of
			}
			data.Relationships = append(data.Relationships, relRow{
				Type: str(p, "relationship_type"), Direction: dir, Other: *l, Marking: s.markAll(v, o), Path: objectPath(o.ID, col.ID),
			})
		case "sighting":
			if str(p, "sighting_of_ref") != id {
				return true
			}
			row := sightingRow{Path: objectPath(o.ID, col.ID), FirstSeen: str(p, "first_seen"), LastSeen: str(p, "last_seen"), Marking: s.markAll(v, o)}
			if row.FirstSeen == "" && row.LastSeen == "" {
				row.FirstSeen = shortTime(o) // when it was reported
			}
			if c, ok := p["count"].(json.Number); ok {
				row.Count = c.String()
			}
			for _, w := range strs(p, "where_sighted_refs") {
				if l := refs.link(ctx, w); l != nil {
					row.Where = append(row.Where, *l)
				}
			}
			data.Sightings = append(data.Sightings, row)
		}
		return true
	})
}

// isRef reports whether a property holds references (STIX *_ref, *_refs).
func isRef(k string) bool { return strings.HasSuffix(k, "_ref") || strings.HasSuffix(k, "_refs") }
