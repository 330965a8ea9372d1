package misp

import (
	"maps"
	"slices"
	"strings"
)

// scope is the set of markings an element of an event carries: those of
// the event, and of its own distribution, sharing group and tags. Every
// marking restricts (kizuna requires all of an object's markings to hold),
// so adding one never widens.
type scope struct {
	ids map[string]bool
	// refused says why the element cannot be imported: a distribution,
	// sharing group or restricting tag with no marking, and no fallback.
	refused string
	// restricted is set when the fallback markings stand in for one.
	restricted bool
}

func (s scope) list() []string {
	out := make([]string, 0, len(s.ids))
	for id := range s.ids {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

func (s scope) add(ids ...string) scope {
	n := scope{ids: maps.Clone(s.ids), refused: s.refused, restricted: s.restricted}
	if n.ids == nil {
		n.ids = map[string]bool{}
	}
	for _, id := range ids {
		n.ids[id] = true
	}
	return n
}

// union combines the scopes of the parts of a grouped object.
func (s scope) union(o scope) scope {
	n := s.add(o.list()...)
	if n.refused == "" {
		n.refused = o.refused
	}
	n.restricted = n.restricted || o.restricted
	return n
}

var distributionNames = map[string]string{"0": "your organisation only", "1": "this community only",
	"2": "connected communities", "3": "all communities", "4": "sharing group"}

// scopeOf adds to base the markings of a distribution, a sharing group and
// tags. inherit says the element may inherit (distribution 5 or none).
func (c *Converter) scopeOf(base scope, dist *Number, sg *SharingGroup, tags []Tag, inherit bool) scope {
	s := base.add()
	refuse := func(reason string) {
		if s.refused != "" {
			return
		}
		if c.cfg.Fallback != nil {
			s = s.add(c.cfg.Fallback...)
			s.restricted = true
			return
		}
		s.refused = reason
	}
	v := ""
	if dist != nil {
		v = strings.TrimSpace(string(*dist))
	}
	switch v {
	case "":
		if !inherit {
			refuse("the event has no distribution")
		}
	case "5":
		if !inherit {
			refuse("distribution 5 (inherit the event's) on an event")
		}
	case "0", "1", "2", "3":
		if ids, ok := c.cfg.Distribution[v]; ok {
			s = s.add(ids...)
		} else {
			refuse("distribution " + v + " (" + distributionNames[v] + ") has no marking in the mapping")
		}
	case "4":
		switch {
		case sg == nil || sg.UUID == "":
			refuse("distribution 4 (sharing group) without the sharing group's UUID")
		case c.cfg.SharingGroups[strings.ToLower(sg.UUID)] != nil:
			s = s.add(c.cfg.SharingGroups[strings.ToLower(sg.UUID)]...)
		default:
			refuse("the sharing group " + sg.UUID + " (" + sg.Name + ") has no marking in the mapping")
		}
	default:
		refuse("distribution " + v + " is not a MISP distribution level")
	}
	for _, t := range tags {
		n := strings.ToLower(strings.TrimSpace(t.Name))
		if ids, ok := c.cfg.Tags[n]; ok {
			s = s.add(ids...)
		} else if id, ok := tlpTags[n]; ok {
			s = s.add(id)
		} else if c.restricting(n) {
			refuse("the tag " + t.Name + " restricts sharing and has no marking in the mapping")
		}
	}
	return s
}

func (c *Converter) restricting(lowerTag string) bool {
	for _, p := range c.cfg.RestrictingTagPrefixes {
		if strings.HasPrefix(lowerTag, p) {
			return true
		}
	}
	return false
}

// isMarkingTag reports whether a tag becomes a marking (or refuses).
func (c *Converter) isMarkingTag(name string) bool {
	n := strings.ToLower(name)
	_, mapped := c.cfg.Tags[n]
	_, tlp := tlpTags[n]
	return mapped || tlp || c.restricting(n)
}
