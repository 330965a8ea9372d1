package defense

import (
	"fmt"
	"slices"

	"github.com/kizuna-dev/kizuna"
)

// DerivedMarkings returns the marking refs of an object derived from
// objects with the given marking refs: all of them, each once. Since every
// marking of an object applies (the most restrictive wins, releasability
// sets intersect), the derived object is at least as restricted as each of
// its sources.
func DerivedMarkings(sources ...[]string) []string {
	var out []string
	for _, s := range sources {
		for _, m := range s {
			if !slices.Contains(out, m) {
				out = append(out, m)
			}
		}
	}
	slices.Sort(out)
	return out
}

// CheckIncident checks what the STIX validation of an incident cannot: that
// its sector ids are in the configured lists. extID is the key of the
// alliance extension (defstix.ExtAlliance), for the paths. Errors:
// EINVALID, naming the incident id and the JSON path of each unknown id.
func (e *Engine) CheckIncident(inc *kizuna.Incident, extID string) error {
	if inc.Alliance == nil {
		return nil
	}
	base := "$.extensions['" + extID + "']"
	var probs []string
	check := func(path string, ids []string) {
		for i, id := range ids {
			if !e.sectors.Known(id) {
				probs = append(probs, fmt.Sprintf("%s: %s.%s[%d]: %q is not a configured sector id", inc.ID, base, path, i, id))
			}
		}
	}
	check("sectors", inc.Alliance.Sectors)
	check("dependent_sectors", inc.Alliance.DependentSectors)
	for i, d := range inc.Alliance.Dependencies {
		if d.Sector != "" && !e.sectors.Known(d.Sector) {
			probs = append(probs, fmt.Sprintf("%s: %s.dependencies[%d].sector: %q is not a configured sector id", inc.ID, base, i, d.Sector))
		}
	}
	if len(probs) == 0 {
		return nil
	}
	msg := probs[0]
	for _, p := range probs[1:] {
		msg += "; " + p
	}
	return kizuna.Errorf(kizuna.EINVALID, "%s", msg)
}
