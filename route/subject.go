package route

import (
	"bytes"
	"encoding/json"
	"slices"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/sector"
)

// Evidence is a property of an object that makes a subject concern a
// sector. A recipient gets a path only if it may read every object of
// the path's evidence and see each property: a notice must not reveal
// what a granular marking or a more restricted relationship hides.
type Evidence struct {
	Object   *kizuna.Object
	Property string // a top-level property ("extensions", "target_ref")
}

// Concern is one sector a subject concerns, why, and the evidence.
type Concern struct {
	Sector   string     `json:"sector"`
	Reason   string     `json:"reason"`
	Evidence []Evidence `json:"-"`
}

// Subject is what routing is about: a stored object version (its label
// and portions set) and the sectors it concerns.
type Subject struct {
	Object   *kizuna.Object
	Concerns []Concern
}

// Reasons a subject concerns a sector.
const (
	ReasonAffected  = "incident affected sector"
	ReasonDependent = "incident dependent sector"
	ReasonExtension = "sector extension"
	ReasonTargets   = "targets "
)

// IncidentConcerns returns the sectors an incident concerns: the affected
// and the dependent sectors of its alliance extension. obj is the stored
// incident, whose extensions property holds them.
func IncidentConcerns(obj *kizuna.Object, inc *kizuna.Incident) []Concern {
	if inc == nil || inc.Alliance == nil {
		return nil
	}
	ev := []Evidence{{Object: obj, Property: "extensions"}}
	var out []Concern
	for _, s := range inc.Alliance.Sectors {
		out = appendConcern(out, Concern{Sector: s, Reason: ReasonAffected, Evidence: ev})
	}
	for _, s := range inc.Alliance.DependentSectors {
		out = appendConcern(out, Concern{Sector: s, Reason: ReasonDependent, Evidence: ev})
	}
	return out
}

// Relationship is a stored STIX relationship with the properties routing
// reads.
type Relationship struct {
	Object           *kizuna.Object
	RelationshipType string
	SourceRef        string
	TargetRef        string
}

// ParseRelationship reads a stored relationship (obj.Raw). Errors:
// EINVALID when it is not a relationship.
func ParseRelationship(obj *kizuna.Object) (*Relationship, error) {
	var r struct {
		Type             string `json:"type"`
		RelationshipType string `json:"relationship_type"`
		SourceRef        string `json:"source_ref"`
		TargetRef        string `json:"target_ref"`
	}
	if obj == nil || json.Unmarshal(obj.Raw, &r) != nil || r.Type != "relationship" || r.SourceRef == "" || r.TargetRef == "" {
		id := ""
		if obj != nil {
			id = obj.ID
		}
		return nil, kizuna.Errorf(kizuna.EINVALID, "%s: not a STIX relationship with source_ref and target_ref", id)
	}
	return &Relationship{Object: obj, RelationshipType: r.RelationshipType, SourceRef: r.SourceRef, TargetRef: r.TargetRef}, nil
}

// OrganizationOf resolves an identity id to its stored identity object
// and the organisation it describes, or nils.
type OrganizationOf func(id string) (*kizuna.Object, *sector.Organization)

// ObjectConcerns returns the sectors a stored object concerns: those its
// sector extension names, and those of the identities it targets, by
// "targets" relationships whose source is the object or, for a report or
// grouping, one of its object_refs. Errors: EINVALID when the sector
// extension is malformed.
func ObjectConcerns(obj *kizuna.Object, rels []*Relationship, orgOf OrganizationOf) ([]Concern, error) {
	var out []Concern
	if mayHoldSectors(obj.Raw) {
		_, ids, err := sector.ObjectSectors(obj.Raw)
		if err != nil {
			return nil, err
		}
		for _, s := range ids {
			out = appendConcern(out, Concern{Sector: s, Reason: ReasonExtension, Evidence: []Evidence{{Object: obj, Property: "extensions"}}})
		}
	}
	if len(rels) == 0 || orgOf == nil {
		return out, nil
	}
	var refs struct {
		ObjectRefs []string `json:"object_refs"`
	}
	_ = json.Unmarshal(obj.Raw, &refs) // absent or malformed: no refs
	sources := append([]string{obj.ID}, refs.ObjectRefs...)
	for _, r := range rels {
		if r == nil || r.RelationshipType != "targets" || !slices.Contains(sources, r.SourceRef) {
			continue
		}
		identity, org := orgOf(r.TargetRef)
		if org == nil || identity == nil {
			continue
		}
		ev := []Evidence{{Object: r.Object, Property: "target_ref"}, {Object: identity, Property: "extensions"}}
		if r.SourceRef != obj.ID {
			ev = append(ev, Evidence{Object: obj, Property: "object_refs"})
		}
		for _, s := range org.Sectors {
			out = appendConcern(out, Concern{Sector: s, Reason: ReasonTargets + org.ID, Evidence: ev})
		}
	}
	return out, nil
}

// mayHoldSectors reports whether a stored object's JSON may carry the
// sector extension: its id appears in it, or a \u escape may spell it
// (the id's letters, digits and hyphens have no other escape). Most
// objects carry neither, and are not decoded for it.
func mayHoldSectors(raw []byte) bool {
	return bytes.Contains(raw, []byte(sector.ExtSectors)) || bytes.Contains(raw, []byte(`\u`))
}

// appendConcern adds c unless the same sector is already there for the
// same reason.
func appendConcern(cs []Concern, c Concern) []Concern {
	for _, x := range cs {
		if x.Sector == c.Sector && x.Reason == c.Reason {
			return cs
		}
	}
	return append(cs, c)
}
