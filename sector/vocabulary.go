package sector

import "slices"

// checkNationSector checks that id, at path, is a sector of the nation,
// as tiers and profiles require.
func (c *Catalog) checkNationSector(ps *problems, path, nation, id string) bool {
	s := c.Sector(id)
	switch {
	case s == nil:
		ps.add(path, "%q is not a sector of any nation of the sectors file", id)
	case s.nation != nation:
		ps.add(path, "%s is a sector of %s, not of %s", id, s.nation, nation)
	default:
		return true
	}
	return false
}

// nationCode reports whether s looks like an ISO 3166-1 alpha-3 code.
func nationCode(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// Version is the version of the sectors file.
func (c *Catalog) Version() string { return c.f.Version }

// Description says what the file holds and on what authority.
func (c *Catalog) Description() string { return c.f.Description }

// Source returns the text of a source id, or "".
func (c *Catalog) Source(id string) string { return c.f.Sources[id] }

// Nations returns the vocabularies in file order.
func (c *Catalog) Nations() []*Vocabulary { return slices.Clone(c.f.Nations) }

// Vocabulary returns a nation's vocabulary, or nil.
func (c *Catalog) Vocabulary(nation string) *Vocabulary { return c.byNation[nation] }

// Sector returns the sector with the id, or nil.
func (c *Catalog) Sector(id string) *Sector {
	if c == nil {
		return nil
	}
	return c.sectors[id]
}

// Known reports whether id is a sector of the catalog.
func (c *Catalog) Known(id string) bool { return c.Sector(id) != nil }

// Crosswalk returns the mappings in file order.
func (c *Catalog) Crosswalk() []*Mapping { return slices.Clone(c.f.Crosswalk) }

// Unmapped returns the sectors marked as having no counterpart.
func (c *Catalog) Unmapped() []*Unmapped { return slices.Clone(c.f.Unmapped) }

// Pivot returns the optional pivot, or nil.
func (c *Catalog) Pivot() *Pivot { return c.f.Pivot }

// Label names a sector for people: the nation's prefix in capitals, the
// native name and the English one ("JP 港湾 (Port services)", "US
// Transportation Systems"). An unknown id is returned as it is.
func (c *Catalog) Label(id string) string {
	s := c.Sector(id)
	if s == nil {
		return id
	}
	prefix := upper(c.byNation[s.nation].Prefix)
	if s.NameNative != "" {
		return prefix + " " + s.NameNative + " (" + s.Name + ")"
	}
	return prefix + " " + s.Name
}

func upper(s string) string {
	b := []byte(s)
	for i, ch := range b {
		if 'a' <= ch && ch <= 'z' {
			b[i] = ch - 'a' + 'A'
		}
	}
	return string(b)
}

// Industries returns the STIX industry-sector-ov values of the sectors,
// each once, in the order first met.
func (c *Catalog) Industries(ids []string) []string {
	var out []string
	for _, id := range ids {
		if s := c.Sector(id); s != nil {
			for _, ind := range s.Industries {
				if !slices.Contains(out, ind) {
					out = append(out, ind)
				}
			}
		}
	}
	return out
}
