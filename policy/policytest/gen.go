package policytest

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/kizuna-dev/kizuna"
)

// Kinds of generated markings.
const (
	KindTLP       = "tlp"       // a predefined TLP 1.0 or 2.0 marking (never stored)
	KindKizuna    = "kizuna"    // kizuna's access-marking extension
	KindACS       = "acs"       // ISA ACS 3.0
	KindStatement = "statement" // a copyright statement: restricts nobody
	KindBogus     = "bogus"     // stored but uninterpretable: denies everyone
	KindUnknown   = "unknown"   // referenced but never stored: ingest rejects
)

// MarkingSpec describes a generated marking-definition.
type MarkingSpec struct {
	ID   string
	Kind string
	TLP  string // KindTLP: clear, green, amber, amber+strict, red

	// KindKizuna.
	Scheme, Level string   // Level may be an id or the native text
	ReleasableTo  []string // nil: no releasability limit
	NoForn        bool
	Communities   []string
	Audience      []string // nil: no audience named
	Invalid       bool     // an unknown level: uninterpretable

	// KindACS.
	ACSClass       string
	ACSNoForn      bool
	ACSFOUO        bool
	ACSNations     []string
	ACSSensitivity []string
}

// GranularSpec marks one selector with one marking.
type GranularSpec struct {
	Selector string
	Marking  string
}

// ObjectSpec describes a generated indicator.
type ObjectSpec struct {
	ID        string
	CreatedBy string
	Markings  []string
	Granular  []GranularSpec
	// Modified is the version; a second version of an object has the same
	// ID, CreatedBy and a later Modified, with markings of its own.
	Modified time.Time
	// Secrets maps each markable selector to the unique text it holds, so
	// that a test can tell whether a redacted value leaked.
	Secrets map[string]string
}

// Scenario is a random world: markings, objects and principals.
type Scenario struct {
	Collection  *kizuna.Collection
	Markings    []*MarkingSpec
	DefaultRefs []string
	Objects     []*ObjectSpec
	Readers     []Reader
	byID        map[string]*MarkingSpec
}

// Organisations, nations and communities the generators draw from.
var (
	Orgs = []string{
		"identity--0a3f7c2e-1d4b-4e8a-9c6f-5b2d8e1a7c30",
		"identity--1b4e8d3f-2e5c-4f9b-8d7a-6c3e9f2b8d41",
		"identity--2c5f9e4a-3f6d-4a0c-9e8b-7d4f0a3c9e52",
		"identity--3d6a0f5b-4a7e-4b1d-8f9c-8e5a1b4d0f63",
	}
	Nations     = []string{"USA", "JPN", "AUS", "KOR", ""}
	Communities = []string{"energy", "finance", "ics"}
)

var tlpIDs = map[string][]string{
	"clear":        {"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"},
	"green":        {"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"},
	"amber":        {"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82", "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"},
	"amber+strict": {"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"},
	"red":          {"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"},
}

// Gen generates scenarios from a seed.
type Gen struct {
	r   *rand.Rand
	seq int
}

// NewGen returns a generator; the same seed gives the same scenarios.
func NewGen(seed uint64) *Gen {
	return &Gen{r: rand.New(rand.NewPCG(seed, 0x6b697a756e61))}
}

func (g *Gen) uuid() string {
	g.seq++
	a, b := g.r.Uint64(), g.r.Uint64()
	return fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", uint32(a>>32), uint16(a>>16), uint16(a)&0xfff, uint16(b>>48)&0x3fff|0x8000, b&0xffffffffffff)
}

func (g *Gen) subset(from []string, p float64) []string {
	out := []string{}
	for _, x := range from {
		if g.r.Float64() < p {
			out = append(out, x)
		}
	}
	return out
}

func (g *Gen) pick(from []string) string { return from[g.r.IntN(len(from))] }

