package exercise

import (
	"bytes"
	"encoding/json"
	"regexp"
	"slices"
	"sort"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/policy"
	"github.com/kizuna-dev/kizuna/stix"
)

// Schedule is an exercise's injects placed on the clock from STARTEX. It
// reads no clock of its own: every call is given the time, so that the
// node passes its clock and tests any time they like.
type Schedule struct {
	ex      *kizuna.Exercise
	start   time.Time
	parts   map[string]kizuna.Participant
	created time.Time // creation time of the exercise object (the marking's)
	remap   map[string]string
	// carriers are, by participant id, the organisations that carry an
	// inject to the participant's node (SetCarriers).
	carriers map[string][]string
}

// SetCarriers names, by participant id, the organisations that carry an
// inject released to the participant to its node: the peers' (their
// principals, of one organisation each) on the releasing node. They join
// the inject's audience, so that the federation may send it there; on the
// participant's node they hold no exercise community, and read none of it.
func (s *Schedule) SetCarriers(carriers map[string][]string) { s.carriers = carriers }

// NewSchedule places ex on the clock from start (STARTEX). created is the
// creation time of the exercise object, which dates the exercise marking.
func NewSchedule(ex *kizuna.Exercise, start, created time.Time) *Schedule {
	s := &Schedule{ex: ex, start: start.UTC(), created: created.UTC(), parts: map[string]kizuna.Participant{}, remap: map[string]string{}}
	for _, p := range ex.Participants {
		s.parts[p.ID] = p
	}
	for _, in := range ex.Injects {
		for _, raw := range in.Objects {
			var h objectHead
			if json.Unmarshal(raw, &h) == nil && h.ID != "" {
				s.remap[h.ID] = RemapID(ex.ID, h.ID)
			}
		}
	}
	return s
}

// Start returns STARTEX; End returns ENDEX.
func (s *Schedule) Start() time.Time { return s.start }

// End returns ENDEX, STARTEX plus the exercise's duration.
func (s *Schedule) End() time.Time { return s.start.Add(s.ex.Duration) }

// RemapID returns the id an inject object is published under in an
// exercise: its type and a UUIDv5 of the exercise and the authored id. A
// scenario run twice, or an object whose authored id is a real object's,
// never shares an id with anything else, so exercise data never becomes
// a version of a real object.
func RemapID(exerciseID, id string) string {
	typ, _, _ := bytes.Cut([]byte(id), []byte("--"))
	return string(typ) + "--" + kizuna.NameUUID(namespace, "object|"+exerciseID+"|"+id)
}

// ReleaseID returns the id of the release record of an inject to one
// participant: the same release always has the same id.
func ReleaseID(exerciseID, inject, participant string) string {
	return "x-kizuna-inject-release--" + kizuna.NameUUID(namespace, "release|"+exerciseID+"|"+inject+"|"+participant)
}

// Due is an inject due to one participant.
type Due struct {
	Inject      *kizuna.Inject
	Participant kizuna.Participant
	At          time.Time
	ReleaseID   string
}

// Released reports whether a release record is already stored.
type Released func(releaseID string) bool

