package exstix

import (
	"slices"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/exercise"
	"github.com/kizuna-dev/kizuna/internal/newsdo"
)

var exerciseStates = []string{kizuna.ExercisePlanned, kizuna.ExerciseActive, kizuna.ExerciseEnded, kizuna.ExercisePurged}

// Exercise is an x-kizuna-exercise version: the exercise as its
// participants see it (the scenario's injects are not in it: they are
// released over time), with its state.
type Exercise struct {
	ID, CreatedByRef  string
	Created, Modified time.Time
	MarkingRefs       []string
	Exercise          *kizuna.Exercise
	State             string
	Start, End        time.Time // STARTEX, ENDEX
	ScenarioSHA256    string
	PurgedAt, EndedAt time.Time
}

type exerciseProps struct {
	Name            string               `json:"name"`
	Description     string               `json:"description,omitempty"`
	Names           kizuna.Text          `json:"names"`
	Descriptions    kizuna.Text          `json:"descriptions,omitempty"`
	Objectives      []kizuna.Objective   `json:"objectives"`
	Participants    []kizuna.Participant `json:"participants"`
	ControlRef      string               `json:"control_ref"`
	State           string               `json:"state"`
	Startex         newsdo.Timestamp     `json:"startex"`
	Endex           newsdo.Timestamp     `json:"endex"`
	ScenarioVersion string               `json:"scenario_version"`
	ScenarioSHA256  string               `json:"scenario_sha256"`
	MarkingRef      string               `json:"exercise_marking_ref"`
	EndedAt         *newsdo.Timestamp    `json:"ended_at,omitempty"`
	PurgedAt        *newsdo.Timestamp    `json:"purged_at,omitempty"`
}

// EncodeExercise writes an x-kizuna-exercise version.
func EncodeExercise(x *Exercise) ([]byte, error) {
	ex := x.Exercise
	return newsdo.Encode(newsdo.Envelope{Type: TypeExercise, ID: x.ID, Created: x.Created, Modified: x.Modified,
		CreatedByRef: x.CreatedByRef, MarkingRefs: x.MarkingRefs}, ExtExercise, exerciseProps{
		Name: ex.Name.In("en"), Description: ex.Description.In("en"), Names: ex.Name, Descriptions: ex.Description,
		Objectives: ex.Objectives, Participants: ex.Participants, ControlRef: ex.ControlRef, State: x.State,
		Startex: newsdo.Timestamp(x.Start), Endex: newsdo.Timestamp(x.End), ScenarioVersion: ex.Version,
		ScenarioSHA256: x.ScenarioSHA256, MarkingRef: exercise.MarkingID(ex.ID), EndedAt: newsdo.TS(x.EndedAt), PurgedAt: newsdo.TS(x.PurgedAt)})
}

// DecodeExercise validates an x-kizuna-exercise object.
func DecodeExercise(raw []byte) (*Exercise, error) {
	var p exerciseProps
	e, err := newsdo.Decode(raw, TypeExercise, ExtExercise, &p)
	if err != nil {
		return nil, err
	}
	r := &checker{id: e.ID}
	r.enum("$.state", p.State, exerciseStates)
	r.ref("$.control_ref", p.ControlRef, "identity")
	if p.MarkingRef != exercise.MarkingID(e.ID) {
		r.errf("$.exercise_marking_ref", "must be %s, the marking of this exercise", exercise.MarkingID(e.ID))
	}
	if !p.Endex.Time().After(p.Startex.Time()) {
		r.errf("$.endex", "must be after startex")
	}
	if len(p.Participants) < 2 {
		r.errf("$.participants", "an exercise has at least two participants")
	}
	for i, pt := range p.Participants {
		r.nation(index("$.participants", i)+".nation", pt.Nation)
		r.ref(index("$.participants", i)+".organization", pt.Organization, "identity")
		r.enum(index("$.participants", i)+".role", pt.Role, []string{kizuna.ExercisePlayer, kizuna.ExerciseControl, kizuna.ExerciseObserver})
	}
	ex := &kizuna.Exercise{ID: e.ID, Name: p.Names, Description: p.Descriptions, Version: p.ScenarioVersion,
		Objectives: p.Objectives, Participants: p.Participants, ControlRef: p.ControlRef, Duration: p.Endex.Time().Sub(p.Startex.Time())}
	return &Exercise{ID: e.ID, CreatedByRef: e.CreatedByRef, Created: e.Created, Modified: e.Modified, MarkingRefs: e.MarkingRefs,
		Exercise: ex, State: p.State, Start: p.Startex.Time(), End: p.Endex.Time(), ScenarioSHA256: p.ScenarioSHA256,
		EndedAt: newsdo.Of(p.EndedAt), PurgedAt: newsdo.Of(p.PurgedAt)}, r.err()
}

type releaseProps struct {
	ExerciseRef string           `json:"exercise_ref"`
	Inject      string           `json:"inject"`
	Participant string           `json:"participant"`
	Due         newsdo.Timestamp `json:"due"`
	ReleasedAt  newsdo.Timestamp `json:"released_at"`
	ObjectRefs  []string         `json:"object_refs"`
}

// EncodeRelease writes an x-kizuna-inject-release record, created by the
// control cell and marked with the exercise marking (it is exercise data).
func EncodeRelease(r *kizuna.InjectRelease, createdBy string) ([]byte, error) {
	return newsdo.Encode(newsdo.Envelope{Type: TypeRelease, ID: r.ID, Created: r.ReleasedAt, Modified: r.ReleasedAt, CreatedByRef: createdBy,
		MarkingRefs: []string{exercise.MarkingID(r.ExerciseRef)}}, ExtRelease, releaseProps{ExerciseRef: r.ExerciseRef, Inject: r.Inject,
		Participant: r.Participant, Due: newsdo.Timestamp(r.Due), ReleasedAt: newsdo.Timestamp(r.ReleasedAt), ObjectRefs: r.ObjectRefs})
}

// DecodeRelease validates an x-kizuna-inject-release record; its id must
// be the one the release derives, so that a record cannot be forged for
// another release.
func DecodeRelease(raw []byte) (*kizuna.InjectRelease, error) {
	var p releaseProps
	e, err := newsdo.Decode(raw, TypeRelease, ExtRelease, &p)
	if err != nil {
		return nil, err
	}
	r := &checker{id: e.ID}
	r.ref("$.exercise_ref", p.ExerciseRef, TypeExercise)
	if want := exercise.ReleaseID(p.ExerciseRef, p.Inject, p.Participant); e.ID != want {
		r.errf("$.id", "must be %s, the id of the release of %s to %s", want, p.Inject, p.Participant)
	}
	if !slices.Contains(e.MarkingRefs, exercise.MarkingID(p.ExerciseRef)) {
		r.errf("$.object_marking_refs", "must include the exercise marking %s", exercise.MarkingID(p.ExerciseRef))
	}
	if len(p.ObjectRefs) == 0 {
		r.errf("$.object_refs", "at least one object is released")
	}
	for i, ref := range p.ObjectRefs {
		r.ref(index("$.object_refs", i), ref, "")
	}
	return &kizuna.InjectRelease{ID: e.ID, ExerciseRef: p.ExerciseRef, Inject: p.Inject, Participant: p.Participant,
		Due: p.Due.Time(), ReleasedAt: p.ReleasedAt.Time(), ObjectRefs: p.ObjectRefs}, r.err()
}
