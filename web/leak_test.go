package web_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/ingest"
	"github.com/kizuna-dev/kizuna/node"
	"github.com/kizuna-dev/kizuna/node/nodetest"
	"github.com/kizuna-dev/kizuna/policy/policytest"
	"github.com/kizuna-dev/kizuna/web"
)

var (
	leakRounds = flag.Int("leak.web.rounds", 2, "scenarios TestLeakWorkspace checks")
	leakSeed   = flag.Uint64("leak.web.seed", 20261207, "seed of TestLeakWorkspace's scenarios")
)

// tlpClear is TLP 2.0's CLEAR marking: the relationships and sightings the
// leak test adds between the model's objects are readable by everyone, so
// that only their other ends decide what a page may show.
const tlpClear = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"

// TestLeakWorkspace is the leak test over the workspace's HTML. Random
// scenarios of policytest (markings of every kind, portion markings,
// several versions of an object) are stored on a node serving the
// workspace, with relationships and sightings (TLP:CLEAR) between their
// objects. Each reader of the model signs in and reads every page: the
// search over the scenario's collection (every page of it, and searches
// by text and by marking), the detail page of every object id of the
// scenario (whether the reader may read it or not) and of every version,
// relationship and sighting those pages link to. Every page is checked
// against the reference model of policytest: no id of an object the reader
// may not read, no text of a version it may not read or of a portion
// withheld from it, no community or TLP in a banner or portion marking
// that only content hidden from it carries; and every object it may read
// is listed, with the portions withheld from it named.
func TestLeakWorkspace(t *testing.T) {
	s := nodetest.Serve(t, nodetest.Options{}, node.ServeConfig{Mounts: []node.Mount{web.Mount(web.Options{})}})
	w := &workspace{Served: s, tokens: map[string]string{}}
	gen := policytest.NewGen(*leakSeed)
	pages := 0
	for round := 0; round < *leakRounds; round++ {
		sc := gen.Scenario(40, 10)
		links := storeScenario(t, w, sc)
		for _, r := range sc.Readers {
			if r.Absent || r.Revoked {
				continue // their tokens open nothing (TestRevokedPrincipalSessionEnds)
			}
			pages += checkReader(t, w, sc, r, links)
		}
	}
	t.Logf("%d pages checked", pages)
}

// scenarioLinks are the relationships and sightings stored between the
// scenario's objects: relationship or sighting id → the object ids it
// names.
type scenarioLinks map[string][]string

