package web

import (
	"slices"
	"strings"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/policy"
)

// Marking is a label as the workspace shows it: a banner or a portion
// marking, with the CSS class of its colour.
type Marking struct {
	Text string
	// Class is the colour: a classification's by its tier (m-u
	// unclassified green, m-cui purple, m-c confidential blue, m-s secret
	// red, m-ts top secret orange), else the TLP's (m-tlp-clear, -green,
	// -amber, -amber-strict, -red, FIRST's colours).
	Class string
	// Detail is the label in the policy's own words (a tooltip).
	Detail string
}

// top is a scheme's highest level on a page.
type top struct {
	name string
	tier int
}

// tlpRank orders the TLP levels, least restrictive first.
var tlpRank = map[string]int{"": 0, kizuna.TLPClear: 1, kizuna.TLPGreen: 2, kizuna.TLPAmber: 3, kizuna.TLPAmberStrict: 4, kizuna.TLPRed: 5}

// level finds a level of a scheme of the node's configuration: the
// level's own text (its Name, as the agreements write it: 極秘) and its
// tier. A level the configuration does not know shows as stored, at the
// highest tier.
func level(cfg policy.Config, c kizuna.Classification) (string, int) {
	for _, s := range cfg.Schemes {
		if !strings.EqualFold(s.ID, c.Scheme) {
			continue
		}
		for _, l := range s.Levels {
			if strings.EqualFold(l.ID, c.Level) {
				if l.Name != "" {
					return l.Name, l.Tier
				}
				return l.ID, l.Tier
			}
		}
	}
	return c.Level, 5
}

// describe is the highest marking of the labels: each scheme's highest
// level, the nations every releasable label releases to, every community,
// the most restrictive TLP; exercise data starts with the exercise banner
// (EXERCISE 演習 and the exercises' ids) instead of naming the exercise
// community. Tiers are compared within a scheme; across
// schemes only the colour follows the highest tier.
func (v *View) describe(labels []*kizuna.AccessLabel) Marking {
	schemes := map[string]top{}
	maxTier := -1
	var rel []string
	releasable, audience := false, false
	var communities, exercises []string
	tlp := ""
	var details []string
	for _, l := range labels {
		if l == nil {
			continue
		}
		details = append(details, policy.DescribeLabel(l))
		for _, c := range l.Classifications {
			name, tier := level(v.policy, c)
			if t, ok := schemes[c.Scheme]; !ok || tier > t.tier {
				schemes[c.Scheme] = top{name, tier}
			}
			maxTier = max(maxTier, tier)
		}
		if l.Releasable {
			if !releasable {
				rel = slices.Clone(l.ReleasableTo)
			} else {
				rel = slices.DeleteFunc(rel, func(n string) bool { return !slices.Contains(l.ReleasableTo, n) })
			}
			releasable = true
		}
		for _, c := range l.Communities {
			if !slices.Contains(communities, c) && !strings.HasPrefix(c, kizuna.ExerciseCommunityPrefix) {
				communities = append(communities, c)
			}
		}
		for _, x := range kizuna.ExercisesOfLabel(l) {
			if !slices.Contains(exercises, x) {
				exercises = append(exercises, x)
			}
		}
		if tlpRank[l.TLP] > tlpRank[tlp] {
			tlp = l.TLP
		}
		audience = audience || l.AudienceLimited
	}
	var parts []string
	if len(schemes) > 0 {
		ids := make([]string, 0, len(schemes))
		for id := range schemes {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		levels := make([]string, len(ids))
		for i, id := range ids {
			levels[i] = id + " " + schemes[id].name
		}
		parts = append(parts, strings.Join(levels, " / "))
	}
	if releasable {
		slices.Sort(rel)
		if len(rel) == 1 && len(schemes) > 0 && v.ownNation(schemes, rel[0]) {
			// Releasable only to the nation of every scheme: NOFORN.
			parts = append(parts, "NOFORN")
		} else if len(rel) == 0 {
			parts = append(parts, v.T("marking.releasable_none"))
		} else {
			parts = append(parts, v.T("marking.rel_to", strings.Join(rel, ", ")))
		}
	}
	if len(communities) > 0 {
		slices.Sort(communities)
		parts = append(parts, strings.Join(communities, ", "))
	}
	if audience {
		parts = append(parts, v.T("marking.audience"))
	}
	if tlp != "" {
		parts = append(parts, "TLP:"+strings.ToUpper(tlp))
	}
	m := Marking{Class: "m-u", Detail: strings.Join(dedupe(details), "\n")}
	if len(parts) == 0 {
		m.Text = exerciseFirst(exercises, v.T("marking.unclassified"))
		return m
	}
	if len(schemes) == 0 {
		// No classification: the page is under its TLP alone, or
		// unclassified with a releasability or community.
		if tlp != "" {
			m.Class = "m-tlp-" + strings.ReplaceAll(tlp, "+", "-")
		}
		if tlp == "" || len(parts) > 1 {
			parts = append([]string{v.T("marking.unclassified")}, parts...)
		}
	} else {
		m.Class = tierClass(maxTier)
	}
	m.Text = exerciseFirst(exercises, strings.Join(parts, " // "))
	return m
}

// exerciseFirst starts the text of a marking of exercise data with the
// exercise banner (docs/exercises.md, rule 4).
func exerciseFirst(exercises []string, text string) string {
	if len(exercises) == 0 {
		return text
	}
	slices.Sort(exercises)
	return kizuna.ExerciseBanner(exercises) + " // " + text
}

// ownNation reports whether every scheme of the marking is the nation's.
func (v *View) ownNation(schemes map[string]top, nation string) bool {
	for id := range schemes {
		i := slices.IndexFunc(v.policy.Schemes, func(s policy.Scheme) bool { return strings.EqualFold(s.ID, id) })
		if i < 0 || v.policy.Schemes[i].Nation != nation {
			return false
		}
	}
	return true
}

// tierClass is the banner colour of a tier.
func tierClass(tier int) string {
	switch {
	case tier <= 0:
		return "m-u"
	case tier <= 2:
		return "m-cui"
	case tier == 3:
		return "m-c"
	case tier == 4:
		return "m-s"
	default:
		return "m-ts"
	}
}

func dedupe(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}
