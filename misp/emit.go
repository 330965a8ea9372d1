package misp

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/kizuna-dev/kizuna/pattern"
	"github.com/kizuna-dev/kizuna/stix"
)

// attribute converts one attribute under base markings: at the event level,
// or of an object converted attribute by attribute.
func (cv *conversion) attribute(where string, a *Attribute, base scope) {
	r := cv.c.Report
	r.Attributes++
	s := cv.c.scopeOf(base, a.Distribution, a.SharingGroup, a.Tag, true)
	if s.refused != "" {
		r.Refused++
		r.notMapped(where, a, s.refused)
		return
	}
	m, why := mapAttribute(a)
	if why != "" {
		r.notMapped(where, a, why)
		return
	}
	if a.Deleted && (m.link != "" || !a.ToIDS && m.pattern == "" && m.sdo == nil) {
		r.notMapped(where, a, "deleted in MISP")
		return
	}
	mod := cv.modifiedAt(a.Timestamp)
	switch {
	case m.link != "":
		cv.links = append(cv.links, m.link)
	case m.sdo != nil:
		if a.Deleted {
			m.sdo["revoked"] = true
		}
		m.sdo["labels"] = cv.labels(a.Tag)
		if len(m.sdo["labels"].([]string)) == 0 {
			delete(m.sdo, "labels")
		}
		cv.emit(cv.sdo(m.sdo, cv.id(m.sdo["type"].(string), a.UUID), mod, s, a.UUID))
	case m.pattern != "" || bool(a.ToIDS):
		p, ptype := m.pattern, m.patternType
		if p == "" {
			p, ptype = observation(m.cmps), "stix"
		}
		if why := cv.indicator(a.UUID, a.Type+": "+a.Value, a.Comment, p, ptype, mod, s, cv.labels(a.Tag), a.FirstSeen, bool(a.Deleted)); why != "" {
			r.notMapped(where, a, why)
			return
		}
	default:
		if len(m.scos) == 0 {
			r.notMapped(where, a, "no observable for an attribute that is not for detection (to_ids false)")
			return
		}
		cv.observation(a.UUID, m.scos, a.FirstSeen, a.LastSeen, mod, s)
	}
	if s.restricted {
		r.Restricted++
	}
	r.Mapped[a.Type]++
	for gi := range a.Galaxy {
		for ci := range a.Galaxy[gi].GalaxyCluster {
			cv.cluster(fmt.Sprintf("%s: Galaxy[%d].GalaxyCluster[%d]", where, gi, ci), a.Galaxy[gi].Type, &a.Galaxy[gi].GalaxyCluster[ci], s)
		}
	}
}

// indicator emits an indicator, or says why its pattern is not valid.
func (cv *conversion) indicator(uuid, name, desc, p, ptype string, mod time.Time, s scope, labels []string, firstSeen string, revoked bool) string {
	if ptype == "stix" {
		if _, err := pattern.Validate(p, pattern.V21); err != nil {
			return fmt.Sprintf("the pattern %s does not validate: %v", p, err)
		}
	}
	if len(name) > 250 {
		name = name[:250]
	}
	o := map[string]any{"type": "indicator", "name": name, "pattern": p, "pattern_type": ptype,
		"indicator_types": []any{"malicious-activity"}, "valid_from": stix.FormatTimestamp(seenOr(firstSeen, cv.created))}
	if ptype == "stix" {
		o["pattern_version"] = "2.1"
	}
	if desc != "" {
		o["description"] = desc
	}
	if len(labels) > 0 {
		o["labels"] = labels
	}
	if revoked {
		o["revoked"] = true
	}
	cv.emit(cv.sdo(o, cv.id("indicator", uuid), mod, s, uuid))
	return ""
}

// observation emits the observables and an observed-data referencing them.
func (cv *conversion) observation(uuid string, scos []sco, firstSeen, lastSeen string, mod time.Time, s scope) {
	ids := make([]string, len(scos))
	var build func(i int) string
	build = func(i int) string {
		if ids[i] != "" {
			return ids[i]
		}
		o := map[string]any{"type": scos[i].typ, "spec_version": "2.1"}
		for k, v := range scos[i].props {
			o[k] = v
		}
		for k, refs := range scos[i].refs {
			if len(refs) == 1 && strings.HasSuffix(k, "_ref") {
				o[k] = build(refs[0])
				continue
			}
			var list []any
			for _, j := range refs {
				list = append(list, build(j))
			}
			o[k] = list
		}
		raw, _ := json.Marshal(o)
		id, err := stix.SCOID(raw)
		if err != nil {
			id = cv.id(scos[i].typ, uuid, fmt.Sprint(i))
		}
		o["id"] = id
		o["object_marking_refs"] = s.list()
		ids[i] = id
		cv.emit(o)
		return id
	}
	for i := range scos {
		build(i)
	}
	first := seenOr(firstSeen, mod)
	last := seenOr(lastSeen, first)
	if last.Before(first) {
		last = first
	}
	refs := make([]any, len(ids))
	for i, id := range ids {
		refs[i] = id
	}
	o := map[string]any{"type": "observed-data", "first_observed": stix.FormatTimestamp(first),
		"last_observed": stix.FormatTimestamp(last), "number_observed": 1, "object_refs": refs}
	cv.emit(cv.sdo(o, cv.id("observed-data", uuid), mod, s, uuid))
}

// seenOr reads a MISP first_seen or last_seen (RFC 3339 with an offset),
// else returns def.
func seenOr(s string, def time.Time) time.Time {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC()
	}
	return def
}

