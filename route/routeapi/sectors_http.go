package routeapi

import (
	"net/http"
	"slices"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/sector"
)

// The sector configuration is the node's public reference data: any
// authenticated principal reads it.

func (s *Service) handleSectors(w http.ResponseWriter, r *http.Request) {
	vs := s.Config.Catalog.Nations()
	if n := r.URL.Query().Get("nation"); n != "" {
		v := s.Config.Catalog.Vocabulary(n)
		if v == nil {
			s.error(w, r, kizuna.Errorf(kizuna.ENOTFOUND, "nation %q has no sector vocabulary", n))
			return
		}
		vs = []*sector.Vocabulary{v}
	}
	writeJSON(w, http.StatusOK, map[string]any{"version": s.Config.Catalog.Version(), "nations": vs})
}

// SectorView is a sector with its links.
type SectorView struct {
	*sector.Sector
	Nation string        `json:"nation"`
	Tier   int           `json:"tier,omitempty"`
	Links  []sector.Link `json:"links"`
}

// View returns a sector with its crosswalk links (weak and pivot ones
// included, marked). Errors: ENOTFOUND.
func View(cfg *sector.Config, id string) (*SectorView, error) {
	sc := cfg.Catalog.Sector(id)
	if sc == nil {
		return nil, kizuna.Errorf(kizuna.ENOTFOUND, "sector %q is not in the vocabularies", id)
	}
	return &SectorView{Sector: sc, Nation: sc.Nation(), Tier: cfg.Tiers.TierOf(id),
		Links: cfg.Catalog.Links(id, sector.LinkOptions{Weak: true, Pivot: true})}, nil
}

func (s *Service) handleSector(w http.ResponseWriter, r *http.Request) {
	v, err := View(s.Config, r.PathValue("id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// CrosswalkView is the crosswalk between two nations (or all).
type CrosswalkView struct {
	Mappings []*sector.Mapping  `json:"mappings"`
	Unmapped []*sector.Unmapped `json:"unmapped"`
	// Gaps are the sectors of From that neither map to To nor are marked
	// unmapped in it (only when both are named).
	Gaps []string `json:"gaps,omitempty"`
}

// Crosswalk returns the mappings from one nation to another ("" for
// any). Errors: ENOTFOUND for an unknown nation.
func Crosswalk(c *sector.Catalog, from, to string) (*CrosswalkView, error) {
	for _, n := range []string{from, to} {
		if n != "" && c.Vocabulary(n) == nil {
			return nil, kizuna.Errorf(kizuna.ENOTFOUND, "nation %q has no sector vocabulary", n)
		}
	}
	in := func(id, n string) bool { return n == "" || (c.Sector(id) != nil && c.Sector(id).Nation() == n) }
	out := &CrosswalkView{Mappings: []*sector.Mapping{}, Unmapped: []*sector.Unmapped{}}
	for _, m := range c.Crosswalk() {
		if (in(m.Source, from) && in(m.Target, to)) || (in(m.Source, to) && in(m.Target, from)) {
			out.Mappings = append(out.Mappings, m)
		}
	}
	for _, u := range c.Unmapped() {
		if in(u.Sector, from) && (to == "" || len(u.Nations) == 0 || slices.Contains(u.Nations, to)) {
			out.Unmapped = append(out.Unmapped, u)
		}
	}
	if from != "" && to != "" {
		out.Gaps = c.Coverage(from, to)
	}
	return out, nil
}

func (s *Service) handleCrosswalk(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v, err := Crosswalk(s.Config.Catalog, q.Get("from"), q.Get("to"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Service) handleTierDiff(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d, err := s.Config.Tiers.Diff(s.Config.Catalog, q.Get("a"), q.Get("b"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

func (s *Service) handleRequirements(w http.ResponseWriter, r *http.Request) {
	c, err := s.Config.Profiles.Compare(s.Config.Catalog, r.PathValue("id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}
