package exercise_test

import (
	"context"
	"slices"
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/exercise"
	"github.com/kizuna-dev/kizuna/policy"
	"github.com/kizuna-dev/kizuna/stix"
)

// TestMarkingAdmitsOnlyRecipients labels released inject objects with the
// node's own policy, unchanged: the exercise marking and the release's
// audience admit the inject's recipients holding the exercise community,
// and deny a participant the inject was not released to, a participant's
// principal without the community, and a non-participant nation.
func TestMarkingAdmitsOnlyRecipients(t *testing.T) {
	ex := MustExample(t)
	ms := markings{}
	md, err := exercise.Marking(ex, created)
	if err != nil {
		t.Fatal(err)
	}
	ms.add(t, md)
	if got := exercise.OfMarking(md); !slices.Equal(got, []string{ex.ID}) {
		t.Errorf("OfMarking = %v", got)
	}
	p, err := policy.New(policy.DefaultConfig(), ms)
	if err != nil {
		t.Fatal(err)
	}
	s := exercise.NewSchedule(ex, startex, created)
	in := &ex.Injects[0] // to jpn-ncco and jpn-port-isac
	objs, _, err := s.Release(exercise.Due{Inject: in, Participant: ex.Participants[1], At: startex}, startex)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := stix.Parse(objs[1])
	if err != nil {
		t.Fatal(err)
	}
	label, _, _, err := p.Label(context.Background(), obj, &kizuna.Collection{ID: "c"})
	if err != nil {
		t.Fatal(err)
	}
	obj.Label = label
	if got := exercise.OfObject(obj); !slices.Equal(got, []string{ex.ID}) {
		t.Fatalf("OfObject = %v (label %+v)", got, label)
	}
	org := func(id string) string {
		for _, pt := range ex.Participants {
			if pt.ID == id {
				return pt.Organization
			}
		}
		return ""
	}
	community := []string{exercise.Community(ex.ID)}
	cases := []struct {
		name  string
		pr    kizuna.Principal
		allow bool
	}{
		{"recipient", kizuna.Principal{Name: "a", Nation: "JPN", Organization: org("jpn-ncco"), Communities: community}, true},
		{"control", kizuna.Principal{Name: "b", Nation: "JPN", Organization: ex.ControlRef, Communities: community}, true},
		{"participant not a recipient", kizuna.Principal{Name: "c", Nation: "USA", Organization: org("usa-nccc"), Communities: community}, false},
		{"recipient without the community", kizuna.Principal{Name: "d", Nation: "JPN", Organization: org("jpn-ncco")}, false},
		{"non-participant", kizuna.Principal{Name: "e", Nation: "AUS", Organization: "identity--a0000000-0000-4000-8000-000000000003", Communities: community}, false},
	}
	for _, c := range cases {
		if d := p.Decide(&c.pr, label); d.Allow != c.allow {
			t.Errorf("%s: allow %v (%s: %s), want %v", c.name, d.Allow, d.Rule, d.Reason, c.allow)
		}
	}
	got, err := exercise.Classify(objs[1], func(id string) ([]byte, bool) {
		if o, ok := ms[id]; ok {
			return o.Raw, true
		}
		return nil, false
	})
	if err != nil || !slices.Equal(got, []string{ex.ID}) {
		t.Errorf("Classify = %v, %v", got, err)
	}
	if _, err := exercise.Classify(objs[1], func(string) ([]byte, bool) { return nil, false }); kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
		t.Errorf("an unknown marking: %v", err)
	}
	if b := exercise.Banner(got); b != "EXERCISE 演習 "+ex.ID {
		t.Errorf("banner %q", b)
	}
	// The record marking admits every participant, community or not, and
	// no one else; it is not exercise data.
	rec, err := exercise.RecordMarking(ex, created)
	if err != nil {
		t.Fatal(err)
	}
	ms.add(t, rec)
	if exercise.OfMarking(rec) != nil {
		t.Error("the record marking reads as exercise data")
	}
	report := &kizuna.Object{ID: "x-kizuna-after-action-report--00000000-0000-4000-8000-000000000001", Type: "x-kizuna-after-action-report",
		MarkingRefs: []string{exercise.RecordMarkingID(ex.ID)}, CreatedByRef: ex.ControlRef, Raw: []byte(`{}`)}
	rl, _, _, err := p.Label(context.Background(), report, &kizuna.Collection{ID: "c"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		want := c.pr.Nation != "AUS"
		if d := p.Decide(&c.pr, rl); d.Allow != want {
			t.Errorf("record, %s: allow %v (%s), want %v", c.name, d.Allow, d.Reason, want)
		}
	}
	if exercise.Banner(nil) != "" || exercise.OfLabel(&kizuna.AccessLabel{Communities: []string{"fvey-cti"}}) != nil {
		t.Error("real data reads as exercise data")
	}
}

