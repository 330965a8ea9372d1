package sector

import (
	"io/fs"
	"slices"

	"github.com/kizuna-dev/kizuna"
)

// Tier is one level of a nation's priorities: tier 1 is the most critical.
type Tier struct {
	Tier    int      `json:"tier"`
	Name    string   `json:"name"`
	Sectors []string `json:"sectors"`
}

// NationTiers is one nation's priority tiers.
type NationTiers struct {
	Nation  string `json:"nation"`
	Example bool   `json:"example,omitempty"` // an illustration, not the nation's list
	Basis   string `json:"basis"`             // what the list follows, and on what authority
	Tiers   []Tier `json:"tiers"`
}

// Tiers is a validated tiers file: which sectors each nation treats as
// most critical.
type Tiers struct {
	Version     string         `json:"version"`
	Example     bool           `json:"example,omitempty"`
	Description string         `json:"description,omitempty"`
	Nations     []*NationTiers `json:"nations"`

	tierOf map[string]int // sector id → tier
}

// LoadTiers reads and validates a tiers file against the catalog.
func LoadTiers(fsys fs.FS, name string, c *Catalog) (*Tiers, error) {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, kizuna.WrapError(kizuna.EINVALID, err, "%s: %v", name, err)
	}
	return ParseTiers(data, name, c)
}

// ParseTiers validates a tiers file: each nation of the catalog at most
// once, tiers numbered from 1 upwards without repeats, each sector of the
// nation's vocabulary in at most one tier. Errors: EINVALID with the file
// and the JSON path of each problem.
func ParseTiers(data []byte, file string, c *Catalog) (*Tiers, error) {
	t := &Tiers{}
	if err := decodeStrict(data, file, t); err != nil {
		return nil, err
	}
	ps := &problems{file: file}
	if t.Version == "" {
		ps.add("$.version", "is required")
	}
	t.tierOf = map[string]int{}
	seen := map[string]bool{}
	for i, n := range t.Nations {
		p := at("$.nations", i)
		if n == nil {
			ps.add(p, "must be an object")
			continue
		}
		switch {
		case c.Vocabulary(n.Nation) == nil:
			ps.add(p+".nation", "%q is not a nation of the sectors file", n.Nation)
			continue
		case seen[n.Nation]:
			ps.add(p+".nation", "%s is listed twice", n.Nation)
			continue
		}
		seen[n.Nation] = true
		if n.Basis == "" {
			ps.add(p+".basis", "is required: say what the list follows")
		}
		for j, tier := range n.Tiers {
			tp := at(p+".tiers", j)
			if tier.Tier != j+1 {
				ps.add(tp+".tier", "is %d; tiers are numbered 1, 2, 3… in order", tier.Tier)
			}
			if len(tier.Sectors) == 0 {
				ps.add(tp+".sectors", "a tier names at least one sector")
			}
			for k, id := range tier.Sectors {
				switch {
				case !c.checkNationSector(ps, at(tp+".sectors", k), n.Nation, id):
				case t.tierOf[id] != 0:
					ps.add(at(tp+".sectors", k), "%s is already in tier %d", id, t.tierOf[id])
				default:
					t.tierOf[id] = tier.Tier
				}
			}
		}
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	return t, nil
}

// TierOf returns the tier of a sector, 0 when it is in none.
func (t *Tiers) TierOf(id string) int { return t.tierOf[id] }

// Nation returns a nation's tiers, or nil.
func (t *Tiers) Nation(code string) *NationTiers {
	for _, n := range t.Nations {
		if n.Nation == code {
			return n
		}
	}
	return nil
}

// Verdicts of a tier comparison.
const (
	TiersAgree    = "agree"          // every counterpart is in the same tier
	TiersDiffer   = "differ"         // some counterpart is in another tier, or in none
	NoCounterpart = "no-counterpart" // the crosswalk relates the sector to none of the other nation's
)

// TierCounterpart is a sector of the other nation that the crosswalk
// relates to a compared sector, with its tier.
type TierCounterpart struct {
	Sector   string   `json:"sector"`
	Tier     int      `json:"tier"`     // 0: in no tier
	Relation Relation `json:"relation"` // the compared sector's relation to it
	Weak     bool     `json:"weak,omitempty"`
}

// TierRow compares one sector's tier with its counterparts' in the other
// nation.
type TierRow struct {
	Nation       string            `json:"nation"` // the sector's nation (A, or B for B's sectors with no counterpart in A)
	Sector       string            `json:"sector"`
	Tier         int               `json:"tier"`
	Counterparts []TierCounterpart `json:"counterparts"`
	Verdict      string            `json:"verdict"`
}

// TierDiff compares two nations' priority tiers through the crosswalk.
type TierDiff struct {
	A, B    string
	Example bool // either list is an example
	Rows    []TierRow
}

// Diff compares nation a's tiers with nation b's: one row for each sector
// of a that is tiered or whose counterparts in b are, then one for each
// tiered sector of b that the crosswalk relates to no sector of a. Weak
// mappings count; the pivot does not. Errors: ENOTFOUND when a nation has
// no tiers.
func (t *Tiers) Diff(c *Catalog, a, b string) (*TierDiff, error) {
	na, nb := t.Nation(a), t.Nation(b)
	for code, n := range map[string]*NationTiers{a: na, b: nb} {
		if n == nil {
			return nil, kizuna.Errorf(kizuna.ENOTFOUND, "no priority tiers are configured for %s", code)
		}
	}
	d := &TierDiff{A: a, B: b, Example: na.Example || nb.Example}
	for _, s := range c.Vocabulary(a).Sectors {
		row := TierRow{Nation: a, Sector: s.ID, Tier: t.TierOf(s.ID), Counterparts: []TierCounterpart{}}
		anyTiered := row.Tier != 0
		for _, l := range c.Links(s.ID, LinkOptions{Weak: true, Nations: []string{b}}) {
			cp := TierCounterpart{Sector: l.To, Tier: t.TierOf(l.To), Relation: l.Relation, Weak: l.Weak}
			anyTiered = anyTiered || cp.Tier != 0
			row.Counterparts = append(row.Counterparts, cp)
		}
		if !anyTiered {
			continue
		}
		row.Verdict = verdict(row)
		d.Rows = append(d.Rows, row)
	}
	for _, s := range c.Vocabulary(b).Sectors {
		if t.TierOf(s.ID) != 0 && len(c.Links(s.ID, LinkOptions{Weak: true, Nations: []string{a}})) == 0 {
			d.Rows = append(d.Rows, TierRow{Nation: b, Sector: s.ID, Tier: t.TierOf(s.ID), Counterparts: []TierCounterpart{}, Verdict: NoCounterpart})
		}
	}
	return d, nil
}

func verdict(r TierRow) string {
	if len(r.Counterparts) == 0 {
		return NoCounterpart
	}
	if slices.ContainsFunc(r.Counterparts, func(cp TierCounterpart) bool { return cp.Tier != r.Tier }) {
		return TiersDiffer
	}
	return TiersAgree
}
