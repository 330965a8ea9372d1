package exercise

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/policy"
	"github.com/kizuna-dev/kizuna/stix"
)

// CommunityPrefix starts the community that an exercise marking requires
// of every reader: "exercise:x-kizuna-exercise--…". The prefix is reserved:
// a label holding such a community is exercise data, and the node keeps it
// out of real results.
const CommunityPrefix = kizuna.ExerciseCommunityPrefix

// namespace is the UUIDv5 namespace of the ids derived from an exercise
// (its marking, its release records and the remapped inject objects).
var namespace = [16]byte{0x6b, 0x3e, 0x1c, 0x52, 0x9d, 0x0a, 0x4f, 0x77, 0xa1, 0x2c, 0x5e, 0x80, 0x3b, 0x9f, 0x61, 0xd4}

// Community returns the community an exercise's marking requires.
func Community(exerciseID string) string { return CommunityPrefix + exerciseID }

// MarkingID returns the id of an exercise's marking-definition, the same on
// every node.
func MarkingID(exerciseID string) string {
	return "marking-definition--" + kizuna.NameUUID(namespace, "marking|"+exerciseID)
}

// Marking returns the exercise marking-definition: kizuna's access
// marking requiring the exercise community, releasable to the
// participants' nations and limited to their organisations. The node's
// access decision enforces it as it enforces any access marking, so that a
// node that knows nothing of exercises still shows exercise data to
// participants only. created is the creation time of the exercise object,
// so that every node's copy is the same version. carriers are the
// operating organisations of the participating nodes, whose peer
// principals carry the exercise's data between them (Schedule.SetCarriers):
// they join the audience, and read nothing without the community.
func Marking(ex *kizuna.Exercise, created time.Time, carriers ...string) ([]byte, error) {
	return participantsMarking(ex, created, MarkingID(ex.ID), "EXERCISE 演習 // "+ex.Name.In("en")+" // PARTICIPANTS ONLY",
		[]string{Community(ex.ID)}, carriers)
}

// RecordMarkingID returns the id of an exercise's record marking.
func RecordMarkingID(exerciseID string) string {
	return "marking-definition--" + kizuna.NameUUID(namespace, "record|"+exerciseID)
}

// RecordMarking returns the marking of the exercise's records (the
// x-kizuna-exercise object, the after-action report, corrective actions):
// releasable to the participants' nations and limited to their
// organisations, without the exercise community, so that the records stay
// readable by the participants after the exercise ends and its data is
// purged. Records are never mistaken for real intelligence: their types
// are the exercise's own. carriers are as for Marking: the record reaches
// the participating nodes through them, and their operators read it.
func RecordMarking(ex *kizuna.Exercise, created time.Time, carriers ...string) ([]byte, error) {
	return participantsMarking(ex, created, RecordMarkingID(ex.ID), "EXERCISE RECORD 演習記録 // "+ex.Name.In("en")+" // PARTICIPANTS ONLY", nil, carriers)
}

func participantsMarking(ex *kizuna.Exercise, created time.Time, id, name string, communities, carriers []string) ([]byte, error) {
	var nations, orgs []string
	for _, p := range ex.Participants {
		nations = append(nations, p.Nation)
		orgs = append(orgs, p.Organization)
	}
	orgs = append(orgs, carriers...)
	slices.Sort(nations)
	slices.Sort(orgs)
	ext := map[string]any{"extension_type": "property-extension", "releasable_to": slices.Compact(nations), "audience": slices.Compact(orgs)}
	if len(communities) > 0 {
		ext["communities"] = communities
	}
	md := map[string]any{
		"type": "marking-definition", "spec_version": "2.1", "id": id,
		"created": stix.FormatTimestamp(created.UTC()), "created_by_ref": ex.ControlRef, "name": name,
		"extensions": map[string]any{policy.ExtensionID: ext},
	}
	return json.Marshal(md)
}

// OfLabel returns the exercises whose data a label marks (sorted), or nil
// for real data.
func OfLabel(l *kizuna.AccessLabel) []string { return kizuna.ExercisesOfLabel(l) }

// OfObject returns the exercises whose data an object version is, from its
// label and the labels of its portions, as the node computed them at
// ingest. An object with any exercise-marked part is exercise data.
func OfObject(obj *kizuna.Object) []string { return kizuna.ExercisesOfObject(obj) }

// OfMarking returns the exercises a marking-definition's kizuna access
// extension names (nil when it is not an exercise marking).
func OfMarking(raw []byte) []string {
	var md struct {
		Type       string `json:"type"`
		Extensions map[string]struct {
			Communities []string `json:"communities"`
		} `json:"extensions"`
	}
	if json.Unmarshal(raw, &md) != nil || md.Type != "marking-definition" {
		return nil
	}
	return OfLabel(&kizuna.AccessLabel{Communities: md.Extensions[policy.ExtensionID].Communities})
}

// Classify tells whether a STIX object (its JSON, before or without a
// label) is exercise data, and of which exercises, from the
// marking-definitions its object_marking_refs and granular_markings name.
// resolve returns a held marking-definition; a marking it does not know
// is an error, for the caller to fail closed on.
func Classify(raw []byte, resolve func(id string) ([]byte, bool)) ([]string, error) {
	var obj struct {
		ID          string   `json:"id"`
		MarkingRefs []string `json:"object_marking_refs"`
		Granular    []struct {
			MarkingRef string `json:"marking_ref"`
		} `json:"granular_markings"`
	}
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, kizuna.Errorf(kizuna.EINVALID, "$: %v", err)
	}
	refs := slices.Clone(obj.MarkingRefs)
	for _, g := range obj.Granular {
		if g.MarkingRef != "" {
			refs = append(refs, g.MarkingRef)
		}
	}
	var out []string
	for _, ref := range refs {
		md, ok := resolve(ref)
		if !ok {
			return nil, kizuna.Errorf(kizuna.ENOTFOUND, "%s: marking %s is unknown: it cannot be told whether the object is exercise data", obj.ID, ref)
		}
		out = append(out, OfMarking(md)...)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// Banner is the banner that every page, export and stream item showing
// exercise data carries: "EXERCISE 演習 x-kizuna-exercise--…". It is empty
// for real data.
func Banner(exercises []string) string { return kizuna.ExerciseBanner(exercises) }
