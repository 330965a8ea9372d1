package deconflict_test

import (
	"fmt"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/deconflict/deconflicttest"
)

const (
	orgUSCyber  = "identity--b0000000-0000-4000-8000-000000000001"
	orgJPPolice = "identity--b0000000-0000-4000-8000-000000000002"
	orgAUS      = "identity--b0000000-0000-4000-8000-000000000003"
)

var t0 = deconflicttest.T0

// MustRules loads the shipped rules.
var MustRules = deconflicttest.MustRules

var seq int

func action(nation, org, kind string, cat int, start, end time.Time, targets ...kizuna.ActionTarget) *kizuna.DefensiveAction {
	seq++
	return &kizuna.DefensiveAction{ID: fmt.Sprintf("x-kizuna-defensive-action--00000000-0000-4000-8000-%012d", seq),
		Name: kind, Kind: kind, Category: cat, Targets: targets, Start: start, End: end, Nation: nation, Organization: org,
		State: kizuna.ActionApproved, DeconflictWith: []string{"USA", "JPN"}}
}

func ip(v string) kizuna.ActionTarget { return kizuna.ActionTarget{Kind: kizuna.TargetIP, Value: v} }
func dns(v string) kizuna.ActionTarget {
	return kizuna.ActionTarget{Kind: kizuna.TargetDomain, Value: v}
}

// everyone may see every registration.
type everyone struct{}

func (everyone) MaySee(*kizuna.Principal, *kizuna.DefensiveAction) bool { return true }

// nationOnly lets a principal see its own nation's registrations.
type nationOnly struct{}

func (nationOnly) MaySee(pr *kizuna.Principal, a *kizuna.DefensiveAction) bool {
	return pr.Nation == a.Nation
}
