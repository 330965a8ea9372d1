package node_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/node"
	"github.com/kizuna-dev/kizuna/policy/policytest"
)

// checkReader reads the scenario's collection as one reader through every
// read path and compares each answer with the model.
func (c *leakChecker) checkReader(lr *leakReader, ri int) {
	w := lr.want
	limit := 2 + ri%7 // small pages, so that every reader pages
	coll := "/taxii2/api/collections/" + c.coll + "/"
	latest := func(s *policytest.ObjectSpec) bool { return w.latest[s.ID] == s }
	visible := func(s *policytest.ObjectSpec) bool { return w.exp[s.Key()].Visible }
	first := func(s *policytest.ObjectSpec) bool { return w.first[s.ID] == s }

	objPages, ok1 := c.pages(lr, "objects", coll+"objects/?", limit, false)
	manPages, ok2 := c.pages(lr, "manifest", coll+"manifest/?", limit, true)
	c.compare(lr, "objects", c.sc.Objects, leakUnion(c, lr, "objects", objPages), latest)
	c.compare(lr, "manifest", c.sc.Objects, leakUnion(c, lr, "manifest", manPages), latest)
	if ok1 && ok2 {
		c.samePages(lr, objPages, manPages)
	}
	all, _ := c.pages(lr, "objects?match[version]=all", coll+"objects/?match%5Bversion%5D=all&", limit+5, false)
	c.compare(lr, "objects?match[version]=all", c.sc.Objects, leakUnion(c, lr, "objects?match[version]=all", all), visible)
	firsts, _ := c.pages(lr, "objects?match[version]=first", coll+"objects/?match%5Bversion%5D=first&", 1000, false)
	c.compare(lr, "objects?match[version]=first", c.sc.Objects, leakUnion(c, lr, "objects?match[version]=first", firsts), first)

	unknown := "indicator--" + kizuna.NewUUID()
	refByID := leakErrorShape(c.l.get(c.t, coll+"objects/"+unknown+"/", lr.name, lr.token), unknown)
	refVersions := leakErrorShape(c.l.get(c.t, coll+"objects/"+unknown+"/versions/", lr.name, lr.token), unknown)
	for i, id := range c.ids {
		if i%leakByIDEvery != ri%leakByIDEvery {
			continue // each reader asks for a share of the ids, every id is asked for
		}
		specs := c.specsOf(id)
		resp := c.l.get(c.t, coll+"objects/"+id+"/", lr.name, lr.token)
		got := c.objectsOf(lr, "object-by-id", resp, refByID, id)
		if len(got) > 1 {
			c.fail(lr, "object-by-id", fmt.Sprintf("%s: %d versions in the answer, want at most 1", id, len(got)))
		}
		c.compare(lr, "object-by-id", specs, got, latest)
		resp = c.l.get(c.t, coll+"objects/"+id+"/versions/", lr.name, lr.token)
		c.compare(lr, "versions", specs, c.versionsOf(lr, resp, refVersions, id), visible)
	}

	// The status of the scenario's POST is its poster's only: to a reader
	// it is as absent as a status that never existed.
	c.cases++
	fake := kizuna.NewUUID()
	ref := leakErrorShape(c.l.get(c.t, "/taxii2/api/status/"+fake+"/", lr.name, lr.token), fake)
	resp := c.l.get(c.t, "/taxii2/api/status/"+c.status+"/", lr.name, lr.token)
	if c.answered(lr, "status", resp, http.StatusNotFound) || !lr.hidden && leakErrorShape(resp, c.status) != ref {
		c.fail(lr, "status", fmt.Sprintf("status %s answered %d %s, unlike an unknown status (%s)", c.status, resp.code, resp.body, ref))
	}

	var out bytes.Buffer
	err := c.l.n.Export(context.Background(), &out, node.ExportOptions{Filter: kizuna.ObjectFilter{Collection: c.coll, Versions: kizuna.VersionMatch{All: true}}, Principal: lr.name})
	stdout := out.String()
	got := map[string]json.RawMessage{}
	switch {
	case lr.hidden && (err == nil || strings.Contains(stdout, "indicator--")):
		c.fail(lr, "export", fmt.Sprintf("export for a reader without valid credentials: error %v, output %.300s", err, stdout))
	case !lr.hidden && err != nil:
		c.fail(lr, "export", err.Error())
	case !lr.hidden:
		var bundle struct{ Objects []json.RawMessage }
		if err := json.Unmarshal([]byte(stdout), &bundle); err != nil {
			c.fail(lr, "export", "the bundle does not parse: "+err.Error())
		}
		c.scan(lr, "export", []byte(stdout), w.forbidden)
		got = c.keyed(lr, "export", c.withoutMeta(lr, bundle.Objects))
	}
	c.compare(lr, "export", c.sc.Objects, got, visible)
	c.checkFeedExport(lr) // leak_feed_test.go
}

