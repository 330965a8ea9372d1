// Package sector holds the national critical-infrastructure sector
// vocabularies, the typed crosswalk between them, the organisations that
// carry sector ids on their STIX identities, each nation's priority tiers,
// and the NIST CSF 2.0 target profiles per nation and sector.
//
// Everything here is configuration that a person can correct: the shipped
// files (Defaults) are analysis built from public sources that they name,
// not any government's mapping or position. Loading validates every file
// and reports each fault with the file and the JSON path of the entry.
// The package is pure: it holds no state but its configuration.
package sector

import (
	"io/fs"
	"regexp"

	"github.com/kizuna-dev/kizuna"
)

// Sector is one national sector of a vocabulary.
type Sector struct {
	ID         string   `json:"id"`   // "jp.ports": the nation's prefix, a dot, a slug
	Name       string   `json:"name"` // English name
	NameNative string   `json:"name_native,omitempty"`
	Agencies   []string `json:"agencies,omitempty"` // responsible agencies or ministries
	Since      string   `json:"since,omitempty"`
	// Industries are the STIX industry-sector-ov values that correspond
	// to the sector, for tools that know only those.
	Industries []string `json:"industries,omitempty"`
	Note       string   `json:"note,omitempty"`

	nation string
}

// Nation returns the ISO 3166-1 alpha-3 code of the sector's nation.
func (s *Sector) Nation() string { return s.nation }

// Vocabulary is one nation's list of sectors, in the version it names.
type Vocabulary struct {
	Nation     string    `json:"nation"` // ISO 3166-1 alpha-3
	Prefix     string    `json:"prefix"` // the prefix of its sector ids: "jp"
	Title      string    `json:"vocabulary"`
	Version    string    `json:"version"` // the instrument and date the list follows
	Framework  string    `json:"framework,omitempty"`
	Sources    []string  `json:"sources"`
	Notes      []string  `json:"notes,omitempty"`
	Sectors    []*Sector `json:"sectors"`
	firstIndex int       // position of its first sector in the catalog's order
}

// Mapping is one entry of the crosswalk: Source Relation Target, with the
// reason a person gave for it.
type Mapping struct {
	Source    string   `json:"source"`
	Target    string   `json:"target"`
	Relation  Relation `json:"relation"`
	Rationale string   `json:"rationale"`
	Sources   []string `json:"sources,omitempty"`
	// Weak marks a mapping where only a small part of one sector concerns
	// the other (hydropower dams within electric utilities): routing
	// follows it only when asked to, and facts are never extended by it.
	Weak bool `json:"weak,omitempty"`
}

// Unmapped states that a sector has no counterpart in the listed nations'
// vocabularies (in any other nation's when Nations is empty).
type Unmapped struct {
	Sector  string   `json:"sector"`
	Nations []string `json:"nations,omitempty"`
	Note    string   `json:"note"`
	Sources []string `json:"sources,omitempty"`
}

// Function is a function of the optional pivot (a CISA National Critical
// Function) with the sectors of each nation that support it.
type Function struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Area    string   `json:"area,omitempty"`
	Sectors []string `json:"sectors"`
}

// Pivot is an optional vocabulary of functions through which sectors that
// the crosswalk does not relate can be related.
type Pivot struct {
	Name      string      `json:"name"`
	Note      string      `json:"note,omitempty"`
	Sources   []string    `json:"sources,omitempty"`
	Functions []*Function `json:"functions"`
}

// catalogFile is the shape of sectors.json.
type catalogFile struct {
	Version     string            `json:"version"`
	Description string            `json:"description,omitempty"`
	Sources     map[string]string `json:"sources"`
	Nations     []*Vocabulary     `json:"nations"`
	Crosswalk   []*Mapping        `json:"crosswalk"`
	Unmapped    []*Unmapped       `json:"unmapped"`
	Pivot       *Pivot            `json:"pivot,omitempty"`
}

// Catalog is a validated sectors file: the vocabularies, the crosswalk and
// the optional pivot, indexed for lookups. It is immutable and safe for
// concurrent use.
type Catalog struct {
	file     string
	f        catalogFile
	byNation map[string]*Vocabulary
	sectors  map[string]*Sector
	order    map[string]int // position of each sector: nations in file order, then sectors
	links    map[string][]Link
	pivot    map[string][]Link
	unmapped map[string][]*Unmapped
}

var (
	sectorIDPattern = regexp.MustCompile(`^([a-z]{2,8})\.[a-z0-9]+(-[a-z0-9]+)*$`)
	slugPattern     = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	prefixPattern   = regexp.MustCompile(`^[a-z]{2,8}$`)
	functionPattern = regexp.MustCompile(`^[a-z0-9]+([.-][a-z0-9]+)*$`)
)

