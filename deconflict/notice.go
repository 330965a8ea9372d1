package deconflict

import (
	"time"

	"github.com/kizuna-dev/kizuna"
)

// Notices returns the two notices of a local conflict, one to each
// owner. The registrant, who may see the other action, gets its id; the
// other owner learns of the registrant's action what the pairwise
// exchange would tell it: owner, kind, category, window and rule.
func (r *Rules) Notices(c Conflict, now time.Time, newID func() string) [2]kizuna.DeconflictionNotice {
	sev := r.Severity(c.Rules)
	mine := kizuna.DeconflictionNotice{ID: newID(), Created: now, Rule: c.Rules[0], Rules: c.Rules, Severity: sev,
		ActionRef: c.Action.ID, Recipient: c.Action.Organization,
		OtherNation: c.Other.Nation, OtherOrg: c.Other.Organization, OtherActionRef: c.Other.ID,
		OtherKind: c.Other.Kind, OtherCategory: c.Other.Category, Overlap: c.Overlap, WindowStart: c.From, WindowEnd: c.To}
	theirs := kizuna.DeconflictionNotice{ID: newID(), Created: now, Rule: c.Rules[0], Rules: c.Rules, Severity: sev,
		ActionRef: c.Other.ID, Recipient: c.Other.Organization,
		OtherNation: c.Action.Nation, OtherOrg: c.Action.Organization,
		OtherKind: c.Action.Kind, OtherCategory: c.Action.Category, Overlap: c.Overlap, WindowStart: c.From, WindowEnd: c.To}
	return [2]kizuna.DeconflictionNotice{mine, theirs}
}

var severityRank = map[string]int{"low": 1, "medium": 2, "high": 3}

// Severity returns the highest severity of the named rules.
func (r *Rules) Severity(names []string) string {
	best := ""
	for _, n := range names {
		if rule, ok := r.Rule(n); ok && severityRank[rule.Severity] > severityRank[best] {
			best = rule.Severity
		}
	}
	return best
}