// Scenario generates markings, objects and readers.
func (g *Gen) Scenario(objects, readers int) *Scenario {
	s := &Scenario{byID: map[string]*MarkingSpec{}}
	add := func(m *MarkingSpec) { s.Markings = append(s.Markings, m); s.byID[m.ID] = m }
	for tlp, ids := range tlpIDs {
		for _, id := range ids {
			add(&MarkingSpec{ID: id, Kind: KindTLP, TLP: tlp})
		}
	}
	rel := &MarkingSpec{ID: "marking-definition--" + g.uuid(), Kind: KindKizuna, ReleasableTo: []string{"JPN"}}
	add(rel)
	s.DefaultRefs = []string{tlpIDs["amber"][1], rel.ID}
	for i := 0; i < 14; i++ {
		add(g.kizunaMarking())
	}
	for i := 0; i < 6; i++ {
		add(g.acsMarking())
	}
	add(&MarkingSpec{ID: "marking-definition--" + g.uuid(), Kind: KindStatement})
	add(&MarkingSpec{ID: "marking-definition--" + g.uuid(), Kind: KindBogus})
	add(&MarkingSpec{ID: "marking-definition--" + g.uuid(), Kind: KindUnknown})
	s.Collection = &kizuna.Collection{
		ID: g.uuid(), Title: "model",
		CanRead:            kizuna.AccessRule{Roles: []string{kizuna.RoleReader}},
		CanWrite:           kizuna.AccessRule{Roles: []string{kizuna.RolePublisher}},
		DefaultMarkingRefs: s.DefaultRefs,
	}
	ids := make([]string, 0, len(s.Markings))
	for _, m := range s.Markings {
		ids = append(ids, m.ID)
	}
	slices.Sort(ids) // map order above must not change the draws below
	for i := 0; i < objects; i++ {
		o := g.object(ids)
		if n := len(s.Objects); n > 0 && g.r.Float64() < 0.25 {
			// A new version of an earlier object: readers must get the
			// latest version they may see, never learn of a later one.
			prev := s.Objects[g.r.IntN(n)]
			o.ID, o.CreatedBy = prev.ID, prev.CreatedBy
			for _, other := range s.Objects {
				if other.ID == prev.ID && !other.Modified.Before(o.Modified) {
					o.Modified = other.Modified.Add(time.Hour)
				}
			}
		}
		s.Objects = append(s.Objects, o)
	}
	for i := 0; i < readers; i++ {
		s.Readers = append(s.Readers, g.reader())
	}
	return s
}

var genLevels = [][2]string{
	{"USA", "CUI"}, {"USA", "CONFIDENTIAL"}, {"USA", "SECRET"}, {"USA", "TOP SECRET"}, {"USA", "UNCLASSIFIED"},
	{"JPN", "hi"}, {"JPN", "極秘"}, {"JPN", "gokuhi"}, {"JPN", "機密"}, {"JPN", "tokutei-himitsu"}, {"JPN", "重要経済安保情報"}, {"JPN", "toriatsukai-chui"},
	{"AUS", "PROTECTED"}, {"AUS", "SECRET"}, {"AUS", "OFFICIAL"}, {"AUS", "UNOFFICIAL"},
}

func (g *Gen) kizunaMarking() *MarkingSpec {
	m := &MarkingSpec{ID: "marking-definition--" + g.uuid(), Kind: KindKizuna}
	if g.r.Float64() < 0.7 {
		l := genLevels[g.r.IntN(len(genLevels))]
		m.Scheme, m.Level = l[0], l[1]
		if g.r.Float64() < 0.05 {
			m.Level, m.Invalid = "ULTRA", true
		}
		if g.r.Float64() < 0.15 {
			m.NoForn = true
		}
	}
	if g.r.Float64() < 0.5 {
		// STIX forbids empty lists: a marking names at least one nation.
		m.ReleasableTo = g.subset([]string{"USA", "JPN", "AUS", "KOR", "FVEY"}, 0.5)
		if len(m.ReleasableTo) == 0 {
			m.ReleasableTo = []string{g.pick([]string{"USA", "JPN", "AUS", "KOR"})}
		}
	}
	if g.r.Float64() < 0.3 {
		m.Communities = g.subset(Communities, 0.5)
		if len(m.Communities) == 0 {
			m.Communities = nil
		}
	}
	if g.r.Float64() < 0.2 {
		m.Audience = g.subset(Orgs, 0.5)
		if len(m.Audience) == 0 {
			m.Audience = []string{g.pick(Orgs)}
		}
	}
	return m
}