// withoutMeta returns an export's objects without the meta objects it
// carries for them (marking-definitions, extension-definitions and
// identities the scenario does not hold in the collection), after checking
// that each one is needed by an object of the export, directly or through
// another meta object, and comes before the first object that needs it.
func (c *leakChecker) withoutMeta(lr *leakReader, objs []json.RawMessage) []json.RawMessage {
	scenario := map[string]bool{}
	for _, spec := range c.sc.Objects {
		scenario[spec.ID] = true
	}
	var rest []json.RawMessage
	meta := map[string]int{} // id -> position
	needed := map[string]bool{}
	for i, raw := range objs {
		var h struct{ ID, Type string }
		json.Unmarshal(raw, &h)
		if !scenario[h.ID] && (kizuna.IsMetaType(h.Type) || h.Type == "identity") {
			meta[h.ID] = i
			continue
		}
		rest = append(rest, raw)
		refs, err := kizuna.ParseMetaRefs(raw)
		if err != nil {
			c.fail(lr, "export", err.Error())
		}
		for _, id := range refs.All() {
			needed[id] = true
			if j, ok := meta[id]; ok && j > i {
				c.fail(lr, "export", fmt.Sprintf("%s comes after %s, which needs it", id, h.ID))
			}
		}
	}
	for changed := true; changed; {
		changed = false
		for id, i := range meta {
			if !needed[id] {
				continue
			}
			refs, _ := kizuna.ParseMetaRefs(objs[i])
			for _, ref := range refs.All() {
				if !needed[ref] {
					needed[ref], changed = true, true
				}
			}
		}
	}
	for id := range meta {
		if !needed[id] {
			c.fail(lr, "export", "carries "+id+", which no object of the export needs")
		}
	}
	return rest
}

// leakPage is one page of objects or of a manifest.
type leakPage struct {
	keys        []string
	raws        map[string]json.RawMessage // nil for a manifest
	added       []string                   // a manifest's date_added values
	first, last string                     // X-TAXII-Date-Added-First and -Last
}

// pages follows next from the first page of a listing to its end, checking
// more, next and the date headers of each page.
func (c *leakChecker) pages(lr *leakReader, path, prefix string, limit int, manifest bool) ([]leakPage, bool) {
	var out []leakPage
	next := ""
	for i := 0; ; i++ {
		u := prefix + "limit=" + fmt.Sprint(limit)
		if next != "" {
			u += "&next=" + url.QueryEscape(next)
		}
		resp := c.l.get(c.t, u, lr.name, lr.token)
		if !c.answered(lr, path, resp) {
			return nil, false
		}
		var env struct {
			More    bool              `json:"more"`
			Next    string            `json:"next"`
			Objects []json.RawMessage `json:"objects"`
		}
		if err := json.Unmarshal(resp.body, &env); err != nil {
			c.fail(lr, path, "the body does not parse: "+err.Error())
			return nil, false
		}
		c.scan(lr, path, resp.body, lr.want.forbidden)
		p := leakPage{first: resp.header.Get("X-TAXII-Date-Added-First"), last: resp.header.Get("X-TAXII-Date-Added-Last")}
		if manifest {
			for _, raw := range env.Objects {
				var rec struct {
					ID        string `json:"id"`
					Version   string `json:"version"`
					DateAdded string `json:"date_added"`
				}
				json.Unmarshal(raw, &rec)
				v, err := time.Parse(time.RFC3339Nano, rec.Version)
				if err != nil {
					c.fail(lr, path, fmt.Sprintf("manifest record %s: version %q: %v", raw, rec.Version, err))
				}
				p.keys = append(p.keys, leakKey(rec.ID, v))
				p.added = append(p.added, rec.DateAdded)
			}
		} else {
			p.raws = c.keyed(lr, path, env.Objects)
			for _, raw := range env.Objects {
				p.keys = append(p.keys, leakKeyOf(raw))
			}
		}
		switch n := len(p.keys); {
		case env.More && (env.Next == "" || n != limit):
			c.fail(lr, path, fmt.Sprintf("page %d: more with %d of limit %d versions and next %q", i, n, limit, env.Next))
		case !env.More && env.Next != "":
			c.fail(lr, path, fmt.Sprintf("page %d: next %q without more", i, env.Next))
		case n == 0 && (p.first != "" || p.last != ""):
			c.fail(lr, path, fmt.Sprintf("page %d: date headers %q, %q on an empty page", i, p.first, p.last))
		case n > 0 && (p.first == "" || p.last == ""):
			c.fail(lr, path, fmt.Sprintf("page %d: date headers missing", i))
		case manifest && n > 0 && (p.first != p.added[0] || p.last != p.added[n-1]):
			c.fail(lr, path, fmt.Sprintf("page %d: X-TAXII-Date-Added-First/Last %s, %s but the records run from %s to %s", i, p.first, p.last, p.added[0], p.added[n-1]))
		}
		out = append(out, p)
		if !env.More {
			return out, true
		}
		if i == 1000 {
			c.t.Fatalf("%s: more than 1000 pages", path)
		}
		next = env.Next
	}
}