// Due returns the releases due at now that released does not know of,
// in the order of their due time, inject and participant. Releasing them
// and storing their records makes a second call return nothing: a node
// that restarts, or two instances that both look, release each once.
func (s *Schedule) Due(now time.Time, released Released) []Due {
	var out []Due
	for i := range s.ex.Injects {
		in := &s.ex.Injects[i]
		at := s.start.Add(in.At)
		if at.After(now) {
			continue
		}
		for _, to := range in.To {
			id := ReleaseID(s.ex.ID, in.ID, to)
			if released != nil && released(id) {
				continue
			}
			out = append(out, Due{Inject: in, Participant: s.parts[to], At: at, ReleaseID: id})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out
}

// Next returns when the next release not yet made falls due, and false
// when every inject has been released.
func (s *Schedule) Next(released Released) (time.Time, bool) {
	var next time.Time
	for _, in := range s.ex.Injects {
		for _, to := range in.To {
			if released != nil && released(ReleaseID(s.ex.ID, in.ID, to)) {
				continue
			}
			if at := s.start.Add(in.At); next.IsZero() || at.Before(next) {
				next = at
			}
		}
	}
	return next, !next.IsZero()
}

// Release returns what the node publishes for a due release: the inject's
// objects as published (ids remapped, created_by_ref the source's
// organisation, created and modified at the due time, the exercise marking
// added to their markings and an audience of the inject's recipients, their
// carriers (SetCarriers) and the control cell) and the release record. The
// result depends only on the scenario, the carriers, STARTEX and the due
// release, never on when it is called, so a
// repeated release publishes identical versions: a no-op for the store.
func (s *Schedule) Release(d Due, now time.Time) ([]json.RawMessage, kizuna.InjectRelease, error) {
	in := d.Inject
	audience := []string{s.ex.ControlRef}
	for _, to := range in.To {
		audience = append(audience, s.parts[to].Organization)
		audience = append(audience, s.carriers[to]...)
	}
	slices.Sort(audience)
	audience = slices.Compact(audience)
	from := s.parts[in.From]
	rec := kizuna.InjectRelease{ID: d.ReleaseID, ExerciseRef: s.ex.ID, Inject: in.ID, Participant: d.Participant.ID,
		Due: d.At, ReleasedAt: now.UTC()}
	var objs []json.RawMessage
	for _, raw := range in.Objects {
		out, id, err := s.materialise(raw, from.Organization, audience, d.At)
		if err != nil {
			return nil, rec, err
		}
		objs = append(objs, out)
		rec.ObjectRefs = append(rec.ObjectRefs, id)
	}
	return objs, rec, nil
}

var stixIDRE = regexp.MustCompile(`^[a-z][a-z0-9-]*--[0-9a-fA-F-]{36}$`)

func (s *Schedule) materialise(raw json.RawMessage, creator string, audience []string, at time.Time) (json.RawMessage, string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, "", kizuna.Errorf(kizuna.EINVALID, "inject object: %v", err)
	}
	m = s.rewrite(m).(map[string]any)
	if _, sdo := m["created"]; sdo {
		ts := stix.FormatTimestamp(at)
		m["created"], m["modified"] = ts, ts
		m["created_by_ref"] = creator
	}
	refs, _ := m["object_marking_refs"].([]any)
	m["object_marking_refs"] = append(refs, MarkingID(s.ex.ID))
	exts, _ := m["extensions"].(map[string]any)
	if exts == nil {
		exts = map[string]any{}
	}
	exts[policy.ExtensionID] = map[string]any{"extension_type": "property-extension", "audience": audience}
	m["extensions"] = exts
	out, err := json.Marshal(m)
	if err != nil {
		return nil, "", err
	}
	id, _ := m["id"].(string)
	return out, id, nil
}

// rewrite replaces every scenario object id found as a string value.
func (s *Schedule) rewrite(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, w := range x {
			x[k] = s.rewrite(w)
		}
	case []any:
		for i, w := range x {
			x[i] = s.rewrite(w)
		}
	case string:
		if stixIDRE.MatchString(x) {
			if to, ok := s.remap[x]; ok {
				return to
			}
		}
	}
	return v
}

// Published returns the ids an inject's objects are published under.
func (s *Schedule) Published(inject string) []string {
	for _, in := range s.ex.Injects {
		if in.ID != inject {
			continue
		}
		var out []string
		for _, raw := range in.Objects {
			var h objectHead
			if json.Unmarshal(raw, &h) == nil {
				out = append(out, s.remap[h.ID])
			}
		}
		return out
	}
	return nil
}

// Exercise returns the scheduled exercise.
func (s *Schedule) Exercise() *kizuna.Exercise { return s.ex }

// PublishedID returns the id an authored inject object is published under
// in this exercise.
func (s *Schedule) PublishedID(authored string) string { return s.remap[authored] }
