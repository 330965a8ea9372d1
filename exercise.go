package kizuna

import (
	"encoding/json"
	"slices"
	"strings"
	"time"
)

// Exercise states. An exercise is planned until its start (STARTEX), active
// until it ends (ENDEX), and purged once its exercise data is removed.
const (
	ExercisePlanned = "planned"
	ExerciseActive  = "active"
	ExerciseEnded   = "ended"
	ExercisePurged  = "purged"
)

// Roles of exercise participants.
const (
	ExercisePlayer   = "player"   // acts on injects and is evaluated
	ExerciseControl  = "control"  // releases injects, acts as the simulated world
	ExerciseObserver = "observer" // reads, is not evaluated
)

// Expected actions of a participant after an inject, measured from the
// audit log.
const (
	ExpectRead         = "read"          // first read of an inject object
	ExpectShare        = "share"         // publishes an object citing an inject object
	ExpectAcknowledge  = "acknowledge"   // acknowledges the inject or a consultation request on it
	ExpectAssess       = "assess"        // stores a threshold assessment or factor answers of an inject incident
	ExpectConsultOpen  = "consult-open"  // opens a consultation on an inject incident
	ExpectConsultClose = "consult-close" // closes that consultation
)

// Text is a text in several languages, keyed by BCP 47 tag ("en", "ja").
type Text map[string]string

// In returns the text in lang, else in English, else any.
func (t Text) In(lang string) string {
	if s, ok := t[lang]; ok && s != "" {
		return s
	}
	if s, ok := t["en"]; ok && s != "" {
		return s
	}
	for _, s := range t {
		return s
	}
	return ""
}

// Exercise is a joint exercise run over the live federation: its
// objectives, its participants, and its scenario of timed injects.
type Exercise struct {
	ID          string // "x-kizuna-exercise--UUID"
	Name        Text
	Description Text
	Version     string
	Objectives  []Objective
	// Participants are the nations' organisations taking part; Nodes the
	// nodes exercise data may federate to.
	Participants []Participant
	// ControlRef is the organisation (an identity id) of the exercise
	// control cell, which releases injects and owns the exercise records.
	ControlRef string
	// PlannedStart is the STARTEX the scenario was written for; the node
	// schedules from the start it is given.
	PlannedStart time.Time
	Duration     time.Duration
	Injects      []Inject
}

// Objective is one thing the exercise sets out to practise.
type Objective struct {
	ID   string `json:"id"`
	Text Text   `json:"text"`
}

// Participant is one organisation taking part in an exercise.
type Participant struct {
	ID           string `json:"id"`           // short id used by the scenario: "jpn-nisc"
	Nation       string `json:"nation"`       // ISO 3166-1 alpha-3
	Organization string `json:"organization"` // identity id
	Name         Text   `json:"name"`
	Role         string `json:"role"`           // player, control, observer
	Node         string `json:"node,omitempty"` // the node that hosts it
}

// Inject is one entry of the master scenario events list: STIX objects
// released at an exercise time to named participants, with the actions
// expected of them.
type Inject struct {
	ID          string            // "I-03"
	At          time.Duration     // after STARTEX
	Title       Text              //
	Description Text              //
	From        string            // participant id of the simulated source (its organisation creates the objects)
	To          []string          // participant ids
	Objects     []json.RawMessage // STIX objects, as authored
	Expect      []Expectation
}

// Expectation is an action expected of participants after an inject,
// within a time counted from the inject's release.
type Expectation struct {
	Action string   // one of the Expect* constants
	By     []string // participant ids
	Within time.Duration
	// Object names the inject object the action concerns ("" = any of the
	// inject's objects).
	Object string
}

// InjectRelease records that an inject was released to one participant:
// the node releases each (inject, participant) once, and the record
// makes a repeated release a no-op.
type InjectRelease struct {
	ID          string // deterministic: the same release always has the same id
	ExerciseRef string
	Inject      string
	Participant string
	Due         time.Time // STARTEX + At
	ReleasedAt  time.Time
	ObjectRefs  []string // ids of the released objects, as published
}

