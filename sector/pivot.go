package sector

import "slices"

// checkPivot validates the optional pivot and derives its links: two
// sectors of different nations that support the same function, and that
// the crosswalk does not relate, intersect through it.
func (c *Catalog) checkPivot(ps *problems) {
	pv := c.f.Pivot
	if pv == nil {
		return
	}
	if pv.Name == "" {
		ps.add("$.pivot.name", "is required")
	}
	c.checkSources(ps, "$.pivot.sources", pv.Sources, false)
	ids := map[string]bool{}
	for i, f := range pv.Functions {
		p := at("$.pivot.functions", i)
		if f == nil {
			ps.add(p, "must be an object")
			continue
		}
		if !functionPattern.MatchString(f.ID) || ids[f.ID] {
			ps.add(p+".id", "%q must be a unique lowercase id", f.ID)
		}
		ids[f.ID] = true
		if f.Name == "" {
			ps.add(p+".name", "is required")
		}
		if len(f.Sectors) < 2 {
			ps.add(p+".sectors", "a function relates at least two sectors")
		}
		for j, id := range f.Sectors {
			switch {
			case !c.Known(id):
				ps.add(at(p+".sectors", j), "%q is not a sector of any nation of $.nations", id)
			case slices.Index(f.Sectors, id) != j:
				ps.add(at(p+".sectors", j), "%q is listed twice", id)
			}
		}
	}
	for _, f := range pv.Functions {
		if f == nil {
			continue
		}
		for _, a := range f.Sectors {
			for _, b := range f.Sectors {
				if c.Known(a) && c.Known(b) && c.sectors[a].nation != c.sectors[b].nation && !c.related(a, b) {
					c.pivot[a] = append(c.pivot[a], Link{From: a, To: b, Relation: IntersectsWith,
						Rationale: "both support " + f.Name, Via: f.ID, Entry: -1})
				}
			}
		}
	}
}

// related reports whether a already has a link to b (crosswalk, or pivot
// through an earlier function).
func (c *Catalog) related(a, b string) bool {
	for _, m := range []map[string][]Link{c.links, c.pivot} {
		for _, l := range m[a] {
			if l.To == b {
				return true
			}
		}
	}
	return false
}
