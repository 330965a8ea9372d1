package ingest

import (
	"fmt"
	"strings"

	"github.com/kizuna-dev/kizuna"
)

// creators returns the ids the objects name as created_by_ref.
func creators(parsed []*kizuna.Object) map[string]bool {
	out := map[string]bool{}
	for _, o := range parsed {
		if o != nil && o.CreatedByRef != "" {
			out[o.CreatedByRef] = true
		}
	}
	return out
}

// refuseUnmarked refuses the objects parsed[idx] that reference a
// marking-definition of the same request whose storing failed, and returns
// the indexes of the others.
func refuseUnmarked(parsed []*kizuna.Object, idx []int, results []kizuna.PutResult) []int {
	refused := map[string]string{}
	for _, r := range results {
		if r.Err != nil && strings.HasPrefix(r.ID, "marking-definition--") {
			refused[r.ID] = kizuna.ErrorMessage(r.Err)
		}
	}
	if len(refused) == 0 {
		return idx
	}
	kept := idx[:0:0]
	for _, i := range idx {
		o := parsed[i]
		path, ref := "", ""
		for j, m := range o.MarkingRefs {
			if _, ok := refused[m]; ok {
				path, ref = fmt.Sprintf("$.object_marking_refs[%d]", j), m
				break
			}
		}
		for j, g := range o.GranularMarkings {
			if _, ok := refused[g.MarkingRef]; ok && ref == "" {
				path, ref = fmt.Sprintf("$.granular_markings[%d].marking_ref", j), g.MarkingRef
				break
			}
		}
		if ref == "" {
			kept = append(kept, i)
			continue
		}
		results[i] = kizuna.PutResult{ID: o.ID, Version: o.Version, Err: kizuna.Errorf(kizuna.EINVALID,
			"%s: %s: %s of this request was refused, so the objects it marks are refused with it (%s)", o.ID, path, ref, refused[ref])}
	}
	return kept
}