// TestSelectPurge: ending an exercise deletes its data, whatever its
// collection, by label or marking, the marking last; it keeps the
// exercise records and real data, and lists real objects that cite
// exercise data for review.
func TestSelectPurge(t *testing.T) {
	ex := "x-kizuna-exercise--772ad805-f2cd-4e8f-a210-d33382813df6"
	other := "x-kizuna-exercise--00000000-0000-4000-8000-000000000001"
	exLabel := &kizuna.AccessLabel{Communities: []string{exercise.Community(ex), "x"}}
	objs := []*kizuna.Object{
		{Collection: "c1", ID: exercise.MarkingID(ex), Type: "marking-definition"},
		{Collection: "c1", ID: "indicator--00000000-0000-4000-8000-000000000001", Type: "indicator", Label: exLabel},
		{Collection: "c1", ID: "indicator--00000000-0000-4000-8000-000000000001", Type: "indicator", Label: exLabel}, // a second version
		{Collection: "c2", ID: "note--00000000-0000-4000-8000-000000000002", Type: "note", MarkingRefs: []string{exercise.MarkingID(ex)}},
		{Collection: "c2", ID: "report--00000000-0000-4000-8000-000000000003", Type: "report",
			Portions: []kizuna.Portion{{Selectors: []string{"description"}, Label: exLabel}}},
		{Collection: "c1", ID: "x-kizuna-after-action-report--00000000-0000-4000-8000-000000000004", Type: "x-kizuna-after-action-report", Label: exLabel},
		{Collection: "c1", ID: "indicator--00000000-0000-4000-8000-000000000005", Type: "indicator",
			Label: &kizuna.AccessLabel{Communities: []string{exercise.Community(other)}}},
		{Collection: "c3", ID: "sighting--00000000-0000-4000-8000-000000000006", Type: "sighting", Label: &kizuna.AccessLabel{TLP: "green"},
			Raw: []byte(`{"id":"sighting--00000000-0000-4000-8000-000000000006","sighting_of_ref":"indicator--00000000-0000-4000-8000-000000000001"}`)},
		{Collection: "c3", ID: "indicator--00000000-0000-4000-8000-000000000007", Type: "indicator", Label: &kizuna.AccessLabel{TLP: "green"},
			Raw: []byte(`{"id":"indicator--00000000-0000-4000-8000-000000000007"}`)},
	}
	plan := exercise.SelectPurge(ex, objs)
	var del, review []string
	for _, it := range plan.Delete {
		del = append(del, it.Collection+" "+it.ID)
	}
	for _, it := range plan.Review {
		review = append(review, it.ID)
	}
	want := []string{"c1 indicator--00000000-0000-4000-8000-000000000001", "c2 note--00000000-0000-4000-8000-000000000002",
		"c2 report--00000000-0000-4000-8000-000000000003", "c1 " + exercise.MarkingID(ex)}
	if !slices.Equal(del, want) {
		t.Errorf("delete:\n%v\nwant\n%v", del, want)
	}
	if !slices.Equal(review, []string{"sighting--00000000-0000-4000-8000-000000000006"}) {
		t.Errorf("review: %v", review)
	}
}