// Finding is one observation of an after-action review.
type Finding struct {
	ID          string   `json:"id"`
	Text        Text     `json:"text"`
	Objective   string   `json:"objective,omitempty"`
	Participant string   `json:"participant,omitempty"`
	Evidence    []string `json:"evidence,omitempty"` // expectation or metric keys
}

// Corrective action statuses; an action carries over from one exercise to
// the next until it is verified or dropped.
const (
	CorrectiveOpen       = "open"
	CorrectiveInProgress = "in-progress"
	CorrectiveDone       = "done"     // done by its owner, to be verified by an exercise
	CorrectiveVerified   = "verified" // an exercise showed it works
	CorrectiveDropped    = "dropped"
)

// CorrectiveAction is a fix decided in an after-action review, tracked
// across exercises: each review records what it found of it.
type CorrectiveAction struct {
	ID         string // "x-kizuna-corrective-action--UUID", stable across exercises
	Created    time.Time
	Modified   time.Time
	Title      Text
	Owner      string // participant's nation
	OwnerRef   string // organisation identity id
	Status     string
	Due        time.Time
	RaisedIn   string // exercise id
	FindingRef string
	// Checks are the expectations, as "action:participant" (for example
	// "share:jpn-port-isac"), whose outcome in a later exercise verifies
	// the action: met, it is verified; missed, it is open again.
	Checks      []string
	History     []CorrectiveEntry
	MarkingRefs []string
}

// CorrectiveEntry is what one exercise or owner recorded of a corrective
// action.
type CorrectiveEntry struct {
	ExerciseRef string    `json:"exercise_ref,omitempty"`
	At          time.Time `json:"at"`
	Status      string    `json:"status"`
	Note        string    `json:"note,omitempty"`
}

// ExerciseCollectionAlias is the alias of a node's collection of exercise
// data, whose reads are the exercise view: no other read shows exercise
// data.
const ExerciseCollectionAlias = "exercises"

// ExerciseCommunityPrefix starts the community an exercise marking
// requires, "exercise:<exercise id>". The prefix is reserved: a label
// requiring such a community is exercise data.
const ExerciseCommunityPrefix = "exercise:"

// ExercisesOfLabel returns the exercises whose data a label marks (sorted),
// or nil for real data.
func ExercisesOfLabel(l *AccessLabel) []string {
	if l == nil {
		return nil
	}
	var out []string
	for _, c := range l.Communities {
		if id, ok := strings.CutPrefix(c, ExerciseCommunityPrefix); ok {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// ExercisesOfObject returns the exercises whose data an object version is,
// from its label and the labels of its portions as the node computed them
// at ingest. An object with any exercise-marked part is exercise data.
func ExercisesOfObject(obj *Object) []string {
	out := ExercisesOfLabel(obj.Label)
	for _, p := range obj.Portions {
		out = append(out, ExercisesOfLabel(p.Label)...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// ExerciseBanner is the banner of what holds data of the exercises:
// "EXERCISE 演習 <id> <id>…", or "" for none.
func ExerciseBanner(exercises []string) string {
	if len(exercises) == 0 {
		return ""
	}
	return "EXERCISE 演習 " + strings.Join(exercises, " ")
}

// Audit actions of exercises: those exercise evaluation reads besides
// "read", which the node records for exercise data, and those of an
// exercise's course (see docs/exercises.md, "Audit records").
const (
	AuditIngest          = "ingest"               // an exercise-marked object version accepted
	AuditExerciseRelease = "exercise.release"     // an inject released to a participant
	AuditExerciseAck     = "exercise.acknowledge" // a participant acknowledged an inject
	AuditConsultPrefix   = "consult."             // consult.<act>: a consultation step
	AuditExerciseGrant   = "exercise.grant"       // a participant's principal given the exercise community
	AuditExerciseRevoke  = "exercise.revoke"      // the exercise community taken from a principal at the end
	AuditExerciseEnd     = "exercise.end"         // an exercise ended
	AuditExercisePurge   = "exercise.purge"       // an object of an ended exercise deleted
)