func (g *Gen) acsMarking() *MarkingSpec {
	m := &MarkingSpec{ID: "marking-definition--" + g.uuid(), Kind: KindACS, ACSClass: g.pick([]string{"U", "U", "C", "S", "TS"})}
	m.ACSNoForn = g.r.Float64() < 0.2
	m.ACSFOUO = g.r.Float64() < 0.2
	if g.r.Float64() < 0.3 {
		m.ACSNations = g.subset([]string{"USA", "JPN", "AUS"}, 0.6)
		if len(m.ACSNations) == 0 {
			m.ACSNations = []string{"USA"}
		}
	}
	if g.r.Float64() < 0.2 {
		m.ACSSensitivity = []string{"PII"}
	}
	m.Invalid = g.r.Float64() < 0.1 // carries an entity control the node cannot enforce
	return m
}

var markable = []string{"name", "description", "labels.[0]", "labels.[1]", "pattern", "valid_from"}

func (g *Gen) object(markings []string) *ObjectSpec {
	o := &ObjectSpec{ID: "indicator--" + g.uuid(), Modified: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Secrets: map[string]string{}}
	if g.r.Float64() < 0.8 {
		o.CreatedBy = g.pick(Orgs)
	}
	n := g.r.IntN(4)
	for i := 0; i < n; i++ {
		o.Markings = append(o.Markings, g.pick(markings))
	}
	for i := g.r.IntN(3); i > 0; i-- {
		o.Granular = append(o.Granular, GranularSpec{Selector: g.pick(markable), Marking: g.pick(markings)})
	}
	for _, sel := range markable {
		if sel != "valid_from" { // a timestamp cannot hold a unique text
			o.Secrets[sel] = fmt.Sprintf("s%d%s", g.seq, g.uuid()[:8])
		}
	}
	return o
}

func (g *Gen) reader() Reader {
	r := Reader{ID: "principal--" + g.uuid(), Org: g.pick(Orgs), Nation: g.pick(Nations)}
	if g.r.Float64() < 0.05 {
		r.Org = ""
	}
	for _, l := range genLevels {
		if g.r.Float64() < 0.12 {
			r.Clearances = append(r.Clearances, l)
		}
	}
	if g.r.Float64() < 0.05 {
		r.Clearances = append(r.Clearances, [2]string{"XXX", "SECRET"}) // grants nothing
	}
	r.Communities = g.subset(append(slices.Clone(Communities), "acs:sensitivity:PII"), 0.4)
	r.Revoked = g.r.Float64() < 0.03
	r.Absent = g.r.Float64() < 0.03
	return r
}

// Principal returns the principal a reader stands for, or nil when absent.
func (r Reader) Principal() *kizuna.Principal {
	if r.Absent {
		return nil
	}
	p := &kizuna.Principal{ID: r.ID, Name: r.ID, Organization: r.Org, Nation: r.Nation,
		Communities: slices.Clone(r.Communities), Roles: []string{kizuna.RoleReader}}
	for _, c := range r.Clearances {
		p.Clearances = append(p.Clearances, kizuna.Classification{Scheme: c[0], Level: c[1]})
	}
	if r.Revoked {
		t := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		p.RevokedAt = &t
	}
	return p
}

// StoredMarkings returns the marking-definition objects to store (every
// generated marking but the predefined TLP ones and the unknown ones).
func (s *Scenario) StoredMarkings() []*kizuna.Object {
	var out []*kizuna.Object
	for _, m := range s.Markings {
		if m.Kind == KindTLP || m.Kind == KindUnknown {
			continue
		}
		out = append(out, stixObject(m.ID, "marking-definition", "", nil, nil, markingJSON(m)))
	}
	return out
}

const extID = "extension-definition--a6ad3f01-dcdd-4bf5-8b2f-242de041664e"

