package misp

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kizuna-dev/kizuna/internal/uuidv5"
	"github.com/kizuna-dev/kizuna/stix"
)

// namespace is the namespace of the ids the conversion derives from MISP
// UUIDs, so that importing an event again gives the same ids and the store
// takes the identical versions as no-ops.
var namespace = uuidv5.MustParse("9a7c4e21-58d3-5f0b-8e6a-3c1d2b4f6a80")

// Converter turns MISP events into STIX 2.1 objects under a mapping. It
// accumulates a Report over the events it converts.
type Converter struct {
	cfg    *Config
	Report *Report
}

// NewConverter returns a converter for a validated mapping.
func NewConverter(cfg *Config) *Converter {
	return &Converter{cfg: cfg, Report: NewReport()}
}

// conversion is the state of one event's conversion.
type conversion struct {
	c       *Converter
	ev      *Event
	where   string
	created time.Time
	marks   scope // the event's
	objs    []map[string]any
	ids     map[string]int // index in objs by id, to merge identical observables
	links   []string
}

// Convert converts one event: its attributes to indicators (to_ids) and
// observables, its objects to grouped indicators or observations, its
// galaxy clusters to attack patterns, threat actors, intrusion sets,
// malware, tools and courses of action, and the event to a report that
// references them all. Every object carries the markings of its
// distribution, sharing group and tags, and of the event's. Each object is
// validated as STIX 2.1 (and each pattern by the patterning grammar);
// whatever fails is reported, not returned. The error is for an event the
// conversion cannot read at all. source names the file, for the report.
func (c *Converter) Convert(source string, ev *Event) ([]json.RawMessage, error) {
	where := fmt.Sprintf("%s: Event %s", source, ev.UUID)
	if _, err := uuidv5.Parse(ev.UUID); err != nil {
		return nil, fmt.Errorf("%s: $.Event.uuid: %q is not a UUID", source, ev.UUID)
	}
	created, ok := eventDate(ev)
	if !ok {
		return nil, fmt.Errorf("%s: $.Event.date: %q is not a date, and the event has no timestamp", where, ev.Date)
	}
	c.Report.Events++
	cv := &conversion{c: c, ev: ev, where: where, created: created, ids: map[string]int{}}
	dist := ev.Distribution
	if dist == nil {
		zero := Number("0") // as MISP reads a feed event without one
		dist = &zero
	}
	cv.marks = c.scopeOf(scope{}, dist, ev.SharingGroup, ev.Tag, false)
	for i := range ev.Attribute {
		cv.attribute(fmt.Sprintf("%s: Attribute[%d]", where, i), &ev.Attribute[i], cv.marks)
	}
	for i := range ev.Object {
		cv.object(fmt.Sprintf("%s: Object[%d]", where, i), &ev.Object[i])
	}
	cv.galaxies()
	return cv.finish(), nil
}

// eventDate is the event's date at midnight UTC, the created time of every
// object the event gives (so that it stays the same in every version).
func eventDate(ev *Event) (time.Time, bool) {
	if t, err := time.Parse("2006-01-02", ev.Date); err == nil {
		return t, true
	}
	if n, ok := ev.Timestamp.Int(); ok && n > 0 {
		return time.Unix(n, 0).UTC(), true
	}
	return time.Time{}, false
}

// modifiedAt is an element's version: its timestamp, not before created.
func (cv *conversion) modifiedAt(ts Number) time.Time {
	t := cv.created
	if n, ok := ts.Int(); ok && time.Unix(n, 0).After(t) {
		t = time.Unix(n, 0).UTC()
	}
	return t
}

// id derives an object's id from the MISP UUIDs it comes from.
func (cv *conversion) id(typ string, parts ...string) string {
	norm := make([]string, len(parts))
	for i, p := range parts {
		norm[i] = p
		if _, err := uuidv5.Parse(p); err == nil {
			norm[i] = strings.ToLower(p) // MISP writes UUIDs in either case
		}
	}
	return typ + "--" + uuidv5.New(namespace, typ+":"+strings.Join(norm, ":"))
}

