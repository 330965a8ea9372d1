package web_test

import (
	"html"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/kizuna-dev/kizuna/node"
	"github.com/kizuna-dev/kizuna/node/nodetest"
	"github.com/kizuna-dev/kizuna/web"
)

// TestSearchFilters runs each filter of the search on the sample data as
// tanaka (JPN 極秘), and pages through everything it may read.
func TestSearchFilters(t *testing.T) {
	w := startWorkspace(t, nodetest.Options{}, node.ServeConfig{}, web.Options{})
	c := w.signedIn(t, "tanaka")
	ids := func(query string) []string {
		t.Helper()
		p := c.get("/?" + query)
		if p.status != http.StatusOK {
			t.Fatalf("search %s: %d", query, p.status)
		}
		var out []string
		for _, m := range rowIDPattern.FindAllStringSubmatch(p.body, -1) {
			out = append(out, m[1])
		}
		slices.Sort(out)
		return out
	}
	sorted := func(s ...string) []string { slices.Sort(s); return s }
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"collection=sample&type=indicator&q=second-stage", []string{secondStage}},
		{"collection=sample&type=indicator&q=SECOND-STAGE", []string{secondStage}},
		{"collection=sample&value=notices@jpo-procurement", []string{senderAddress}},
		{"collection=sample&type=indicator&marking=極秘", []string{secondStage}},
		{"collection=sample&type=indicator&marking=" + url.QueryEscape("REL TO JPN, USA"), sorted(dropper, secondStage)},
		// The creator's sector: the Japanese centre (government) created
		// the 極秘 indicator, the US centre (defense, government) the others
		// tanaka may read.
		{"collection=sample&type=indicator&sector=government", sorted(lureDomain, senderAddress, dropper, secondStage)},
		{"collection=sample&type=indicator&sector=defense", sorted(lureDomain, senderAddress, dropper)},
		{"collection=sample&type=identity&sector=manufacturing", []string{"identity--b9d97533-f7de-434e-983d-0971daec6241"}},
		{"collection=sample&type=indicator&from=2026-10-13", nil},
		{"collection=sample&type=indicator&to=2026-10-12", sorted(lureDomain, senderAddress, dropper, secondStage)},
		// What tanaka may not read is not found by any filter.
		{"collection=sample&q=Staging", nil},
		{"collection=sample&marking=NOFORN", nil},
		{"collection=sample&q=cyber-wg", nil},
	} {
		if got := ids(tc.query); !slices.Equal(got, tc.want) {
			t.Errorf("search %s: %v, want %v", tc.query, got, tc.want)
		}
	}
	for _, bad := range []string{"from=yesterday", "cursor=!!!", "cursor=eyJjIjowLCJuIjoieHh4In0", "cursor=eyJjIjo5OX0"} {
		if p := c.get("/?" + bad); p.status != http.StatusBadRequest {
			t.Errorf("search %s: %d, want 400", bad, p.status)
		}
	}

	// Paging through every collection: each object once, on pages of at
	// most 25.
	seen := map[string]bool{}
	next, pages := "/", 0
	for next != "" {
		p := c.get(next)
		rows := rowIDPattern.FindAllStringSubmatch(p.body, -1)
		if len(rows) > 25 {
			t.Fatalf("a page of %d rows", len(rows))
		}
		for _, m := range rows {
			if seen[m[1]] {
				t.Errorf("%s listed twice", m[1])
			}
			seen[m[1]] = true
		}
		next = ""
		if n := nextPattern.FindStringSubmatch(p.body); n != nil {
			next = html.UnescapeString(n[1])
		}
		pages++
	}
	if pages < 2 || !seen[secondStage] || seen[stagingURL] || !seen[lureDomain] {
		t.Errorf("%d pages, %d objects: the 極秘 indicator %t, the NOFORN one %t", pages, len(seen), seen[secondStage], seen[stagingURL])
	}
}
