package sector

import (
	"slices"
	"strings"
)

// Relation is a crosswalk relation in the terms of the OSCAL mapping
// model, stating how the scope of a source sector relates to the scope of
// a target sector.
type Relation string

// The relations of the OSCAL mapping model that a crosswalk may use.
const (
	// EquivalentTo: both sectors cover the same effective scope, in other
	// words. Symmetric.
	EquivalentTo Relation = "equivalent-to"
	// SubsetOf: the source's scope lies within the target's. Its inverse
	// is SupersetOf.
	SubsetOf Relation = "subset-of"
	// SupersetOf: the source's scope contains the target's.
	SupersetOf Relation = "superset-of"
	// IntersectsWith: the scopes overlap, neither containing the other.
	// Symmetric.
	IntersectsWith Relation = "intersects-with"
)

// Relations lists the relations, closest first.
var Relations = []Relation{EquivalentTo, SubsetOf, SupersetOf, IntersectsWith}

// Valid reports whether r is one of Relations.
func (r Relation) Valid() bool { return slices.Contains(Relations, r) }

// Inverse returns the relation read from the target to the source.
func (r Relation) Inverse() Relation {
	switch r {
	case SubsetOf:
		return SupersetOf
	case SupersetOf:
		return SubsetOf
	}
	return r
}

// Link relates one sector to a sector of another nation: From Relation To.
type Link struct {
	From      string   `json:"from"`
	To        string   `json:"to"`
	Relation  Relation `json:"relation"`
	Rationale string   `json:"rationale"`
	Weak      bool     `json:"weak,omitempty"`
	// Via names the pivot function that relates the two sectors when the
	// crosswalk does not; "" for a crosswalk mapping.
	Via string `json:"via,omitempty"`
	// Entry is the index of the crosswalk mapping, -1 for a pivot link.
	Entry int `json:"entry"`
}

// Reverse returns the link read from To to From.
func (l Link) Reverse() Link {
	l.From, l.To, l.Relation = l.To, l.From, l.Relation.Inverse()
	return l
}

// LinkOptions selects the links Links returns.
type LinkOptions struct {
	Weak  bool // follow weak mappings too
	Pivot bool // add links through the pivot's functions where the crosswalk has none
	// Nations limits the links to sectors of these nations (all when
	// empty).
	Nations []string
}

// Links returns the links of sector id to the sectors of other nations,
// ordered by the catalog's order of the target sectors (nations in file
// order, then their sectors).
func (c *Catalog) Links(id string, opts LinkOptions) []Link {
	if c == nil {
		return nil
	}
	var out []Link
	keep := func(l Link) bool {
		return (opts.Weak || !l.Weak) && (len(opts.Nations) == 0 || slices.Contains(opts.Nations, c.sectors[l.To].nation))
	}
	for _, l := range c.links[id] {
		if keep(l) {
			out = append(out, l)
		}
	}
	if opts.Pivot {
		for _, l := range c.pivot[id] {
			if keep(l) {
				out = append(out, l)
			}
		}
		slices.SortStableFunc(out, func(a, b Link) int { return c.order[a.To] - c.order[b.To] })
	}
	return out
}

// ExpandOptions selects how Expand extends a list of sector ids.
type ExpandOptions struct {
	Relations []Relation // relations to follow (all when empty)
	Nations   []string   // nations to extend into (all when empty)
	Weak      bool       // follow weak mappings too
}

