// Package policytest holds a reference model of kizuna's access rules,
// written independently of package policy, with generators of random
// principals, markings and objects, and an in-memory store. Tests of the
// policy, and of every read path built on it, compare the node's answers
// with the model's.
package policytest

import (
	"slices"
)

// refLevel is a level in the model's own tables.
type refLevel struct {
	scheme string
	id     string
	native string
	tier   int
	open   bool
}

// refLevels restates the shipped default levels for the schemes the
// generators use. Kept apart from policy's configuration on purpose: a
// mistake in one shows up as a disagreement with the other.
var refLevels = []refLevel{
	{"USA", "UNCLASSIFIED", "", 0, true},
	{"USA", "CUI", "", 1, false},
	{"USA", "CONFIDENTIAL", "", 3, false},
	{"USA", "SECRET", "", 4, false},
	{"USA", "TOP SECRET", "", 5, false},
	{"JPN", "toriatsukai-chui", "取扱注意", 1, false},
	{"JPN", "hi", "秘", 3, false},
	{"JPN", "juyo-keizai-anpo", "重要経済安保情報", 3, false},
	{"JPN", "gokuhi", "極秘", 4, false},
	{"JPN", "kimitsu", "機密", 5, false},
	{"JPN", "tokutei-himitsu", "特定秘密", 5, false},
	{"AUS", "UNOFFICIAL", "", 0, true},
	{"AUS", "OFFICIAL", "", 1, false},
	{"AUS", "OFFICIAL:Sensitive", "", 2, false},
	{"AUS", "PROTECTED", "", 3, false},
	{"AUS", "SECRET", "", 4, false},
	{"AUS", "TOP SECRET", "", 5, false},
}

// refEquivalent lists the default agreement pairs (US–Japan).
var refEquivalent = [][2][2]string{
	{{"USA", "CONFIDENTIAL"}, {"JPN", "hi"}},
	{{"USA", "SECRET"}, {"JPN", "gokuhi"}},
	{{"USA", "TOP SECRET"}, {"JPN", "kimitsu"}},
}

var refGroups = map[string][]string{"FVEY": {"AUS", "CAN", "GBR", "NZL", "USA"}}

func findLevel(scheme, level string) (refLevel, bool) {
	for _, l := range refLevels {
		if l.scheme == scheme && (l.id == level || (l.native != "" && l.native == level)) {
			return l, true
		}
	}
	return refLevel{}, false
}

// Cleared reports whether one of the clearances grants the level: a
// clearance of the same scheme at that tier or above, or a clearance in
// another scheme at or above a level that an agreement pair declares
// equivalent to a level at or above the required one.
func Cleared(clearances [][2]string, scheme, level string) bool {
	req, ok := findLevel(scheme, level)
	if !ok {
		return false
	}
	if req.open {
		return true
	}
	for _, c := range clearances {
		have, ok := findLevel(c[0], c[1])
		if !ok {
			continue
		}
		if have.scheme == req.scheme && have.tier >= req.tier {
			return true
		}
		for _, pair := range refEquivalent {
			for side := 0; side < 2; side++ {
				mine, theirs := pair[side], pair[1-side]
				if mine[0] != req.scheme || theirs[0] != have.scheme {
					continue
				}
				le, _ := findLevel(mine[0], mine[1])
				lf, _ := findLevel(theirs[0], theirs[1])
				if le.tier >= req.tier && have.tier >= lf.tier {
					return true
				}
			}
		}
	}
	return false
}

// Reader is the model's view of a principal.
type Reader struct {
	ID, Org, Nation string
	Clearances      [][2]string
	Communities     []string
	Revoked, Absent bool
}

// Allows reports whether reader r may see what the set of markings marks,
// with creator the organisation TLP:AMBER/AMBER+STRICT/RED default to.
func Allows(r Reader, markings []*MarkingSpec, creator string) bool {
	if r.Absent || r.Revoked {
		return false
	}
	needAudience, explicit := false, false
	var audience []string
	for _, m := range markings {
		switch m.Kind {
		case KindTLP:
			if m.TLP == "amber" || m.TLP == "amber+strict" || m.TLP == "red" {
				needAudience = true
			}
		case KindKizuna:
			if m.Audience != nil {
				if !explicit {
					audience, explicit = slices.Clone(m.Audience), true
				} else {
					var keep []string
					for _, a := range audience {
						if slices.Contains(m.Audience, a) {
							keep = append(keep, a)
						}
					}
					audience = keep
				}
			}
		}
		if !satisfies(r, m) {
			return false
		}
	}
	if !nationalDefault(r, markings) {
		return false
	}
	if explicit || needAudience {
		if !explicit {
			audience = nil
			if creator != "" {
				audience = []string{creator}
			}
		}
		if !slices.Contains(audience, r.Org) && !slices.Contains(audience, r.ID) {
			return false
		}
	}
	return true
}