// object converts a MISP object: grouped into one indicator (when any of
// its attributes is for detection) or one observation, for the templates
// the table knows; attribute by attribute otherwise.
func (cv *conversion) object(where string, o *Object) {
	r := cv.c.Report
	base := cv.c.scopeOf(cv.marks, o.Distribution, o.SharingGroup, nil, true)
	rel, known := templates[o.Name]
	var pat string
	var parts []objectPart
	why := "the template " + o.Name + " is not one the conversion groups"
	if known {
		pat, parts, why = groupObject(o, rel)
	}
	if why != "" {
		r.OneByOne[o.Name]++
		for i := range o.Attribute {
			a := &o.Attribute[i]
			aw := fmt.Sprintf("%s: Attribute[%d]", where, i)
			// The hash of a section (pe-section, elf-section) is not the
			// hash of a file.
			section := strings.Contains(o.Name, "section") && hashNames[a.Type] != ""
			if isStandalone(a.Type) && !section {
				cv.attribute(aw, a, base)
				continue
			}
			r.Attributes++
			r.notMapped(aw, a, "the "+o.Name+" object's relation "+a.ObjectRelation+" does not identify anything on its own")
		}
		return
	}
	s := base
	mod := cv.modifiedAt(o.Timestamp)
	toIDS := false
	for i := range o.Attribute {
		a := &o.Attribute[i]
		s = s.union(cv.c.scopeOf(base, a.Distribution, a.SharingGroup, a.Tag, true))
		toIDS = toIDS || bool(a.ToIDS)
		if m := cv.modifiedAt(a.Timestamp); m.After(mod) {
			mod = m
		}
	}
	r.Attributes += len(parts)
	fail := func(reason string) {
		for i, p := range parts {
			r.notMapped(fmt.Sprintf("%s: Attribute[%d]", where, i), p.attr, reason)
		}
	}
	if s.refused != "" {
		r.Refused += len(parts)
		fail(s.refused)
		return
	}
	if bool(o.Deleted) && !toIDS {
		fail("deleted in MISP")
		return
	}
	var scos []sco
	if toIDS {
		if why := cv.indicator(o.UUID, o.Name+" object", o.Comment, pat, "stix", mod, s, nil, "", bool(o.Deleted)); why != "" {
			fail(why)
			return
		}
	}
	for i, p := range parts {
		aw := fmt.Sprintf("%s: Attribute[%d]", where, i)
		if p.skipped != "" {
			r.notMapped(aw, p.attr, p.skipped)
			continue
		}
		if !toIDS {
			m, _ := mapAttribute(p.attr)
			if m == nil || len(m.scos) == 0 {
				r.notMapped(aw, p.attr, "no observable for this relation in an observation")
				continue
			}
			base := len(scos) // the refs of m.scos count from its start
			for _, x := range m.scos {
				x.refs = shift(x.refs, base)
				scos = append(scos, x)
			}
		}
		r.Mapped[p.attr.Type]++
		if s.restricted {
			r.Restricted++
		}
	}
	if !toIDS && len(scos) > 0 {
		cv.observation(o.UUID, scos, "", "", mod, s)
	}
	r.Grouped[o.Name]++
}

// shift moves the indexes of refs by n, for observables appended to a
// longer list.
func shift(refs map[string][]int, n int) map[string][]int {
	if len(refs) == 0 {
		return refs
	}
	out := make(map[string][]int, len(refs))
	for k, v := range refs {
		for _, i := range v {
			out[k] = append(out[k], i+n)
		}
	}
	return out
}

// galaxies converts the event's galaxy clusters, and the galaxy tags that
// name a cluster the event does not carry (MISP feeds often keep the tags
// only).
func (cv *conversion) galaxies() {
	seen := map[string]bool{}
	for gi := range cv.ev.Galaxy {
		g := &cv.ev.Galaxy[gi]
		for ci := range g.GalaxyCluster {
			c := &g.GalaxyCluster[ci]
			seen[c.TagName] = true
			cv.cluster(fmt.Sprintf("%s: Galaxy[%d].GalaxyCluster[%d]", cv.where, gi, ci), g.Type, c, cv.marks)
		}
	}
	if cv.marks.refused != "" {
		return
	}
	for i, t := range cv.ev.Tag {
		typ, value, ok := galaxyTag(t.Name)
		if !ok || seen[t.Name] {
			continue
		}
		seen[t.Name] = true
		cv.cluster(fmt.Sprintf("%s: Tag[%d]", cv.where, i), typ, &Cluster{Value: value, TagName: t.Name}, cv.marks)
	}
}

// cluster emits the domain object of one galaxy cluster.
func (cv *conversion) cluster(where, galaxyType string, c *Cluster, s scope) {
	r := cv.c.Report
	if s.refused != "" {
		r.GalaxyNotMapped[galaxyType]++
		r.problem(where, "cluster %q: %s", c.Value, s.refused)
		return
	}
	typ := sdoType(galaxyType)
	if typ == "" || c.Value == "" {
		r.GalaxyNotMapped[galaxyType]++
		r.problem(where, "cluster %q: the galaxy %s has no STIX equivalent", c.Value, galaxyType)
		return
	}
	key := c.UUID
	if key == "" {
		key = c.TagName
	}
	cv.emit(cv.sdo(clusterSDO(typ, c), cv.id(typ, cv.ev.UUID, key), cv.modifiedAt(cv.ev.Timestamp), s, key))
	r.GalaxyMapped[galaxyType]++
}