// Expand returns ids followed by the sectors of other nations linked to
// them by the crosswalk, each once: the ids first, in their order, then
// each id's links in catalog order. Unknown ids are kept and extend
// nothing.
func (c *Catalog) Expand(ids []string, opts ExpandOptions) []string {
	var out []string
	add := func(id string) {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	for _, id := range ids {
		add(id)
	}
	for _, id := range ids {
		for _, l := range c.Links(id, LinkOptions{Weak: opts.Weak, Nations: opts.Nations}) {
			if len(opts.Relations) == 0 || slices.Contains(opts.Relations, l.Relation) {
				add(l.To)
			}
		}
	}
	return out
}

// Coverage returns the sectors of nation a that have neither a crosswalk
// mapping to a sector of nation b nor an entry saying they have no
// counterpart there: the gaps of the crosswalk between the two nations.
func (c *Catalog) Coverage(a, b string) []string {
	va := c.byNation[a]
	if va == nil || c.byNation[b] == nil {
		return nil
	}
	var gaps []string
	for _, s := range va.Sectors {
		if len(c.Links(s.ID, LinkOptions{Weak: true, Nations: []string{b}})) == 0 && !c.unmappedIn(s.ID, b) {
			gaps = append(gaps, s.ID)
		}
	}
	return gaps
}

// unmappedIn reports whether sector id is marked as having no counterpart
// in nation n.
func (c *Catalog) unmappedIn(id, n string) bool {
	for _, u := range c.unmapped[id] {
		if len(u.Nations) == 0 || slices.Contains(u.Nations, n) {
			return true
		}
	}
	return false
}

// checkCrosswalk validates the mappings and indexes them as links both
// ways. A pair of sectors may be mapped once: a second mapping of the same
// pair is a duplicate, or a contradiction when it states another relation.
func (c *Catalog) checkCrosswalk(ps *problems) {
	type pair struct{ a, b string }
	seen := map[pair]int{}
	for i, m := range c.f.Crosswalk {
		p := at("$.crosswalk", i)
		if m == nil {
			ps.add(p, "must be an object")
			continue
		}
		ok := true
		for _, end := range []struct{ name, id string }{{"source", m.Source}, {"target", m.Target}} {
			if !c.Known(end.id) {
				ps.add(p+"."+end.name, "%q is not a sector of any nation of $.nations", end.id)
				ok = false
			}
		}
		if !m.Relation.Valid() {
			ps.add(p+".relation", "%q is not a relation; use one of %s", m.Relation, joinRelations())
			ok = false
		}
		if strings.TrimSpace(m.Rationale) == "" {
			ps.add(p+".rationale", "is required: say why the sectors relate so")
		}
		c.checkSources(ps, p+".sources", m.Sources, false)
		if !ok {
			continue
		}
		if c.sectors[m.Source].nation == c.sectors[m.Target].nation {
			ps.add(p, "%s and %s are sectors of the same nation; the crosswalk relates sectors of different nations", m.Source, m.Target)
			continue
		}
		key, rel := pair{m.Source, m.Target}, m.Relation
		if key.b < key.a {
			key, rel = pair{m.Target, m.Source}, rel.Inverse()
		}
		if j, dup := seen[key]; dup {
			prev := c.f.Crosswalk[j]
			prevRel := prev.Relation
			if prev.Source != key.a {
				prevRel = prevRel.Inverse()
			}
			if prevRel == rel {
				ps.add(p, "duplicates %s (%s %s %s)", at("$.crosswalk", j), prev.Source, prev.Relation, prev.Target)
			} else {
				ps.add(p, "%s %s %s contradicts %s (%s %s %s)", m.Source, m.Relation, m.Target, at("$.crosswalk", j), prev.Source, prev.Relation, prev.Target)
			}
			continue
		}
		seen[key] = i
		l := Link{From: m.Source, To: m.Target, Relation: m.Relation, Rationale: m.Rationale, Weak: m.Weak, Entry: i}
		c.links[m.Source] = append(c.links[m.Source], l)
		c.links[m.Target] = append(c.links[m.Target], l.Reverse())
	}
}

func joinRelations() string {
	s := make([]string, len(Relations))
	for i, r := range Relations {
		s[i] = string(r)
	}
	return strings.Join(s, ", ")
}

// sortLinks orders each sector's links by the catalog order of their
// targets, so that every listing is stable whatever the file's order of
// mappings.
func (c *Catalog) sortLinks() {
	for _, m := range []map[string][]Link{c.links, c.pivot} {
		for _, ls := range m {
			slices.SortStableFunc(ls, func(a, b Link) int { return c.order[a.To] - c.order[b.To] })
		}
	}
}
