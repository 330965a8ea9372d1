package policy_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/policy"
)

// TestGuardExerciseView checks rules 2 and 3 of docs/exercises.md in the
// guard: a participant holding the exercise community reads exercise data
// only in the exercise view (the collection set by SetExerciseView), never
// in another read or in Scope (what the matcher, exports, feeds and routing
// build on); a by-id read of it elsewhere is denied and audited. A peer
// reads it in the exercise view only when the exercise's node list admits
// its node, and each refusal is audited.
func TestGuardExerciseView(t *testing.T) {
	w := newWorld(t)
	g := policy.NewGuard(w.p, w.store)
	const exID = "x-kizuna-exercise--772ad805-f2cd-4e8f-a210-d33382813df6"
	exMarking := w.marking(map[string]any{"communities": []string{kizuna.ExerciseCommunityPrefix + exID}, "releasable_to": []string{"JPN", "USA"}})
	inject := w.put(w.indicator(orgJP, []string{exMarking}))
	realOne := w.put(w.indicator(orgJP, []string{policy.TLP2Green}))
	player := reader("player", orgJP, "JPN", []string{kizuna.ExerciseCommunityPrefix + exID})
	ids := func(ctx context.Context, ask ...string) []string {
		t.Helper()
		page, err := g.FindObjects(ctx, kizuna.ObjectFilter{Collection: w.c.ID, Types: []string{"indicator"}, IDs: ask, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, o := range page.Objects {
			out = append(out, o.ID)
		}
		return out
	}
	denials := func(seq int64, object string) []string {
		var out []string
		for _, e := range auditSince(t, w, seq) {
			if e.Action == "deny" && e.Object == object {
				out = append(out, e.Reason)
			}
		}
		return out
	}

	// Outside the exercise view: real data only, for the participant too.
	if got := ids(as(player)); !slices.Equal(got, []string{realOne.ID}) {
		t.Errorf("outside the exercise view the participant reads %v, want only %s", got, realOne.ID)
	}
	seq := lastSeq(t, w)
	if got := ids(as(player), inject.ID); len(got) != 0 {
		t.Errorf("by id outside the exercise view: %v", got)
	}
	if d := denials(seq, inject.ID); len(d) != 1 || !strings.Contains(d[0], "rule exercise") {
		t.Errorf("the by-id read of exercise data outside the exercise view is audited as %q", d)
	}
	// Scope gives the participant no more than a principal without the
	// community: no exercise label.
	scope, err := g.Scope(as(player))
	if err != nil {
		t.Fatal(err)
	}
	without, err := g.Scope(as(reader("player", orgJP, "JPN", nil)))
	if err != nil {
		t.Fatal(err)
	}
	if len(scope.LabelIDs) == 0 || !slices.Equal(scope.LabelIDs, without.LabelIDs) {
		t.Errorf("Scope of the participant %v, of the same principal without the community %v", scope.LabelIDs, without.LabelIDs)
	}

	// In the exercise view: the participant reads it; a principal without
	// the community does not.
	g.SetExerciseView(w.c.ID)
	if got := ids(as(player)); !slices.Contains(got, inject.ID) {
		t.Errorf("in the exercise view the participant reads %v, without %s", got, inject.ID)
	}
	if got := ids(as(reader("outsider", orgJP, "JPN", nil))); slices.Contains(got, inject.ID) {
		t.Errorf("a principal without the community reads %v", got)
	}

	// A peer holding the community: nothing until the node's exercises say
	// which nodes take part; then only a participating node's.
	peer := reader("usa-node", orgUS, "USA", []string{kizuna.ExerciseCommunityPrefix + exID})
	peer.Roles = []string{kizuna.RolePeer, kizuna.RoleReader}
	seq = lastSeq(t, w)
	if got := ids(as(peer)); slices.Contains(got, inject.ID) {
		t.Errorf("a peer reads exercise data with no exercise open to peers: %v", got)
	}
	if d := denials(seq, inject.ID); len(d) != 1 || !strings.Contains(d[0], "no exercise is open to peers") {
		t.Errorf("the refusal is audited as %q", d)
	}
	nodes := map[string]bool{"usa-node": true}
	g.SetExercisePeers(func(_ context.Context, pr *kizuna.Principal, id string) (string, error) {
		if id == exID && nodes[pr.Name] {
			return "", nil
		}
		return "its node is not one of the exercise's nodes", nil
	})
	if got := ids(as(peer)); !slices.Contains(got, inject.ID) {
		t.Errorf("a participating node's peer reads %v, without %s", got, inject.ID)
	}
	nodes["usa-node"] = false
	seq = lastSeq(t, w)
	if got := ids(as(peer)); slices.Contains(got, inject.ID) {
		t.Errorf("a peer whose node is not in the exercise reads %v", got)
	}
	if d := denials(seq, inject.ID); len(d) != 1 || !strings.Contains(d[0], "not one of the exercise's nodes") {
		t.Errorf("the refusal is audited as %q", d)
	}
}

// lastSeq returns the sequence number of the last audit event.
func lastSeq(t *testing.T, w *world) int64 {
	t.Helper()
	ev := auditSince(t, w, 0)
	if len(ev) == 0 {
		return 0
	}
	return ev[len(ev)-1].Seq
}
