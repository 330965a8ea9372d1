package sector_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/sector"
)

func mustCatalog(tb testing.TB) *sector.Catalog {
	tb.Helper()
	c, err := sector.DefaultCatalog()
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// TestShippedVocabularies: the shipped file holds the five nations'
// current lists (US 16, Japan 15, Australia 11, Korea 8 domains, India 7),
// each with a version and sources, every sector with a name.
func TestShippedVocabularies(t *testing.T) {
	c := mustCatalog(t)
	want := map[string]int{"USA": 16, "JPN": 15, "AUS": 11, "KOR": 8, "IND": 7}
	for _, v := range c.Nations() {
		if len(v.Sectors) != want[v.Nation] {
			t.Errorf("%s: %d sectors, want %d", v.Nation, len(v.Sectors), want[v.Nation])
		}
		if v.Version == "" || len(v.Sources) == 0 {
			t.Errorf("%s: version %q sources %v", v.Nation, v.Version, v.Sources)
		}
		for _, src := range v.Sources {
			if c.Source(src) == "" {
				t.Errorf("%s: source %s has no text", v.Nation, src)
			}
		}
		delete(want, v.Nation)
	}
	if len(want) != 0 {
		t.Errorf("nations missing: %v", want)
	}
	if s := c.Sector("jp.ports"); s == nil || s.NameNative != "港湾" || s.Nation() != "JPN" {
		t.Errorf("jp.ports = %+v", s)
	}
}

// TestEveryShippedSectorMapsOrIsUnmapped: every sector of every shipped
// nation is mapped by the crosswalk or explicitly marked unmapped, and
// between the United States, Japan and Australia (the nations of the
// reference crosswalk) every sector is accounted for in each other nation.
func TestEveryShippedSectorMapsOrIsUnmapped(t *testing.T) {
	c := mustCatalog(t)
	unmapped := map[string]bool{}
	for _, u := range c.Unmapped() {
		unmapped[u.Sector] = true
	}
	for _, v := range c.Nations() {
		for _, s := range v.Sectors {
			links := c.Links(s.ID, sector.LinkOptions{Weak: true})
			if len(links) == 0 && !unmapped[s.ID] {
				t.Errorf("%s is neither mapped nor marked unmapped", s.ID)
			}
			for _, l := range links {
				if l.Rationale == "" || !l.Relation.Valid() {
					t.Errorf("%s → %s: relation %q rationale %q", l.From, l.To, l.Relation, l.Rationale)
				}
			}
		}
	}
	core := []string{"USA", "JPN", "AUS"}
	for _, a := range core {
		for _, b := range core {
			if a != b {
				if gaps := c.Coverage(a, b); len(gaps) > 0 {
					t.Errorf("%s → %s: %v have neither a mapping nor an unmapped entry", a, b, gaps)
				}
			}
		}
	}
}

// TestLinks: links are read both ways with the inverse relation, weak
// mappings and pivot links only on request, in catalog order.
func TestLinks(t *testing.T) {
	c := mustCatalog(t)
	got := c.Links("us.transportation", sector.LinkOptions{Nations: []string{"JPN"}})
	var tos []string
	for _, l := range got {
		tos = append(tos, l.To)
		if l.From != "us.transportation" || l.Relation != sector.SupersetOf {
			t.Errorf("link %+v: want us.transportation superset-of", l)
		}
		if r := l.Reverse(); r.From != l.To || r.Relation != sector.SubsetOf {
			t.Errorf("reverse %+v", r)
		}
	}
	if want := []string{"jp.aviation", "jp.airports", "jp.railway", "jp.logistics", "jp.ports"}; !slices.Equal(tos, want) {
		t.Errorf("us.transportation → JPN: %v, want %v", tos, want)
	}
	if n := len(c.Links("us.dams", sector.LinkOptions{})); n != 0 {
		t.Errorf("us.dams has %d links without weak ones; want 0", n)
	}
	weak := c.Links("us.dams", sector.LinkOptions{Weak: true})
	if len(weak) != 2 || !weak[0].Weak || weak[0].To != "jp.electricity" {
		t.Errorf("weak links of us.dams: %+v", weak)
	}
	// kr.transport and au.transport are linked only through the
	// crosswalk; us.nuclear and au.energy only through the pivot.
	if ls := c.Links("us.nuclear", sector.LinkOptions{Nations: []string{"AUS"}}); len(ls) != 0 {
		t.Errorf("us.nuclear → AUS without the pivot: %+v", ls)
	}
	pv := c.Links("us.nuclear", sector.LinkOptions{Pivot: true, Nations: []string{"AUS"}})
	if len(pv) != 1 || pv[0].To != "au.energy" || pv[0].Via != "ncf.generate-electricity" || pv[0].Relation != sector.IntersectsWith || pv[0].Entry != -1 {
		t.Errorf("us.nuclear → AUS through the pivot: %+v", pv)
	}
	if got := c.Label("jp.ports"); got != "JP 港湾 (Port services)" {
		t.Errorf("label %q", got)
	}
	if got := c.Label("us.transportation"); got != "US Transportation Systems" {
		t.Errorf("label %q", got)
	}
}

// TestExpand: the ids first, then their links in catalog order, limited to
// the nations and relations asked for; weak mappings only on request.
func TestExpand(t *testing.T) {
	c := mustCatalog(t)
	got := c.Expand([]string{"jp.ports", "jp.logistics"}, sector.ExpandOptions{Nations: []string{"USA", "AUS"}})
	if want := []string{"jp.ports", "jp.logistics", "us.transportation", "au.transport"}; !slices.Equal(got, want) {
		t.Errorf("expand %v, want %v", got, want)
	}
	got = c.Expand([]string{"jp.water"}, sector.ExpandOptions{Relations: []sector.Relation{sector.EquivalentTo}})
	if !slices.Equal(got, []string{"jp.water"}) {
		t.Errorf("jp.water through equivalent-to only: %v", got)
	}
	if got := c.Expand([]string{"jp.electricity"}, sector.ExpandOptions{Nations: []string{"USA"}}); slices.Contains(got, "us.dams") {
		t.Errorf("a weak mapping extended %v", got)
	}
	if got := c.Expand([]string{"jp.electricity"}, sector.ExpandOptions{Nations: []string{"USA"}, Weak: true}); !slices.Contains(got, "us.dams") {
		t.Errorf("weak requested, yet %v", got)
	}
	if got := c.Expand([]string{"xx.unknown"}, sector.ExpandOptions{}); !slices.Equal(got, []string{"xx.unknown"}) {
		t.Errorf("unknown id: %v", got)
	}
	if got := c.Industries([]string{"jp.ports", "jp.electricity"}); !slices.Equal(got, []string{"transportation", "energy", "utilities"}) {
		t.Errorf("industries %v", got)
	}
}

// minimal is a small valid sectors file the error cases edit.
const minimal = `{"version": "1", "sources": {"S": "a source"},
 "nations": [
  {"nation": "USA", "prefix": "us", "vocabulary": "US", "version": "v1", "sources": ["S"],
   "sectors": [{"id": "us.transportation", "name": "Transportation Systems"}, {"id": "us.dams", "name": "Dams"}]},
  {"nation": "JPN", "prefix": "jp", "vocabulary": "JP", "version": "v1", "sources": ["S"],
   "sectors": [{"id": "jp.ports", "name": "Port services", "name_native": "港湾"}, {"id": "jp.railway", "name": "Railway services"}]}],
 "crosswalk": [
  {"source": "jp.ports", "target": "us.transportation", "relation": "subset-of", "rationale": "ports are transport"},
  {"source": "jp.railway", "target": "us.transportation", "relation": "subset-of", "rationale": "rail is transport"}],
 "unmapped": [{"sector": "us.dams", "note": "no JP dams sector"}]}`

// TestParseErrors: each fault is named with the file and the JSON path of
// the entry.
func TestParseErrors(t *testing.T) {
	if _, err := sector.Parse([]byte(minimal), "s.json"); err != nil {
		t.Fatalf("minimal file: %v", err)
	}
	for _, tc := range []struct {
		name, old, new, want string
	}{
		{"bad relation", `"relation": "subset-of", "rationale": "ports`, `"relation": "one-to-many", "rationale": "ports`,
			`s.json: $.crosswalk[0].relation: "one-to-many" is not a relation; use one of equivalent-to, subset-of, superset-of, intersects-with`},
		{"unknown sector", `"target": "us.transportation", "relation": "subset-of", "rationale": "rail`, `"target": "us.rail", "relation": "subset-of", "rationale": "rail`,
			`s.json: $.crosswalk[1].target: "us.rail" is not a sector of any nation of $.nations`},
		{"duplicate id", `{"id": "jp.railway", "name"`, `{"id": "jp.ports", "name"`,
			`s.json: $.nations[1].sectors[1].id: "jp.ports" is listed twice`},
		{"inconsistent pair", `{"source": "jp.railway", "target": "us.transportation", "relation": "subset-of"`, `{"source": "us.transportation", "target": "jp.ports", "relation": "subset-of"`,
			`s.json: $.crosswalk[1]: us.transportation subset-of jp.ports contradicts $.crosswalk[0] (jp.ports subset-of us.transportation)`},
		{"duplicate pair", `{"source": "jp.railway", "target": "us.transportation", "relation": "subset-of"`, `{"source": "us.transportation", "target": "jp.ports", "relation": "superset-of"`,
			`s.json: $.crosswalk[1]: duplicates $.crosswalk[0] (jp.ports subset-of us.transportation)`},
		{"same nation", `"target": "us.transportation", "relation": "subset-of", "rationale": "rail`, `"target": "jp.ports", "relation": "subset-of", "rationale": "rail`,
			`s.json: $.crosswalk[1]: jp.railway and jp.ports are sectors of the same nation`},
		{"no rationale", `"rationale": "rail is transport"`, `"rationale": " "`, `s.json: $.crosswalk[1].rationale: is required`},
		{"prefix", `{"id": "jp.railway"`, `{"id": "us.railway"`, `s.json: $.nations[1].sectors[1].id: "us.railway" does not start with the nation's prefix "jp."`},
		{"nation code", `"nation": "JPN"`, `"nation": "Japan"`, `s.json: $.nations[1].nation: "Japan" is not an ISO 3166-1 alpha-3 code`},
		{"unknown source", `"sources": ["S"],
   "sectors": [{"id": "jp.ports"`, `"sources": ["T"],
   "sectors": [{"id": "jp.ports"`, `s.json: $.nations[1].sources[0]: "T" is not a source of $.sources`},
		{"unmapped yet mapped", `{"sector": "us.dams", "note": "no JP dams sector"}`, `{"sector": "us.dams", "note": "x"}, {"sector": "jp.ports", "nations": ["USA"], "note": "none"}`,
			`s.json: $.unmapped[1]: jp.ports is marked unmapped in USA, but $.crosswalk[0] maps it to us.transportation`},
		{"neither", `"unmapped": [{"sector": "us.dams", "note": "no JP dams sector"}]`, `"unmapped": []`,
			`s.json: $.nations[0].sectors[1]: us.dams is neither mapped in $.crosswalk nor marked in $.unmapped`},
		{"unknown property", `{"version": "1",`, `{"version": "1", "extra": true,`, `s.json: $: unknown property "extra"`},
		{"wrong type", `"version": "1",`, `"version": 1,`, `s.json: $.version: expected string, found a JSON number`},
		{"trailing data", `"no JP dams sector"}]}`, `"no JP dams sector"}]} {}`, `s.json: $: one JSON document expected`},
		{"malformed", `{"version"`, `{"version`, `s.json: $: malformed JSON`},
	} {
		if !strings.Contains(minimal, tc.old) {
			t.Fatalf("%s: the fixture lacks %q", tc.name, tc.old)
		}
		_, err := sector.Parse([]byte(strings.Replace(minimal, tc.old, tc.new, 1)), "s.json")
		if err == nil || kizuna.ErrorCode(err) != kizuna.EINVALID || !strings.Contains(kizuna.ErrorMessage(err), tc.want) {
			t.Errorf("%s: err = %v\nwant %q", tc.name, err, tc.want)
		}
	}
}
