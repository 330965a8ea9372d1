package sector

import (
	"io/fs"
	"slices"

	"github.com/kizuna-dev/kizuna"
)

// Requirement levels of a target profile.
const (
	Required    = "required"
	Recommended = "recommended"
)

// CSFTiers names the CSF 2.0 implementation tiers a requirement may ask
// for, by number.
var CSFTiers = map[int]string{1: "Partial", 2: "Risk Informed", 3: "Repeatable", 4: "Adaptive"}

// Requirement is one CSF subcategory of a target profile, with the level
// it is asked at, the tier, or both.
type Requirement struct {
	Subcategory string `json:"subcategory"`
	Level       string `json:"level,omitempty"` // Required or Recommended
	Tier        int    `json:"tier,omitempty"`  // 1..4, CSFTiers
	Note        string `json:"note,omitempty"`
}

// Profile is a nation's target profile for some of its sectors.
type Profile struct {
	ID           string        `json:"id"`
	Nation       string        `json:"nation"`
	Sectors      []string      `json:"sectors"`
	Title        string        `json:"title"`
	Example      bool          `json:"example,omitempty"` // an illustration, not the nation's requirements
	Basis        string        `json:"basis"`
	Requirements []Requirement `json:"requirements"`
}

// Profiles is a validated profiles file and the CSF catalog it refers to.
type Profiles struct {
	Version     string     `json:"version"`
	Example     bool       `json:"example,omitempty"`
	Description string     `json:"description,omitempty"`
	Catalog     string     `json:"catalog"` // the CSF catalog file, relative to the profiles file
	Profiles    []*Profile `json:"profiles"`

	csf *CSF
}

// ParseProfiles validates a profiles file against the sector catalog and
// the CSF catalog: unique profile ids, sectors of the profile's nation,
// each sector in at most one profile, current CSF subcategories (a
// withdrawn one is named with where it went), each once per profile, and a
// level or tier for each. Errors: EINVALID with the file and JSON path.
func ParseProfiles(data []byte, file string, c *Catalog, csf *CSF) (*Profiles, error) {
	p := &Profiles{}
	if err := decodeStrict(data, file, p); err != nil {
		return nil, err
	}
	p.csf = csf
	ps := &problems{file: file}
	if p.Version == "" {
		ps.add("$.version", "is required")
	}
	ids, covered := map[string]bool{}, map[string]string{}
	for i, pr := range p.Profiles {
		path := at("$.profiles", i)
		if pr == nil {
			ps.add(path, "must be an object")
			continue
		}
		if !slugPattern.MatchString(pr.ID) || ids[pr.ID] {
			ps.add(path+".id", "%q must be a unique lowercase slug", pr.ID)
		}
		ids[pr.ID] = true
		if c.Vocabulary(pr.Nation) == nil {
			ps.add(path+".nation", "%q is not a nation of the sectors file", pr.Nation)
		}
		if pr.Basis == "" {
			ps.add(path+".basis", "is required: say what the profile follows")
		}
		if len(pr.Sectors) == 0 {
			ps.add(path+".sectors", "name at least one sector")
		}
		for j, id := range pr.Sectors {
			switch {
			case !c.checkNationSector(ps, at(path+".sectors", j), pr.Nation, id):
			case covered[id] != "":
				ps.add(at(path+".sectors", j), "%s already has the profile %s", id, covered[id])
			default:
				covered[id] = pr.ID
			}
		}
		p.checkRequirements(ps, path, pr)
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *Profiles) checkRequirements(ps *problems, path string, pr *Profile) {
	seen := map[string]bool{}
	for k, r := range pr.Requirements {
		rp := at(path+".requirements", k)
		e := p.csf.Element(r.Subcategory)
		switch {
		case e == nil:
			ps.add(rp+".subcategory", "%q is not an element of the CSF catalog", r.Subcategory)
		case e.Class != "subcategory":
			ps.add(rp+".subcategory", "%s is a CSF %s; a profile names subcategories", r.Subcategory, e.Class)
		case e.Withdrawn:
			ps.add(rp+".subcategory", "%s was withdrawn in CSF 2.0 (moved to %v)", r.Subcategory, e.MovedTo)
		case seen[r.Subcategory]:
			ps.add(rp+".subcategory", "%s is listed twice", r.Subcategory)
		}
		seen[r.Subcategory] = true
		if r.Level == "" && r.Tier == 0 {
			ps.add(rp, "give a level (required, recommended), a tier (1-4), or both")
		}
		if r.Level != "" && r.Level != Required && r.Level != Recommended {
			ps.add(rp+".level", "%q is neither required nor recommended", r.Level)
		}
		if _, ok := CSFTiers[r.Tier]; r.Tier != 0 && !ok {
			ps.add(rp+".tier", "%d is not a CSF tier (1 Partial … 4 Adaptive)", r.Tier)
		}
	}
}

// LoadProfiles reads a profiles file and the CSF catalog it names
// (relative to the profiles file's directory).
func LoadProfiles(fsys fs.FS, name string, c *Catalog) (*Profiles, error) {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, kizuna.WrapError(kizuna.EINVALID, err, "%s: %v", name, err)
	}
	var head struct {
		Catalog string `json:"catalog"`
	}
	if err := decodeLoose(data, name, &head); err != nil {
		return nil, err
	}
	if head.Catalog == "" {
		ps := &problems{file: name}
		ps.add("$.catalog", "is required: name the CSF catalog file")
		return nil, ps.err()
	}
	csf, err := LoadCSF(fsys, joinPath(name, head.Catalog))
	if err != nil {
		return nil, err
	}
	return ParseProfiles(data, name, c, csf)
}

// CSF returns the CSF catalog the profiles refer to.
func (p *Profiles) CSF() *CSF { return p.csf }

// ProfileOf returns the profile that covers a sector, or nil.
func (p *Profiles) ProfileOf(sector string) *Profile {
	for _, pr := range p.Profiles {
		if slices.Contains(pr.Sectors, sector) {
			return pr
		}
	}
	return nil
}
