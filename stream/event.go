package stream

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/defense/defstix"
)

// Kinds of event, the SSE event names.
const (
	KindObject       = "object"       // a new version of any other object
	KindIncident     = "incident"     // a new version of an incident
	KindConsultation = "consultation" // a consultation step: a consultation's version, a response or a joint position
	KindDeletion     = "deletion"     // versions of an object deleted
)

// kinds are the event kinds a client may ask for.
var kinds = []string{KindObject, KindIncident, KindConsultation, KindDeletion}

// kindOf returns the kind of the event a new version of a STIX type makes.
func kindOf(typ string) string {
	switch typ {
	case "incident":
		return KindIncident
	case defstix.TypeConsultation, defstix.TypeResponse, defstix.TypeJointPosition:
		return KindConsultation
	}
	return KindObject
}

// Event is the data of one event: a JSON object on one line.
type Event struct {
	Kind       string `json:"kind"`
	Collection string `json:"collection"`
	ID         string `json:"id"`
	Type       string `json:"type"`
	// Version and DateAdded are those of a new version.
	Version   *time.Time `json:"version,omitempty"`
	DateAdded *time.Time `json:"date_added,omitempty"`
	// Exercise is true for exercise data (its label requires an
	// exercise's community), which clients show under an EXERCISE banner.
	Exercise bool `json:"exercise,omitempty"`
	// Banner is, for exercise data, "EXERCISE 演習" and the exercises'
	// ids, the banner every view of exercise data carries.
	Banner string `json:"banner,omitempty"`
	// Object is the new version as the reader may read it: the portions
	// it may not read removed and listed in x_kizuna_redacted, as TAXII
	// serves it.
	Object json.RawMessage `json:"object,omitempty"`
	// Versions are, in a deletion, the deleted versions the reader could
	// read.
	Versions []time.Time `json:"versions,omitempty"`
}

// versionEvent returns the event of a version as the guard gave it.
func versionEvent(o *kizuna.Object) *Event {
	v, added := o.Version.UTC(), o.DateAdded.UTC()
	ev := &Event{Kind: kindOf(o.Type), Collection: o.Collection, ID: o.ID, Type: o.Type,
		Version: &v, DateAdded: &added, Object: o.Raw}
	ev.markExercise(o.Label)
	return ev
}

// markExercise flags the event when a label marks exercise data. Only the
// object's own label counts: a portion the reader may not read says
// nothing.
func (ev *Event) markExercise(l *kizuna.AccessLabel) {
	ids := kizuna.ExercisesOfLabel(l)
	if len(ids) == 0 {
		return
	}
	ev.Exercise = true
	for _, id := range ids {
		if !strings.Contains(ev.Banner, id) {
			ev.Banner = strings.TrimSpace(ev.Banner + " " + id)
		}
	}
	if !strings.HasPrefix(ev.Banner, exerciseBanner) {
		ev.Banner = exerciseBanner + " " + ev.Banner
	}
}

// exerciseBanner starts the banner of exercise data.
const exerciseBanner = "EXERCISE 演習"