// sdo fills the common properties of a domain object.
func (cv *conversion) sdo(o map[string]any, id string, modified time.Time, marks scope, misp string) map[string]any {
	o["spec_version"] = "2.1"
	o["id"] = id
	o["created"] = stix.FormatTimestamp(cv.created)
	o["modified"] = stix.FormatTimestamp(modified)
	o["created_by_ref"] = cv.c.cfg.CreatedByRef
	o["object_marking_refs"] = marks.list()
	ref := map[string]any{"source_name": "misp", "external_id": misp}
	if refs, ok := o["external_references"].([]any); ok {
		o["external_references"] = append(refs, ref)
	} else {
		o["external_references"] = []any{ref}
	}
	return o
}

// emit adds an object, once: an observable two attributes name is written
// once. An id already written with other content keeps its first content.
func (cv *conversion) emit(o map[string]any) {
	id := o["id"].(string)
	if i, ok := cv.ids[id]; ok {
		a, _ := json.Marshal(cv.objs[i])
		b, _ := json.Marshal(o)
		if string(a) != string(b) {
			// Two elements with one UUID, or one observable under two
			// markings: one id may hold one content per version.
			cv.c.Report.problem(cv.where, "%s: a second, different object with this id is not written", id)
		}
		return
	}
	cv.ids[id] = len(cv.objs)
	cv.objs = append(cv.objs, o)
}

// labels are the tags that are neither markings nor galaxy clusters.
func (cv *conversion) labels(tags []Tag) []string {
	var out []string
	for _, t := range tags {
		n := strings.TrimSpace(t.Name)
		if n == "" || cv.c.isMarkingTag(n) || strings.HasPrefix(n, "misp-galaxy:") {
			continue
		}
		out = append(out, n)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// finish validates each object, builds the report over those that pass,
// and returns them in order, the report last.
func (cv *conversion) finish() []json.RawMessage {
	var out []json.RawMessage
	var refs []string
	for _, o := range cv.objs {
		raw, ok := cv.valid(o)
		if !ok {
			continue
		}
		out = append(out, raw)
		refs = append(refs, o["id"].(string))
	}
	if len(refs) == 0 {
		cv.c.Report.problem(cv.where, "nothing in the event maps, so no report is written")
		return out
	}
	name := cv.ev.Info
	if strings.TrimSpace(name) == "" {
		name = "MISP event " + cv.ev.UUID
	}
	published := cv.created
	if n, ok := cv.ev.PublishTimestamp.Int(); ok && n > 0 {
		published = time.Unix(n, 0).UTC()
	}
	ext := []any{}
	for _, l := range cv.links {
		ext = append(ext, map[string]any{"source_name": "misp-link", "url": l})
	}
	if cv.ev.Orgc.Name != "" || cv.ev.Orgc.UUID != "" {
		ext = append(ext, map[string]any{"source_name": "misp-creator", "description": "MISP event created by " +
			strings.TrimSpace(cv.ev.Orgc.Name+" "+cv.ev.Orgc.UUID)})
	}
	r := map[string]any{"type": "report", "name": name, "published": stix.FormatTimestamp(published),
		"report_types": []any{"threat-report"}, "object_refs": refs, "external_references": ext}
	if l := cv.labels(cv.ev.Tag); len(l) > 0 {
		r["labels"] = l
	}
	cv.sdo(r, cv.id("report", cv.ev.UUID), cv.modifiedAt(cv.ev.Timestamp), cv.marks, cv.ev.UUID)
	if raw, ok := cv.valid(r); ok {
		out = append(out, raw)
	}
	return out
}

// valid marshals and validates an object, reporting a failure.
func (cv *conversion) valid(o map[string]any) (json.RawMessage, bool) {
	raw, err := json.Marshal(o)
	if err == nil {
		_, err = stix.Parse(raw)
	}
	if err != nil {
		cv.c.Report.problem(cv.where, "%s: the STIX object built does not validate: %v", o["id"], err)
		return nil, false
	}
	cv.c.Report.Output[o["type"].(string)]++
	return raw, true
}