// samePages checks that the objects and manifest listings page alike: the
// same versions on each page, with the same date headers; so the objects'
// headers are the first and last date_added of their page. date_added must
// grow strictly through the pages.
func (c *leakChecker) samePages(lr *leakReader, objs, man []leakPage) {
	if len(objs) != len(man) {
		c.fail(lr, "objects/manifest", fmt.Sprintf("%d pages of objects, %d of manifest", len(objs), len(man)))
		return
	}
	prev := ""
	for i := range objs {
		o, m := objs[i], man[i]
		if !slices.Equal(o.keys, m.keys) || o.first != m.first || o.last != m.last {
			c.fail(lr, "objects/manifest", fmt.Sprintf("page %d: objects %v (%s..%s), manifest %v (%s..%s)", i, o.keys, o.first, o.last, m.keys, m.first, m.last))
		}
		for _, a := range m.added {
			if a <= prev {
				c.fail(lr, "manifest", fmt.Sprintf("date_added %s after %s", a, prev))
			}
			prev = a
		}
	}
}

// leakUnion merges pages, reporting a version listed twice.
func leakUnion(c *leakChecker, lr *leakReader, path string, pages []leakPage) map[string]json.RawMessage {
	out := map[string]json.RawMessage{}
	for _, p := range pages {
		for _, k := range p.keys {
			if _, dup := out[k]; dup {
				c.fail(lr, path, k+" listed twice")
			}
			out[k] = p.raws[k]
		}
	}
	return out
}

// objectsOf reads the answer to a request for one object: the envelope's
// versions, or none for a 404 that must look exactly like the 404 for an
// unknown id.
func (c *leakChecker) objectsOf(lr *leakReader, path string, resp leakResponse, ref, id string) map[string]json.RawMessage {
	if !c.answered(lr, path, resp, http.StatusNotFound) {
		if !lr.hidden && (resp.code != http.StatusNotFound || leakErrorShape(resp, id) != ref) {
			c.fail(lr, path, fmt.Sprintf("%s: %d %s, unlike an unknown id (%s)", id, resp.code, resp.body, ref))
		}
		return map[string]json.RawMessage{}
	}
	var env struct{ Objects []json.RawMessage }
	if err := json.Unmarshal(resp.body, &env); err != nil {
		c.fail(lr, path, "the body does not parse: "+err.Error())
	}
	c.scan(lr, path, resp.body, lr.want.byID[id])
	return c.keyed(lr, path, env.Objects)
}

// versionsOf reads a versions resource, or none for a 404 like the one for
// an unknown id.
func (c *leakChecker) versionsOf(lr *leakReader, resp leakResponse, ref, id string) map[string]json.RawMessage {
	out := map[string]json.RawMessage{}
	if !c.answered(lr, "versions", resp, http.StatusNotFound) {
		if !lr.hidden && (resp.code != http.StatusNotFound || leakErrorShape(resp, id) != ref) {
			c.fail(lr, "versions", fmt.Sprintf("%s: %d %s, unlike an unknown id (%s)", id, resp.code, resp.body, ref))
		}
		return out
	}
	var doc struct{ Versions []string }
	if err := json.Unmarshal(resp.body, &doc); err != nil {
		c.fail(lr, "versions", "the body does not parse: "+err.Error())
	}
	for _, v := range doc.Versions {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			c.fail(lr, "versions", fmt.Sprintf("%s: version %q: %v", id, v, err))
		}
		out[leakKey(id, t)] = nil
	}
	return out
}
