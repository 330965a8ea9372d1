package exercise_test

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/defense/defstix"
	"github.com/kizuna-dev/kizuna/exercise"
	"github.com/kizuna-dev/kizuna/stix"
)

// TestScheduleReleasesOnTheClock: with an injected clock, injects fall due
// at STARTEX plus their time, once per participant; releasing them and
// recording the releases makes them no longer due; Next tells the next due
// time; a release repeated later publishes identical objects.
func TestScheduleReleasesOnTheClock(t *testing.T) {
	ex := MustExample(t)
	s := exercise.NewSchedule(ex, startex, created)
	clk := &clock{now: startex.Add(-time.Second)}
	records := map[string]kizuna.InjectRelease{}
	released := func(id string) bool { _, ok := records[id]; return ok }
	release := func() []string {
		var got []string
		for _, d := range s.Due(clk.Now(), released) {
			objs, rec, err := s.Release(d, clk.Now())
			if err != nil {
				t.Fatal(err)
			}
			if len(objs) != len(d.Inject.Objects) || rec.ID != d.ReleaseID || !rec.Due.Equal(d.At) {
				t.Fatalf("release %s: %d objects, record %+v", d.ReleaseID, len(objs), rec)
			}
			records[rec.ID] = rec
			got = append(got, d.Inject.ID+">"+d.Participant.ID)
		}
		return got
	}
	if got := release(); len(got) != 0 {
		t.Fatalf("before STARTEX: %v", got)
	}
	if next, ok := s.Next(released); !ok || !next.Equal(startex) {
		t.Errorf("next %v %v", next, ok)
	}
	clk.now = startex
	if got := release(); !slices.Equal(got, []string{"I-01>jpn-ncco", "I-01>jpn-port-isac"}) {
		t.Errorf("at STARTEX: %v", got)
	}
	if got := release(); len(got) != 0 {
		t.Errorf("released twice: %v", got)
	}
	clk.now = startex.Add(2*time.Hour + time.Minute)
	if got := release(); !slices.Equal(got, []string{"I-02>jpn-ncco", "I-02>usa-nccc", "I-02>usa-navlog"}) {
		t.Errorf("at +2h: %v", got)
	}
	if next, _ := s.Next(released); !next.Equal(startex.Add(6 * time.Hour)) {
		t.Errorf("next %v", next)
	}
	// A node that was down all day releases everything late, in order,
	// each release dated by when it was due.
	clk.now = startex.Add(30 * time.Hour)
	if got := release(); !slices.Equal(got, []string{"I-03>usa-navlog", "I-03>jpn-port-isac", "I-04>jpn-ncco", "I-04>usa-nccc"}) {
		t.Errorf("late: %v", got)
	}
	if _, ok := s.Next(released); ok {
		t.Error("everything is released, yet a next release is due")
	}
	// Released later, the same release publishes the same bytes.
	due := exercise.Due{Inject: &ex.Injects[1], Participant: ex.Participants[1], At: startex.Add(2 * time.Hour),
		ReleaseID: exercise.ReleaseID(ex.ID, "I-02", "jpn-ncco")}
	a, _, _ := s.Release(due, startex)
	b, _, _ := s.Release(due, startex.Add(48*time.Hour))
	if !bytes.Equal(a[0], b[0]) {
		t.Error("a repeated release publishes different content")
	}
}

// TestReleasedObjects: released objects are valid STIX, carry remapped ids
// (references rewritten inside them), the source's organisation as
// creator, the due time as created and modified, the exercise marking and
// an audience of the recipients and control; the incident still decodes
// for the collective-defense engine.
func TestReleasedObjects(t *testing.T) {
	ex := MustExample(t)
	s := exercise.NewSchedule(ex, startex, created)
	published := map[string]bool{}
	for i := range ex.Injects {
		in := &ex.Injects[i]
		objs, rec, err := s.Release(exercise.Due{Inject: in, Participant: ex.Participants[1], At: startex.Add(in.At)}, startex)
		if err != nil {
			t.Fatal(err)
		}
		for j, raw := range objs {
			obj, err := stix.Parse(raw)
			if err != nil {
				t.Fatalf("%s object %d: %v", in.ID, j, err)
			}
			published[obj.ID] = true
			if obj.ID != rec.ObjectRefs[j] || strings.Contains(string(raw), "4f2bcde5-e506-457e-b976-3434138f61be") {
				t.Errorf("%s: id %s not remapped, or an authored id remains", in.ID, obj.ID)
			}
			if !obj.Created.Equal(startex.Add(in.At)) || obj.CreatedByRef != ex.ControlRef {
				t.Errorf("%s: created %v by %s", obj.ID, obj.Created, obj.CreatedByRef)
			}
			if !slices.Contains(obj.MarkingRefs, exercise.MarkingID(ex.ID)) {
				t.Errorf("%s: no exercise marking: %v", obj.ID, obj.MarkingRefs)
			}
			var m struct {
				Extensions map[string]struct{ Audience []string } `json:"extensions"`
			}
			json.Unmarshal(raw, &m)
			aud := m.Extensions["extension-definition--a6ad3f01-dcdd-4bf5-8b2f-242de041664e"].Audience
			if len(aud) != len(in.To)+1 || !slices.Contains(aud, ex.ControlRef) {
				t.Errorf("%s: audience %v for recipients %v", obj.ID, aud, in.To)
			}
			if obj.Type == "incident" {
				inc, err := defstix.DecodeIncident(raw)
				if err != nil {
					t.Fatal(err)
				}
				for _, ref := range inc.Alliance.EvidenceRefs {
					if !published[ref] {
						t.Errorf("evidence %s is not a published id", ref)
					}
				}
			}
		}
	}
	if s.PublishedID("report--789cf328-dca3-4c6b-a5e7-fccb4b3a0b00") == "" {
		t.Error("no published id for an authored one")
	}
	// Another exercise publishing the same scenario objects uses other ids.
	if exercise.RemapID(ex.ID, "report--789cf328-dca3-4c6b-a5e7-fccb4b3a0b00") ==
		exercise.RemapID("x-kizuna-exercise--00000000-0000-4000-8000-000000000000", "report--789cf328-dca3-4c6b-a5e7-fccb4b3a0b00") {
		t.Error("two exercises share an object id")
	}
}
