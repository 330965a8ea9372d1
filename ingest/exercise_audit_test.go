package ingest_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/ingest"
)

// TestExerciseDataIsAudited stores, as a principal, a version marked with
// a marking that requires an exercise community and a real one: the first
// gets an "ingest" record naming what it references, the second none; the
// operator's own writes (the node's releases) get none either. Exercise
// data is refused in a collection that is not the exercise view, and an
// exercise marking in granular markings anywhere (rule 5).
func TestExerciseDataIsAudited(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	exID := "x-kizuna-exercise--" + kizuna.NewUUID()
	md := "marking-definition--" + kizuna.NewUUID()
	marking := json.RawMessage(`{"type":"marking-definition","spec_version":"2.1","id":"` + md + `","created":"2026-01-01T00:00:00.000Z","name":"EXERCISE","extensions":{"` + kzExt + `":{"extension_type":"property-extension","releasable_to":["USA"],"communities":["` + kizuna.ExerciseCommunityPrefix + exID + `"]}}}`)
	if res, err := f.svc.Ingest(ingest.AsOperator(ctx), f.coll.ID, []json.RawMessage{marking}); err != nil || res[0].Err != nil {
		t.Fatal(err, res)
	}
	f.writer.Communities = []string{kizuna.ExerciseCommunityPrefix + exID}
	inject := "indicator--" + kizuna.NewUUID()
	if res, err := f.svc.Ingest(ingest.AsOperator(ctx), f.coll.ID, []json.RawMessage{indicator(inject, `,"object_marking_refs":["`+md+`"]`)}); err != nil || res[0].Err != nil {
		t.Fatal(err, res)
	}
	share, real := "report--"+kizuna.NewUUID(), "indicator--"+kizuna.NewUUID()
	shareRaw := json.RawMessage(`{"type":"report","spec_version":"2.1","id":"` + share + `","created":"2026-01-02T00:00:00.000Z","modified":"2026-01-02T00:00:00.000Z","name":"onward","published":"2026-01-02T00:00:00Z","object_refs":["` + inject + `"],"object_marking_refs":["` + md + `"]}`)
	res, err := f.svc.Ingest(kizuna.NewContextWithPrincipal(ctx, f.writer), f.coll.ID, []json.RawMessage{shareRaw})
	if err != nil || res[0].Err == nil || !strings.Contains(kizuna.ErrorMessage(res[0].Err), "stored only in the exercises collection") {
		t.Errorf("exercise data in a collection of real data: %v %+v", err, res)
	}
	f.guard.SetExerciseView(f.coll.ID)
	portion := indicator("indicator--"+kizuna.NewUUID(), `,"granular_markings":[{"marking_ref":"`+md+`","selectors":["pattern"]}]`)
	res, err = f.svc.Ingest(kizuna.NewContextWithPrincipal(ctx, f.writer), f.coll.ID, []json.RawMessage{portion})
	if err != nil || res[0].Err == nil || !strings.Contains(kizuna.ErrorMessage(res[0].Err), "$.granular_markings: the portion \"pattern\" is marked as data of exercise "+exID) {
		t.Errorf("an exercise marking in granular markings: %v %+v", err, res)
	}
	raws := []json.RawMessage{shareRaw, indicator(real, "")}
	if res, err := f.svc.Ingest(kizuna.NewContextWithPrincipal(ctx, f.writer), f.coll.ID, raws); err != nil || res[0].Err != nil || res[1].Err != nil {
		t.Fatal(err, res)
	}
	events, err := f.db.FindAudit(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range events {
		if e.Action == kizuna.AuditIngest {
			got = append(got, e.Principal+" "+e.Object+" "+e.Reason)
		}
	}
	refs := []string{inject, md}
	slices.Sort(refs)
	want := f.writer.ID + " " + share + " collection=" + f.coll.ID + " refs=" + strings.Join(refs, ",")
	if len(got) != 1 || got[0] != want {
		t.Errorf("ingest records:\n%s\nwant\n%s", strings.Join(got, "\n"), want)
	}
}
