package policy

import (
	"strings"

	"github.com/kizuna-dev/kizuna"
)

// levelInfo is one level of a scheme, resolved.
type levelInfo struct {
	scheme string // canonical scheme id
	id     string // canonical level id
	tier   int
	open   bool // no clearance needed
	noforn bool // releasable to the scheme's nation only, unless marked otherwise
}

// schemeInfo is one scheme, resolved for lookups.
type schemeInfo struct {
	id     string
	nation string
	byKey  map[string]*levelInfo // every accepted spelling, folded
	// need maps a level id of this scheme to, for each other scheme, the
	// lowest tier of that scheme whose clearance grants the level through
	// an agreement.
	need map[string]map[string]int
}

// classifier answers "does this clearance grant that level" from a validated
// Config.
type classifier struct {
	schemes map[string]*schemeInfo // by folded id
	groups  map[string][]string
}

func newClassifier(cfg Config) *classifier {
	c := &classifier{schemes: map[string]*schemeInfo{}, groups: map[string][]string{}}
	for _, s := range cfg.Schemes {
		si := &schemeInfo{id: s.ID, nation: s.Nation, byKey: map[string]*levelInfo{}, need: map[string]map[string]int{}}
		for _, l := range s.Levels {
			li := &levelInfo{scheme: s.ID, id: l.ID, tier: l.Tier, open: l.NoClearance, noforn: l.NoForeignByDefault}
			for _, n := range append([]string{l.ID, l.Name}, l.Aliases...) {
				if k := normKey(n); k != "" {
					si.byKey[k] = li
				}
			}
		}
		// The exact spellings go in last, over any folded key, so that the
		// common case is found without folding.
		for _, l := range s.Levels {
			li := si.byKey[normKey(l.ID)]
			for _, n := range append([]string{l.ID, l.Name}, l.Aliases...) {
				if n != "" {
					si.byKey[n] = li
				}
			}
		}
		c.schemes[normKey(s.ID)] = si
		c.schemes[s.ID] = si
	}
	for g, m := range cfg.NationGroups {
		c.groups[g] = append([]string(nil), m...)
	}
	// For a required level Lq of scheme S and another scheme S2, a
	// clearance in S2 grants Lq when an agreement declares some level Le of
	// S at or above Lq equivalent to a level Lf of S2 at or below the
	// clearance: need[Lq][S2] is the lowest such tier(Lf).
	for _, e := range cfg.Equivalences {
		var ls []*levelInfo
		for _, cl := range e.Levels {
			if l, ok := c.level(cl.Scheme, cl.Level); ok {
				ls = append(ls, l)
			}
		}
		for _, le := range ls {
			si := c.schemes[normKey(le.scheme)]
			for _, lq := range si.levelsAtOrBelow(le.tier) {
				for _, lf := range ls {
					if lf.scheme == le.scheme {
						continue
					}
					m := si.need[lq.id]
					if m == nil {
						m = map[string]int{}
						si.need[lq.id] = m
					}
					if cur, ok := m[lf.scheme]; !ok || lf.tier < cur {
						m[lf.scheme] = lf.tier
					}
				}
			}
		}
	}
	return c
}

func (s *schemeInfo) levelsAtOrBelow(tier int) []*levelInfo {
	seen := map[*levelInfo]bool{}
	var out []*levelInfo
	for _, l := range s.byKey {
		if l.tier <= tier && !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	return out
}

// level resolves a scheme and a level in any accepted spelling (id, native
// text such as 極秘, or alias).
func (c *classifier) level(scheme, level string) (*levelInfo, bool) {
	s := c.schemes[scheme]
	if s == nil {
		if s = c.schemes[normKey(scheme)]; s == nil {
			return nil, false
		}
	}
	if l, ok := s.byKey[level]; ok {
		return l, true
	}
	l, ok := s.byKey[normKey(level)]
	return l, ok
}

// nationOf returns the nation owning a scheme, or "".
func (c *classifier) nationOf(scheme string) string {
	if s := c.schemes[normKey(scheme)]; s != nil {
		return s.nation
	}
	return ""
}

// grants reports whether one of the clearances grants the required level,
// and whether the requirement was known at all (unknown → deny).
func (c *classifier) grants(clearances []kizuna.Classification, req kizuna.Classification) (ok, known bool) {
	lq, known := c.level(req.Scheme, req.Level)
	if !known {
		return false, false
	}
	if lq.open {
		return true, true
	}
	si := c.schemes[lq.scheme]
	for _, cl := range clearances {
		lr, found := c.level(cl.Scheme, cl.Level)
		if !found {
			continue // an unknown clearance grants nothing
		}
		if lr.scheme == lq.scheme {
			if lr.tier >= lq.tier {
				return true, true
			}
			continue
		}
		if need, ok := si.need[lq.id][lr.scheme]; ok && lr.tier >= need {
			return true, true
		}
	}
	return false, true
}

// expandNations replaces group names (FVEY) by their members; it returns
// the codes it could not interpret.
func (c *classifier) expandNations(codes []string) (out, bad []string) {
	for _, code := range codes {
		code = strings.TrimSpace(code)
		switch {
		case isNationCode(code):
			out = append(out, code)
		case c.groups[code] != nil:
			out = append(out, c.groups[code]...)
		default:
			bad = append(bad, code)
		}
	}
	return out, bad
}