// storeScenario stores the scenario's markings and objects as the
// operator, and links its objects.
func storeScenario(t *testing.T, w *workspace, sc *policytest.Scenario) scenarioLinks {
	t.Helper()
	ctx := ingest.AsOperator(context.Background())
	if err := w.Store.CreateCollection(context.Background(), sc.Collection); err != nil {
		t.Fatal(err)
	}
	var markings []json.RawMessage
	for _, md := range sc.StoredMarkings() {
		markings = append(markings, md.Raw)
	}
	if _, err := w.Ingest.Ingest(ctx, node.DirectoryAlias, markings); err != nil {
		t.Fatal(err)
	}
	var objects []json.RawMessage
	var ids []string
	for _, spec := range sc.Objects {
		objects = append(objects, spec.Object().Raw)
		if !slices.Contains(ids, spec.ID) {
			ids = append(ids, spec.ID)
		}
	}
	links := scenarioLinks{}
	for i := 0; i+1 < len(ids); i += 2 {
		rel := "relationship--" + kizuna.NewUUID()
		links[rel] = []string{ids[i], ids[i+1]}
		objects = append(objects, mustJSON(map[string]any{
			"type": "relationship", "spec_version": "2.1", "id": rel, "created": "2026-02-01T00:00:00.000Z", "modified": "2026-02-01T00:00:00.000Z",
			"relationship_type": "related-to", "source_ref": ids[i], "target_ref": ids[i+1], "object_marking_refs": []string{tlpClear},
		}))
		sig := "sighting--" + kizuna.NewUUID()
		links[sig] = []string{ids[i]}
		objects = append(objects, mustJSON(map[string]any{
			"type": "sighting", "spec_version": "2.1", "id": sig, "created": "2026-02-01T00:00:00.000Z", "modified": "2026-02-01T00:00:00.000Z",
			"sighting_of_ref": ids[i], "count": 3, "object_marking_refs": []string{tlpClear},
		}))
	}
	results, err := w.Ingest.Ingest(ctx, sc.Collection.ID, objects)
	if err != nil {
		t.Fatal(err)
	}
	for i, res := range results {
		if i < len(sc.Objects) {
			if rejected := sc.Expect(policytest.Reader{}, sc.Objects[i]).Rejected; (res.Err != nil) != rejected {
				t.Fatalf("object %s: stored %t, the model says rejected %t (%v)", res.ID, res.Err == nil, rejected, res.Err)
			}
		} else if res.Err != nil {
			t.Fatalf("link %s: %v", res.ID, res.Err)
		}
	}
	return links
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

var (
	rowIDPattern   = regexp.MustCompile(`<tr data-id="([^"]+)"`)
	hrefPattern    = regexp.MustCompile(`href="(/objects/[^"]+)"`)
	nextPattern    = regexp.MustCompile(`<a href="([^"]+)" id="next">`)
	markingPattern = regexp.MustCompile(`<span class="pm [a-z-]+"[^>]*>\(([^<]*)\)</span>|id="banner-(?:top|bottom)"[^>]*>([^<]*)</div>`)
	withheldBlock  = regexp.MustCompile(`(?s)<section id="withheld">(.*?)</section>`)
	codePattern    = regexp.MustCompile(`<code>([^<]*)</code>`)
)

// readerModel is what the model lets one reader read.
type readerModel struct {
	latest    map[string]*policytest.ObjectSpec // visible ids: their latest visible version
	redacted  map[string][]string               // by version key: the selectors withheld
	forbidden []string                          // texts no page may show the reader
	// fragments are marking fragments (a community, a TLP) that only
	// content hidden from the reader carries.
	fragments []string
}

func model(sc *policytest.Scenario, r policytest.Reader, links scenarioLinks) readerModel {
	m := readerModel{latest: sc.Latest(r), redacted: map[string][]string{}}
	markingOf := map[string]*policytest.MarkingSpec{}
	for _, ms := range sc.Markings {
		markingOf[ms.ID] = ms
	}
	seenCommunity, seenTLP := map[string]bool{"": true}, map[string]bool{"": true, "clear": true} // the links are TLP:CLEAR
	hiddenCommunity, hiddenTLP := map[string]bool{}, map[string]bool{}
	note := func(ids []string, visible bool) {
		for _, id := range ids {
			ms := markingOf[id]
			if ms == nil {
				continue
			}
			for _, c := range ms.Communities {
				if visible {
					seenCommunity[c] = true
				} else {
					hiddenCommunity[c] = true
				}
			}
			if visible {
				seenTLP[ms.TLP] = true
			} else {
				hiddenTLP[ms.TLP] = true
			}
		}
	}
	hiddenIDs := map[string]bool{}
	for _, spec := range sc.Objects {
		e := sc.Expect(r, spec)
		refs := spec.Markings
		if len(refs) == 0 {
			refs = sc.DefaultRefs
		}
		if e.Rejected {
			continue
		}
		if !e.Visible {
			if m.latest[spec.ID] == nil {
				hiddenIDs[spec.ID] = true
			}
			for _, s := range spec.Secrets {
				m.forbidden = append(m.forbidden, s)
			}
			note(refs, false)
			for _, g := range spec.Granular {
				note([]string{g.Marking}, false)
			}
			continue
		}
		m.redacted[spec.Key()] = e.Redacted
		note(refs, true)
		for _, g := range spec.Granular {
			note([]string{g.Marking}, !slices.Contains(e.Redacted, g.Selector))
		}
		for _, sel := range e.Redacted {
			m.forbidden = append(m.forbidden, spec.Secrets[sel])
		}
	}
	for _, spec := range sc.Objects {
		if sc.Expect(r, spec).Rejected && m.latest[spec.ID] == nil {
			hiddenIDs[spec.ID] = true
		}
	}
	for id := range hiddenIDs {
		m.forbidden = append(m.forbidden, id)
	}
	for c := range hiddenCommunity {
		if !seenCommunity[c] {
			m.fragments = append(m.fragments, c)
		}
	}
	for tlp := range hiddenTLP {
		if !seenTLP[tlp] {
			m.fragments = append(m.fragments, "TLP:"+strings.ToUpper(tlp))
		}
	}
	return m
}

// checkReader signs the reader in, reads every page and checks each; it
// returns how many pages it read.
func checkReader(t *testing.T, w *workspace, sc *policytest.Scenario, r policytest.Reader, links scenarioLinks) int {
	t.Helper()
	p := r.Principal()
	p.Name = fmt.Sprintf("reader-%s", r.ID[len("principal--"):][:8])
	w.addPrincipal(t, p)
	c := w.signedIn(t, p.Name)
	m := model(sc, r, links)
	read := 0
	// check checks a page; echo is what the reader typed into the
	// search form, which the form shows again.
	check := func(path string, pg page, echo ...string) {
		t.Helper()
		read++
		for _, f := range m.forbidden {
			if f != "" && !slices.Contains(echo, f) && strings.Contains(pg.body, f) {
				t.Errorf("reader %+v: %s shows %q, which the model hides from it", r, path, f)
			}
		}
		for _, mk := range markingPattern.FindAllStringSubmatch(pg.body, -1) {
			text := html.UnescapeString(mk[1] + mk[2])
			for _, part := range splitMarking(text) {
				if slices.Contains(m.fragments, part) {
					t.Errorf("reader %+v: %s shows the marking fragment %q (in %q), which only hidden content carries", r, path, part, text)
				}
			}
		}
	}

	// Every page of the search over the scenario's collection.
	listed := map[string]bool{}
	next := "/?collection=" + sc.Collection.ID
	for next != "" {
		pg := c.get(next)
		if pg.status != http.StatusOK {
			t.Fatalf("search %s: %d", next, pg.status)
		}
		check(next, pg)
		for _, id := range rowIDPattern.FindAllStringSubmatch(pg.body, -1) {
			if listed[id[1]] && strings.HasPrefix(id[1], "indicator--") {
				t.Errorf("search lists %s twice", id[1])
			}
			listed[id[1]] = true
		}
		next = ""
		if n := nextPattern.FindStringSubmatch(pg.body); n != nil {
			next = html.UnescapeString(n[1])
		}
	}
	for id := range m.latest {
		if !listed[id] {
			t.Errorf("reader %+v: search does not list %s, which it may read", r, id)
		}
	}
	for id := range listed {
		if strings.HasPrefix(id, "indicator--") && m.latest[id] == nil {
			t.Errorf("reader %+v: search lists %s, which it may not read", r, id)
		}
	}
	// Searches by text and marking: a hidden secret finds nothing.
	for _, f := range m.forbidden[:min(3, len(m.forbidden))] {
		path := "/?collection=" + sc.Collection.ID + "&q=" + url.QueryEscape(f)
		pg := c.get(path)
		check(path, pg, f)
		if rowIDPattern.MatchString(pg.body) {
			t.Errorf("reader %+v: searching for the hidden text %q finds rows", r, f)
		}
	}
	for _, q := range []string{"SECRET", "TLP:AMBER", "energy"} {
		path := "/?collection=" + sc.Collection.ID + "&marking=" + url.QueryEscape(q)
		check(path, c.get(path))
	}

	// The detail page of every id of the scenario and of every link.
	var ids []string
	for _, spec := range sc.Objects {
		if !slices.Contains(ids, spec.ID) {
			ids = append(ids, spec.ID)
		}
	}
	for id := range links {
		ids = append(ids, id)
	}
	visited := map[string]bool{}
	var follow []string
	for _, id := range ids {
		path := "/objects/" + id
		pg := c.get(path)
		visited[path] = true
		check(path, pg)
		want := http.StatusOK
		if strings.HasPrefix(id, "indicator--") && m.latest[id] == nil {
			want = http.StatusNotFound
		}
		if pg.status != want {
			t.Errorf("reader %+v: %s answers %d, want %d", r, path, pg.status, want)
			continue
		}
		if spec := m.latest[id]; spec != nil {
			got := withheldSelectors(pg.body)
			if want := m.redacted[spec.Key()]; !slices.Equal(got, want) {
				t.Errorf("reader %+v: %s names the withheld portions %q, the model %q", r, path, got, want)
			}
			for sel, secret := range spec.Secrets {
				if !slices.Contains(m.redacted[spec.Key()], sel) && !strings.Contains(pg.body, secret) {
					t.Errorf("reader %+v: %s lacks %s (%q), which it may read", r, path, sel, secret)
				}
			}
		}
		for _, h := range hrefPattern.FindAllStringSubmatch(pg.body, -1) {
			follow = append(follow, html.UnescapeString(h[1]))
		}
	}
	for _, path := range follow {
		if visited[path] {
			continue
		}
		visited[path] = true
		pg := c.get(path)
		if pg.status != http.StatusOK {
			t.Errorf("reader %+v: the link %s answers %d", r, path, pg.status)
		}
		check(path, pg)
	}
	return read
}

// splitMarking cuts a banner or portion marking into its fragments.
func splitMarking(s string) []string {
	var out []string
	for _, part := range strings.Split(s, " // ") {
		for _, f := range strings.Split(part, ", ") {
			out = append(out, strings.TrimSpace(f))
		}
	}
	return out
}

// withheldSelectors returns the selectors a detail page names as
// withheld, sorted.
func withheldSelectors(body string) []string {
	block := withheldBlock.FindStringSubmatch(body)
	if block == nil {
		return nil
	}
	var out []string
	for _, m := range codePattern.FindAllStringSubmatch(block[1], -1) {
		out = append(out, html.UnescapeString(m[1]))
	}
	slices.Sort(out)
	return out
}
