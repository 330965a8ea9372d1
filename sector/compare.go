package sector

import (
	"slices"

	"github.com/kizuna-dev/kizuna"
)

// Verdicts of a requirements comparison row.
const (
	RequirementsAgree   = "agree"   // every profile asks for it, at the same level and tier
	RequirementsDiffer  = "differ"  // every profile asks for it, at different levels or tiers
	RequirementsPartial = "partial" // some profiles ask for it, others do not
)

// ComparedProfile is one column of a comparison: a profile that covers the
// compared sector or a sector the crosswalk relates to it.
type ComparedProfile struct {
	Profile string   `json:"profile"`
	Nation  string   `json:"nation"`
	Sector  string   `json:"sector"`   // the covered sector that brought the profile in
	Via     Relation `json:"relation"` // the compared sector's relation to Sector ("" for the sector itself)
	Example bool     `json:"example,omitempty"`
}

// ComparedRow is one subcategory across the compared profiles: the
// requirement of each (nil where a profile does not name it).
type ComparedRow struct {
	Subcategory  string         `json:"subcategory"`
	Requirements []*Requirement `json:"requirements"`
	Verdict      string         `json:"verdict"`
}

// Comparison shows, for one sector, where the requirements of the nations
// whose sectors the crosswalk relates to it agree and differ.
type Comparison struct {
	Sector   string            `json:"sector"`
	Profiles []ComparedProfile `json:"profiles"`
	Rows     []ComparedRow     `json:"rows"`
	Example  bool              `json:"example"` // some compared profile is an example
	Counts   map[string]int    `json:"counts"`  // rows per verdict
}

// Compare compares the profile of a sector with the profiles of the
// sectors the crosswalk relates to it (not through weak mappings or the
// pivot), one profile per nation: the first related sector that has one,
// in catalog order. Errors: ENOTFOUND (unknown sector), EINVALID (fewer
// than two profiles to compare).
func (p *Profiles) Compare(c *Catalog, sector string) (*Comparison, error) {
	s := c.Sector(sector)
	if s == nil {
		return nil, kizuna.Errorf(kizuna.ENOTFOUND, "%q is not a configured sector", sector)
	}
	cmp := &Comparison{Sector: sector, Counts: map[string]int{}}
	var cols []*Profile
	add := func(pr *Profile, nation, covered string, via Relation) {
		if pr == nil || slices.ContainsFunc(cmp.Profiles, func(cp ComparedProfile) bool { return cp.Nation == nation }) {
			return
		}
		cols = append(cols, pr)
		cmp.Profiles = append(cmp.Profiles, ComparedProfile{Profile: pr.ID, Nation: nation, Sector: covered, Via: via, Example: pr.Example})
		cmp.Example = cmp.Example || pr.Example
	}
	add(p.ProfileOf(sector), s.nation, sector, "")
	for _, l := range c.Links(sector, LinkOptions{}) {
		add(p.ProfileOf(l.To), c.sectors[l.To].nation, l.To, l.Relation)
	}
	if len(cols) < 2 {
		return nil, kizuna.Errorf(kizuna.EINVALID, "%s: fewer than two nations have a profile for it or a related sector", sector)
	}
	var subs []string
	for _, pr := range cols {
		for _, r := range pr.Requirements {
			if !slices.Contains(subs, r.Subcategory) {
				subs = append(subs, r.Subcategory)
			}
		}
	}
	slices.SortFunc(subs, func(a, b string) int { return p.csf.index(a) - p.csf.index(b) })
	for _, sub := range subs {
		row := ComparedRow{Subcategory: sub, Requirements: make([]*Requirement, len(cols))}
		for i, pr := range cols {
			for k := range pr.Requirements {
				if pr.Requirements[k].Subcategory == sub {
					row.Requirements[i] = &pr.Requirements[k]
				}
			}
		}
		row.Verdict = rowVerdict(row.Requirements)
		cmp.Counts[row.Verdict]++
		cmp.Rows = append(cmp.Rows, row)
	}
	return cmp, nil
}

func rowVerdict(rs []*Requirement) string {
	if slices.Contains(rs, nil) {
		return RequirementsPartial
	}
	for _, r := range rs[1:] {
		if r.Level != rs[0].Level || r.Tier != rs[0].Tier {
			return RequirementsDiffer
		}
	}
	return RequirementsAgree
}
