package feed

import (
	"bufio"
	"encoding/json"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/internal/uuidv5"
)

// mispNamespace is the namespace of the UUIDs a MISP export derives, so
// that an attribute keeps its UUID from one export to the next and a MISP
// instance updates it rather than adding a copy.
var mispNamespace = uuidv5.MustParse("4d0e5f8e-3b7a-5c1e-9f2d-6a8b0c4e1d73")

// MISPOptions set up a MISP event export.
type MISPOptions struct {
	Options
	// Info is the event's title ("kizuna export" when empty).
	Info string
	// EventUUID is the event's UUID; when empty it is derived from Info, so
	// that each export of one feed updates one event.
	EventUUID string
	// OrgName and OrgUUID name the exporting organisation (Orgc).
	OrgName, OrgUUID string
	// Distribution is the event's MISP distribution: 0 (your organisation
	// only, the default), 1 (this community), 2 (connected communities) or
	// 3 (all communities). Sharing groups are instance-specific and cannot
	// be named by an export.
	Distribution int
	// Tags states in MISP tags a marking that TLP alone does not express
	// (classification, releasability, communities, an audience beyond the
	// TLP's). It returns false for a label it cannot state; objects so
	// marked are left out and reported. When nil, only TLP is expressed.
	Tags func(*kizuna.AccessLabel) ([]string, bool)
}

type mispTag struct {
	Name string `json:"name"`
}

type mispAttribute struct {
	UUID         string    `json:"uuid"`
	Type         string    `json:"type"`
	Category     string    `json:"category"`
	Value        string    `json:"value"`
	ToIDS        bool      `json:"to_ids"`
	Distribution string    `json:"distribution"`
	Timestamp    string    `json:"timestamp"`
	Comment      string    `json:"comment"`
	Deleted      bool      `json:"deleted"`
	Tag          []mispTag `json:"Tag"`
}

// tlpOrder ranks the TLP tags from the least restrictive.
var tlpOrder = []string{"tlp:clear", "tlp:green", "tlp:amber", "tlp:amber+strict", "tlp:red"}

