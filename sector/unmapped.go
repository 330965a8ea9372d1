package sector

import "slices"

// checkUnmapped validates the entries that mark sectors as having no
// counterpart, and refuses one that contradicts a mapping: a sector marked
// unmapped in a nation must not be mapped to a sector of that nation.
func (c *Catalog) checkUnmapped(ps *problems) {
	for i, u := range c.f.Unmapped {
		p := at("$.unmapped", i)
		if u == nil {
			ps.add(p, "must be an object")
			continue
		}
		s := c.Sector(u.Sector)
		if s == nil {
			ps.add(p+".sector", "%q is not a sector of any nation of $.nations", u.Sector)
			continue
		}
		if u.Note == "" {
			ps.add(p+".note", "is required: say why the sector has no counterpart")
		}
		c.checkSources(ps, p+".sources", u.Sources, false)
		for j, n := range u.Nations {
			switch {
			case c.byNation[n] == nil:
				ps.add(at(p+".nations", j), "%q is not a nation of $.nations", n)
			case n == s.nation:
				ps.add(at(p+".nations", j), "%s is the sector's own nation", n)
			case slices.Index(u.Nations, n) != j:
				ps.add(at(p+".nations", j), "%s is listed twice", n)
			}
		}
		for _, prev := range c.unmapped[u.Sector] {
			if len(prev.Nations) == 0 || len(u.Nations) == 0 || overlaps(prev.Nations, u.Nations) {
				ps.add(p, "%s is already marked unmapped for these nations by an earlier entry", u.Sector)
				break
			}
		}
		c.unmapped[u.Sector] = append(c.unmapped[u.Sector], u)
		for _, l := range c.links[u.Sector] {
			if len(u.Nations) == 0 || slices.Contains(u.Nations, c.sectors[l.To].nation) {
				ps.add(p, "%s is marked unmapped in %s, but %s maps it to %s", u.Sector, c.sectors[l.To].nation, at("$.crosswalk", l.Entry), l.To)
				break
			}
		}
	}
}

func overlaps(a, b []string) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

// checkCoverage requires every sector to be mapped at least once or marked
// unmapped, so that no sector is silently left out of routing.
func (c *Catalog) checkCoverage(ps *problems) {
	for i, v := range c.f.Nations {
		if v == nil || len(c.byNation) < 2 {
			continue
		}
		for j, s := range v.Sectors {
			if s == nil || c.sectors[s.ID] != s {
				continue
			}
			if len(c.links[s.ID]) == 0 && len(c.unmapped[s.ID]) == 0 {
				ps.add(at(at("$.nations", i)+".sectors", j), "%s is neither mapped in $.crosswalk nor marked in $.unmapped", s.ID)
			}
		}
	}
}