// nationalDefault applies the rule that classified content (tier 3 and up
// of a national scheme) with no releasability marking at all stays with the
// scheme's nation.
func nationalDefault(r Reader, markings []*MarkingSpec) bool {
	var schemes []string
	for _, m := range markings {
		switch m.Kind {
		case KindKizuna:
			if m.ReleasableTo != nil || m.NoForn {
				return true
			}
			if l, ok := findLevel(m.Scheme, m.Level); ok && l.tier >= 3 {
				schemes = append(schemes, m.Scheme)
			}
		case KindACS:
			if m.ACSNoForn || m.ACSNations != nil {
				return true
			}
			if m.ACSClass != "U" {
				schemes = append(schemes, "USA")
			}
		}
	}
	for _, s := range schemes {
		if r.Nation != s { // the generated schemes are named by their nation
			return false
		}
	}
	return true
}

func inNations(nation string, list []string) bool {
	if nation == "" {
		return false
	}
	for _, n := range list {
		if n == nation || slices.Contains(refGroups[n], nation) {
			return true
		}
	}
	return false
}

// satisfies checks one marking's own conditions (not the audience).
func satisfies(r Reader, m *MarkingSpec) bool {
	switch m.Kind {
	case KindTLP, KindStatement:
		return true
	case KindBogus, KindUnknown:
		return false
	case KindKizuna:
		if m.Invalid {
			return false
		}
		if m.Scheme != "" && !Cleared(r.Clearances, m.Scheme, m.Level) {
			return false
		}
		if m.ReleasableTo != nil && !inNations(r.Nation, m.ReleasableTo) {
			return false
		}
		if m.NoForn && r.Nation != m.Scheme { // the generated schemes are named by their nation
			return false
		}
		for _, c := range m.Communities {
			if !slices.Contains(r.Communities, c) {
				return false
			}
		}
		return true
	case KindACS:
		if m.Invalid {
			return false
		}
		levels := map[string]string{"U": "UNCLASSIFIED", "C": "CONFIDENTIAL", "S": "SECRET", "TS": "TOP SECRET"}
		if !Cleared(r.Clearances, "USA", levels[m.ACSClass]) {
			return false
		}
		if m.ACSFOUO && !Cleared(r.Clearances, "USA", "CUI") {
			return false
		}
		if m.ACSNoForn && r.Nation != "USA" {
			return false
		}
		if m.ACSNations != nil && !inNations(r.Nation, m.ACSNations) {
			return false
		}
		for _, s := range m.ACSSensitivity {
			if !slices.Contains(r.Communities, "acs:sensitivity:"+s) {
				return false
			}
		}
		return true
	}
	return false
}

// Expectation is what the model says a reader gets for one object.
type Expectation struct {
	Rejected bool     // ingest refuses the object (an unknown marking)
	Visible  bool     // the reader gets the object
	Redacted []string // selectors removed for the reader, sorted
}

// indicatorRequired are the properties of an indicator that cannot be
// removed (the generated objects are indicators).
var indicatorRequired = []string{"type", "id", "spec_version", "created", "modified", "pattern", "pattern_type", "valid_from"}

// Expect computes what reader r gets of object o in scenario s.
func (s *Scenario) Expect(r Reader, o *ObjectSpec) Expectation {
	refs := o.Markings
	if len(refs) == 0 {
		refs = s.DefaultRefs
	}
	all := slices.Clone(refs)
	for _, g := range o.Granular {
		all = append(all, g.Marking)
	}
	for _, id := range all {
		if m := s.marking(id); m == nil || m.Kind == KindUnknown {
			return Expectation{Rejected: true}
		}
	}
	var objMarkings []*MarkingSpec
	for _, id := range refs {
		objMarkings = append(objMarkings, s.marking(id))
	}
	if !Allows(r, objMarkings, o.CreatedBy) {
		return Expectation{}
	}
	bySelector := map[string][]*MarkingSpec{}
	var selectors []string
	for _, g := range o.Granular {
		if bySelector[g.Selector] == nil {
			selectors = append(selectors, g.Selector)
		}
		bySelector[g.Selector] = append(bySelector[g.Selector], s.marking(g.Marking))
	}
	var redacted []string
	for _, sel := range selectors {
		if Allows(r, bySelector[sel], o.CreatedBy) {
			continue
		}
		if slices.Contains(indicatorRequired, sel) {
			return Expectation{}
		}
		redacted = append(redacted, sel)
	}
	slices.Sort(redacted)
	return Expectation{Visible: true, Redacted: redacted}
}

// Latest returns, for each object id, the latest version reader r may see
// (what a request for the latest version must return), among the versions
// stored (those not rejected at ingest).
func (s *Scenario) Latest(r Reader) map[string]*ObjectSpec {
	out := map[string]*ObjectSpec{}
	for _, o := range s.Objects {
		e := s.Expect(r, o)
		if !e.Visible {
			continue
		}
		if cur := out[o.ID]; cur == nil || o.Modified.After(cur.Modified) {
			out[o.ID] = o
		}
	}
	return out
}

func (s *Scenario) marking(id string) *MarkingSpec {
	return s.byID[id]
}
