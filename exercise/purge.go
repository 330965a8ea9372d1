package exercise

import (
	"slices"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/stix"
)

// Record types survive a purge: they are the exercise's results, carry the
// participants' record marking rather than the exercise marking, and are
// never read as real intelligence.
var recordTypes = []string{"x-kizuna-exercise", "x-kizuna-after-action-report", "x-kizuna-corrective-action"}

// PurgeItem is one object (all its versions) in one collection.
type PurgeItem struct {
	Collection string `json:"collection"`
	ID         string `json:"id"`
	Type       string `json:"type"`
	Reason     string `json:"reason"`
}

// PurgePlan is what ending an exercise removes and what it leaves for a
// person to decide.
type PurgePlan struct {
	// Delete are the exercise's data: every object whose label, or the
	// label of one of its portions, carries the exercise's community, or
	// that is marked with the exercise marking; the marking-definition
	// itself comes last.
	Delete []PurgeItem
	// Review are objects that are not exercise data but reference it: real
	// data someone derived from an inject without the exercise marking.
	// They are not deleted (they are real, and not the exercise's to
	// remove) but reported, for the owner to withdraw or re-mark.
	Review []PurgeItem
}

// SelectPurge selects, among stored object versions (any versions, any
// collections), what purging the exercise removes. Record types are
// never selected.
func SelectPurge(exerciseID string, objects []*kizuna.Object) PurgePlan {
	marking := MarkingID(exerciseID)
	var plan PurgePlan
	gone := map[string]bool{}
	picked := map[[2]string]bool{}
	var markingItem *PurgeItem
	for _, o := range objects {
		key := [2]string{o.Collection, o.ID}
		if picked[key] || slices.Contains(recordTypes, o.Type) {
			continue
		}
		reason := ""
		switch {
		case o.ID == marking:
			markingItem = &PurgeItem{Collection: o.Collection, ID: o.ID, Type: o.Type, Reason: "the exercise marking"}
			picked[key] = true
			continue
		case slices.Contains(OfObject(o), exerciseID):
			reason = "label carries " + Community(exerciseID)
		case slices.Contains(o.MarkingRefs, marking) || markedGranular(o, marking):
			reason = "marked with " + marking
		default:
			continue
		}
		picked[key] = true
		gone[o.ID] = true
		plan.Delete = append(plan.Delete, PurgeItem{Collection: o.Collection, ID: o.ID, Type: o.Type, Reason: reason})
	}
	if markingItem != nil {
		plan.Delete = append(plan.Delete, *markingItem)
	}
	seen := map[[2]string]bool{}
	for _, o := range objects {
		key := [2]string{o.Collection, o.ID}
		if gone[o.ID] || seen[key] || o.ID == marking || slices.Contains(recordTypes, o.Type) {
			continue
		}
		for _, ref := range stix.References(o.Raw) {
			if gone[ref] {
				seen[key] = true
				plan.Review = append(plan.Review, PurgeItem{Collection: o.Collection, ID: o.ID, Type: o.Type,
					Reason: "not exercise data, but references " + ref})
				break
			}
		}
	}
	return plan
}

func markedGranular(o *kizuna.Object, marking string) bool {
	for _, g := range o.GranularMarkings {
		if g.MarkingRef == marking {
			return true
		}
	}
	return false
}