// WriteMISP writes one MISP event (the JSON MISP's "import from MISP
// format" and its feeds read) whose attributes are the values of the
// indicators (to_ids true) and, of the observables (to_ids false). An
// indicator whose pattern does not translate becomes one stix2-pattern
// attribute. Each attribute carries its object's marking as tags (tlp:...,
// and those of opt.Tags); the event carries the most restrictive TLP of
// its attributes and every other marking tag. An object whose marking the
// tags cannot state is left out and reported, never exported unmarked.
func WriteMISP(w io.Writer, objs Objects, opt MISPOptions) (*Report, error) {
	if opt.Distribution < 0 || opt.Distribution > 3 {
		return nil, kizuna.Errorf(kizuna.EINVALID, "MISP distribution %d: want 0, 1, 2 or 3", opt.Distribution)
	}
	if opt.Info == "" {
		opt.Info = "kizuna export"
	}
	if opt.EventUUID == "" {
		opt.EventUUID = uuidv5.New(mispNamespace, "event\x00"+opt.Info)
	} else if _, err := uuidv5.Parse(opt.EventUUID); err != nil {
		return nil, kizuna.Errorf(kizuna.EINVALID, "MISP event UUID %q: %v", opt.EventUUID, err)
	}
	if opt.OrgName == "" {
		opt.OrgName = "kizuna"
	}
	if opt.OrgUUID == "" {
		opt.OrgUUID = uuidv5.New(mispNamespace, "org\x00"+opt.OrgName)
	} else if _, err := uuidv5.Parse(opt.OrgUUID); err != nil {
		return nil, kizuna.Errorf(kizuna.EINVALID, "MISP organisation UUID %q: %v", opt.OrgUUID, err)
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	head, _ := json.Marshal(map[string]any{"uuid": opt.EventUUID, "info": opt.Info,
		"Orgc": map[string]string{"name": opt.OrgName, "uuid": opt.OrgUUID}})
	bw.WriteString(`{"Event":`)
	bw.Write(head[:len(head)-1])
	bw.WriteString(`,"threat_level_id":"4","analysis":"2","distribution":"` + strconv.Itoa(opt.Distribution) +
		`","sharing_group_id":"0","published":false,"Attribute":[`)
	r := newReport(opt.Options)
	eventTLP := -1
	other := map[string]bool{}
	var latest int64
	first := true
	tagCache := map[string][]mispTag{} // by banner, which renders the whole label
	err := walk(objs, opt.Options, r, true, func(e *entry) error {
		tags, ok := tagCache[e.mark.banner]
		if !ok {
			names, why := mispTags(e.mark, opt.Tags)
			if why != "" {
				r.skip(e.obj, why)
				return nil
			}
			for _, n := range names {
				tags = append(tags, mispTag{Name: n})
			}
			tagCache[e.mark.banner] = tags
		}
		attrs := mispAttributes(e)
		if len(attrs) == 0 {
			r.skip(e.obj, "no value a MISP attribute carries")
			return nil
		}
		r.exported(e.mark)
		if len(e.dropped) > 0 {
			r.partial(e.obj, "dropped: "+strings.Join(e.dropped, "; "))
		}
		for _, t := range tags {
			if i := slices.Index(tlpOrder, t.Name); i >= 0 {
				eventTLP = max(eventTLP, i)
			} else {
				other[t.Name] = true
			}
		}
		latest = max(latest, e.obj.Version.Unix())
		for _, a := range attrs {
			a.Tag = tags
			a.Timestamp = strconv.FormatInt(max(e.obj.Version.Unix(), 0), 10)
			a.Distribution = "5"
			b, err := json.Marshal(a)
			if err != nil {
				return err
			}
			if !first {
				bw.WriteByte(',')
			}
			first = false
			bw.WriteString("\n")
			bw.Write(b)
			r.Entries++
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var eventTags []mispTag
	if eventTLP >= 0 {
		eventTags = append(eventTags, mispTag{Name: tlpOrder[eventTLP]})
	}
	names := make([]string, 0, len(other))
	for n := range other {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		eventTags = append(eventTags, mispTag{Name: n})
	}
	tail, _ := json.Marshal(map[string]any{"Tag": append([]mispTag{}, eventTags...),
		"date": dateOf(latest), "timestamp": strconv.FormatInt(latest, 10), "publish_timestamp": "0",
		"attribute_count": strconv.Itoa(r.Entries)})
	bw.WriteString("\n],")
	bw.Write(tail[1:])
	bw.WriteString("}\n")
	return r, bw.Flush()
}

// mispTags states a marking as MISP tags, or says why it cannot.
func mispTags(m marking, extra func(*kizuna.AccessLabel) ([]string, bool)) ([]string, string) {
	l := m.label
	tlp := "tlp:clear"
	if l.TLP != "" {
		tlp = "tlp:" + l.TLP
	}
	beyond := len(l.Classifications) > 0 || l.Releasable || len(l.Communities) > 0 ||
		l.AudienceLimited && l.TLP != kizuna.TLPAmber && l.TLP != kizuna.TLPAmberStrict && l.TLP != kizuna.TLPRed
	if !beyond {
		return []string{tlp}, ""
	}
	if extra != nil {
		if tags, ok := extra(l); ok && len(tags) > 0 {
			return append([]string{tlp}, tags...), ""
		}
	}
	return nil, "the marking " + m.banner + " has no MISP tag (TLP states only part of it), so the object is not exported"
}

// mispAttributes maps an entry's values to attributes.
func mispAttributes(e *entry) []mispAttribute {
	comment := e.obj.ID
	if e.ind != nil && e.ind.Name != "" {
		comment = e.ind.Name + " (" + e.obj.ID + ")"
	}
	if e.why != "" {
		return []mispAttribute{{UUID: uuidv5.New(mispNamespace, e.obj.ID+"\x00pattern"), Type: "stix2-pattern",
			Category: "Network activity", Value: e.ind.Pattern, ToIDS: true, Comment: comment}}
	}
	var out []mispAttribute
	for _, o := range e.obs {
		typ, cat, val := mispType(o)
		if typ == "" {
			continue
		}
		out = append(out, mispAttribute{UUID: uuidv5.New(mispNamespace, e.obj.ID+"\x00"+o.component()),
			Type: typ, Category: cat, Value: val, ToIDS: e.ind != nil, Comment: comment})
	}
	return out
}

// mispType names the MISP attribute type and category of an observable.
func mispType(o Observable) (typ, category, value string) {
	switch o.Kind {
	case KindIPv4, KindIPv6, KindNet4, KindNet6:
		typ = "ip-dst"
		if o.Dir == DirSrc {
			typ = "ip-src"
		}
		if o.Port != 0 {
			return typ + "|port", "Network activity", o.Value + "|" + strconv.Itoa(o.Port)
		}
		return typ, "Network activity", o.Value
	case KindDomain:
		return "domain", "Network activity", o.Value
	case KindURL:
		return "url", "Network activity", o.Value
	case KindEmail:
		return "email", "Payload delivery", o.Value
	case KindMD5, KindSHA1, KindSHA256, KindSHA512:
		return o.Kind.String(), "Payload delivery", o.Value
	case KindX509SHA1:
		return "x509-fingerprint-sha1", "Network activity", o.Value
	}
	return "", "", ""
}

// dateOf is the event date of the latest version (Unix seconds).
func dateOf(unix int64) string {
	if unix <= 0 {
		return "1970-01-01"
	}
	return time.Unix(unix, 0).UTC().Format("2006-01-02")
}