func markingJSON(m *MarkingSpec) map[string]any {
	doc := map[string]any{"type": "marking-definition", "spec_version": "2.1", "id": m.ID, "created": "2026-01-01T00:00:00.000Z"}
	switch m.Kind {
	case KindStatement:
		doc["definition_type"] = "statement"
		doc["definition"] = map[string]any{"statement": "Copyright 2026 model"}
	case KindBogus:
		doc["extensions"] = map[string]any{"extension-definition--00000000-0000-4000-8000-000000000000": map[string]any{"extension_type": "property-extension", "unknown_property": 1}}
	case KindKizuna:
		ext := map[string]any{"extension_type": "property-extension"}
		if m.Scheme != "" {
			ext["scheme"], ext["level"] = m.Scheme, m.Level
		}
		if m.ReleasableTo != nil {
			ext["releasable_to"] = m.ReleasableTo
		}
		if m.NoForn {
			ext["noforn"] = true
		}
		if m.Communities != nil {
			ext["communities"] = m.Communities
		}
		if m.Audience != nil {
			ext["audience"] = m.Audience
		}
		doc["extensions"] = map[string]any{extID: ext}
	case KindACS:
		cs := map[string]any{"classification": m.ACSClass}
		var fd []string
		if m.ACSNoForn {
			fd = append(fd, "NF")
		}
		if m.ACSFOUO {
			fd = append(fd, "FOUO")
		}
		if fd != nil {
			cs["formal_determination"] = append(fd, "AIS")
		}
		if m.ACSNations != nil {
			cs["permitted_nationalities"] = m.ACSNations
		}
		if m.ACSSensitivity != nil {
			cs["sensitivity"] = m.ACSSensitivity
		}
		if m.Invalid {
			cs["entity"] = []string{"GOV"}
		}
		doc["extensions"] = map[string]any{"extension-definition--3a65884d-005a-4290-8335-cb2d778a83ce": map[string]any{
			"extension_type": "property-extension", "identifier": "isa:guide.19001.ACS3-" + m.ID[20:],
			"create_date_time": "2026-01-01T00:00:00Z", "responsible_entity_custodian": "USA.CISA",
			"policy_reference": "urn:isa:policy:acs:ns:v3.0?privdefault=permit&sharedefault=permit", "control_set": cs,
		}}
	}
	return doc
}

// Key identifies one version of an object.
func (o *ObjectSpec) Key() string { return o.ID + "@" + o.Modified.Format(time.RFC3339Nano) }

// Object returns the kizuna.Object of the spec, as stix.Parse would.
func (o *ObjectSpec) Object() *kizuna.Object {
	doc := map[string]any{
		"type": "indicator", "spec_version": "2.1", "id": o.ID,
		"created": "2026-01-01T00:00:00.000Z", "modified": o.Modified.Format("2006-01-02T15:04:05.000Z"),
		"name": o.Secrets["name"], "description": o.Secrets["description"],
		"labels":       []string{o.Secrets["labels.[0]"], o.Secrets["labels.[1]"]},
		"pattern":      "[domain-name:value = '" + o.Secrets["pattern"] + ".example']",
		"pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z",
	}
	if o.CreatedBy != "" {
		doc["created_by_ref"] = o.CreatedBy
	}
	var gms []kizuna.GranularMarking
	if len(o.Granular) > 0 {
		var list []map[string]any
		for _, g := range o.Granular {
			list = append(list, map[string]any{"marking_ref": g.Marking, "selectors": []string{g.Selector}})
			gms = append(gms, kizuna.GranularMarking{MarkingRef: g.Marking, Selectors: []string{g.Selector}})
		}
		doc["granular_markings"] = list
	}
	if len(o.Markings) > 0 {
		doc["object_marking_refs"] = o.Markings
	}
	obj := stixObject(o.ID, "indicator", o.CreatedBy, o.Markings, gms, doc)
	obj.Modified, obj.Version = o.Modified, o.Modified
	return obj
}

func stixObject(id, typ, createdBy string, refs []string, gms []kizuna.GranularMarking, doc map[string]any) *kizuna.Object {
	raw, _ := json.Marshal(doc) // maps of strings and string slices always marshal
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return &kizuna.Object{
		ID: id, Type: typ, SpecVersion: "2.1", Created: created, Version: created,
		CreatedByRef: createdBy, MarkingRefs: slices.Clone(refs), GranularMarkings: gms,
		Raw: raw, Hash: fmt.Sprintf("%x", len(raw)) + id,
	}
}
