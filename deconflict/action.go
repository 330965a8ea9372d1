package deconflict

import (
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/internal/strictjson"
)

// MaxWindow bounds an action's window: a longer action is registered
// again when it is renewed, so that stale registrations lapse.
const MaxWindow = 400 * 24 * time.Hour

var (
	nationRE   = regexp.MustCompile(`^[A-Z]{3}$`)
	identityRE = regexp.MustCompile(`^identity--[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
)

// Check validates an action and returns the keys of its targets. Problems
// are added to errs at JSON paths of the action's STIX form
// ("$.targets[1].value").
func Check(errs *strictjson.Errors, a *kizuna.DefensiveAction) []Keys {
	if !slices.Contains(kindIDs(), a.Kind) {
		errs.Addf("$.action_kind", "%q is not one of %s", a.Kind, strings.Join(kindIDs(), ", "))
	}
	if a.Category < 1 || a.Category > 6 {
		errs.Addf("$.category", "must be from 1 (CAT1) to 6 (CAT6)")
	}
	if !slices.Contains(states, a.State) {
		errs.Addf("$.approval_state", "%q is not one of %s", a.State, strings.Join(states, ", "))
	}
	if !nationRE.MatchString(a.Nation) {
		errs.Addf("$.nation", "%q is not an ISO 3166-1 alpha-3 code", a.Nation)
	}
	if !identityRE.MatchString(a.Organization) {
		errs.Addf("$.organization_ref", "%q is not an identity id", a.Organization)
	}
	switch {
	case a.Start.IsZero() || a.End.IsZero():
		errs.Addf("$.window", "start and end are required")
	case !a.End.After(a.Start):
		errs.Addf("$.window.end", "must be after the start")
	case a.End.Sub(a.Start) > MaxWindow:
		errs.Addf("$.window.end", "the window is longer than %d days: register the action again when it is renewed", int(MaxWindow.Hours()/24))
	}
	for i, n := range a.DeconflictWith {
		if !nationRE.MatchString(n) {
			errs.Addf(strictjson.Index("$.deconflict_with", i), "%q is not an ISO 3166-1 alpha-3 code", n)
		}
	}
	if len(a.Targets) == 0 {
		errs.Addf("$.targets", "at least one target is required")
	}
	var keys []Keys
	for i, t := range a.Targets {
		k, err := Normalise(t)
		if err != nil {
			errs.Addf(strictjson.Index("$.targets", i)+".value", "%v", err)
			continue
		}
		keys = append(keys, k)
	}
	return keys
}

// targetKeys returns the union of the keys of an action's targets.
func targetKeys(a *kizuna.DefensiveAction) (Keys, error) {
	errs := &strictjson.Errors{File: a.ID}
	per := Check(errs, a)
	if err := errs.Err(); err != nil {
		return Keys{}, kizuna.WrapError(kizuna.EINVALID, err, "%v", err)
	}
	var k Keys
	for _, x := range per {
		k.Exact = append(k.Exact, x.Exact...)
		k.Up = append(k.Up, x.Up...)
	}
	slices.Sort(k.Exact)
	slices.Sort(k.Up)
	return Keys{Exact: slices.Compact(k.Exact), Up: slices.Compact(k.Up)}, nil
}

// KeysOf validates an action and returns the keys of all its targets.
// Errors: EINVALID naming each problem's JSON path.
func KeysOf(a *kizuna.DefensiveAction) (Keys, error) { return targetKeys(a) }

// ClassOf returns the action's class.
func ClassOf(a *kizuna.DefensiveAction) Class { return Class{a.Kind, a.Category} }