// Load reads and validates the sectors file name of fsys.
func Load(fsys fs.FS, name string) (*Catalog, error) {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, kizuna.WrapError(kizuna.EINVALID, err, "%s: %v", name, err)
	}
	return Parse(data, name)
}

// Parse validates a sectors file; file names it in errors. Errors:
// EINVALID, listing every problem with the file and its JSON path.
func Parse(data []byte, file string) (*Catalog, error) {
	c := &Catalog{file: file}
	if err := decodeStrict(data, file, &c.f); err != nil {
		return nil, err
	}
	ps := &problems{file: file}
	c.index(ps)
	c.checkCrosswalk(ps)
	c.checkUnmapped(ps)
	c.checkPivot(ps)
	if len(ps.list) == 0 {
		// Coverage only means something once every mapping is sound: a
		// broken mapping would otherwise also report its sectors unmapped.
		c.checkCoverage(ps)
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	c.sortLinks()
	return c, nil
}

// index checks the vocabularies and indexes their sectors.
func (c *Catalog) index(ps *problems) {
	if c.f.Version == "" {
		ps.add("$.version", "is required")
	}
	if len(c.f.Nations) == 0 {
		ps.add("$.nations", "at least one nation is required")
	}
	c.byNation, c.sectors, c.order = map[string]*Vocabulary{}, map[string]*Sector{}, map[string]int{}
	c.links, c.pivot, c.unmapped = map[string][]Link{}, map[string][]Link{}, map[string][]*Unmapped{}
	prefixes := map[string]string{}
	for i, v := range c.f.Nations {
		p := at("$.nations", i)
		if v == nil {
			ps.add(p, "must be an object")
			continue
		}
		switch {
		case !nationCode(v.Nation):
			ps.add(p+".nation", "%q is not an ISO 3166-1 alpha-3 code", v.Nation)
		case c.byNation[v.Nation] != nil:
			ps.add(p+".nation", "%s is listed twice", v.Nation)
		default:
			c.byNation[v.Nation] = v
		}
		if !prefixPattern.MatchString(v.Prefix) {
			ps.add(p+".prefix", "%q is not 2 to 8 lowercase letters", v.Prefix)
		} else if other, dup := prefixes[v.Prefix]; dup {
			ps.add(p+".prefix", "%q is already the prefix of %s", v.Prefix, other)
		} else {
			prefixes[v.Prefix] = v.Nation
		}
		if v.Title == "" {
			ps.add(p+".vocabulary", "is required")
		}
		if v.Version == "" {
			ps.add(p+".version", "is required: name the instrument and date the list follows")
		}
		c.checkSources(ps, p+".sources", v.Sources, true)
		if len(v.Sectors) == 0 {
			ps.add(p+".sectors", "at least one sector is required")
		}
		v.firstIndex = len(c.order)
		for j, s := range v.Sectors {
			c.addSector(ps, at(p+".sectors", j), v, s)
		}
	}
}

func (c *Catalog) addSector(ps *problems, p string, v *Vocabulary, s *Sector) {
	if s == nil {
		ps.add(p, "must be an object")
		return
	}
	m := sectorIDPattern.FindStringSubmatch(s.ID)
	switch {
	case m == nil:
		ps.add(p+".id", "%q is not a sector id (prefix.slug, lowercase)", s.ID)
		return
	case m[1] != v.Prefix:
		ps.add(p+".id", "%q does not start with the nation's prefix %q", s.ID, v.Prefix+".")
		return
	case c.sectors[s.ID] != nil:
		ps.add(p+".id", "%q is listed twice", s.ID)
		return
	}
	if s.Name == "" {
		ps.add(p+".name", "is required")
	}
	for k, ind := range s.Industries {
		if !slugPattern.MatchString(ind) {
			ps.add(at(p+".industries", k), "%q is not a STIX industry-sector-ov value (lowercase, hyphenated)", ind)
		}
	}
	s.nation = v.Nation
	c.sectors[s.ID] = s
	c.order[s.ID] = len(c.order)
}

// checkSources checks that each source id is one of the file's sources.
func (c *Catalog) checkSources(ps *problems, p string, ids []string, required bool) {
	if required && len(ids) == 0 {
		ps.add(p, "name at least one source")
	}
	for i, id := range ids {
		if _, ok := c.f.Sources[id]; !ok {
			ps.add(at(p, i), "%q is not a source of $.sources", id)
		}
	}
}
