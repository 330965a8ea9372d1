package ingest

import (
	"fmt"
	"strings"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/stix"
)

// exerciseEvents returns one "ingest" audit record per accepted version
// of exercise data (its label, or a portion's, requires an exercise
// community), naming what it references: exercises are evaluated from the
// audit log, and a version published by a participant that is or
// references an inject is its onward sharing. The node's own writes
// (p nil) are its releases, recorded apart.
func exerciseEvents(p *kizuna.Principal, c *kizuna.Collection, created []*kizuna.Object) []*kizuna.AuditEvent {
	if p == nil {
		return nil
	}
	var events []*kizuna.AuditEvent
	for _, o := range created {
		if len(kizuna.ExercisesOfObject(o)) == 0 {
			continue
		}
		events = append(events, &kizuna.AuditEvent{Principal: p.ID, Action: kizuna.AuditIngest, Object: o.ID, Decision: "allow",
			Reason: "collection=" + c.ID + " refs=" + strings.Join(stix.References(o.Raw), ",")})
	}
	return events
}

// exercisePortions refuses a version whose granular markings make a
// portion exercise data: an exercise marking marks whole objects only
// (object_marking_refs), so that a real object never carries an exercise
// portion, which every read outside the exercise view would show
// (docs/exercises.md, rule 5).
func exercisePortions(obj *kizuna.Object, portions []kizuna.Portion) error {
	for _, p := range portions {
		if ids := kizuna.ExercisesOfLabel(p.Label); len(ids) > 0 {
			return kizuna.Errorf(kizuna.EINVALID, "%s: $.granular_markings: the portion %s is marked as data of exercise %s; an exercise marking marks whole objects only (object_marking_refs)",
				obj.ID, fmt.Sprintf("%q", strings.Join(p.Selectors, ", ")), strings.Join(ids, ", "))
		}
	}
	return nil
}
