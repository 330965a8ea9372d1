package web

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/kizuna-dev/kizuna"
)

func init() {
	register(page{Pattern: "GET /{$}", Template: "search.html", Nav: "nav.search", NavPath: "/", Order: 10, Handle: (*Server).search})
}

// Bounds of one search request.
const (
	searchPageSize = 25
	// searchScanLimit is how many versions one request reads at most; a
	// search that has not filled its page by then offers to continue.
	searchScanLimit = 5000
)

// searchQuery is the search form.
type searchQuery struct {
	Collection, Type, Text, Value, Marking, Sector, From, To string
	from, to                                                 time.Time
	types                                                    []string
}

// searchCursor is where a search continues: the collection (an index in
// the reader's readable collections), the guard's cursor of the page of
// versions and how many of that page were already read.
type searchCursor struct {
	Col  int    `json:"c"`
	Next string `json:"n,omitempty"`
	Skip int    `json:"s,omitempty"`
}

// searchRow is one result.
type searchRow struct {
	refLink
	Collection, Modified string
}

type searchData struct {
	Q           searchQuery
	Collections []*kizuna.Collection
	Rows        []searchRow
	// NextPath continues the search ("" when it is done); Partial says the
	// request stopped at its bound before filling its page.
	NextPath string
	Partial  bool
	Error    string
}

// search serves the search and browse page: the latest version of every
// object the reader may read, filtered, in the order objects were added.
func (s *Server) search(v *View, r *http.Request) error {
	ctx := r.Context()
	v.Title = v.T("search.title")
	qv := r.URL.Query()
	q := searchQuery{
		Collection: qv.Get("collection"), Type: strings.TrimSpace(qv.Get("type")), Text: strings.TrimSpace(qv.Get("q")),
		Value: strings.TrimSpace(qv.Get("value")), Marking: strings.TrimSpace(qv.Get("marking")),
		Sector: strings.TrimSpace(qv.Get("sector")), From: strings.TrimSpace(qv.Get("from")), To: strings.TrimSpace(qv.Get("to")),
	}
	data := &searchData{Q: q}
	v.Data = data
	cols, err := s.readable(ctx)
	if err != nil {
		return err
	}
	data.Collections = cols
	var bad []string
	q.from, q.to, bad = parseRange(v, q.From, q.To)
	for _, t := range strings.Split(q.Type, ",") {
		if t = strings.TrimSpace(strings.ToLower(t)); t != "" {
			q.types = append(q.types, t)
		}
	}
	if q.Collection != "" {
		cols = slices.DeleteFunc(slices.Clone(cols), func(c *kizuna.Collection) bool { return c.ID != q.Collection && c.Alias != q.Collection })
	} else {
		// A search of every collection is of real intelligence: exercise
		// data is searched only in the exercises collection, chosen by name
		// (docs/exercises.md, rule 2).
		cols = s.real(cols)
	}
	var cur searchCursor
	if c := qv.Get("cursor"); c != "" {
		raw, err := base64.RawURLEncoding.DecodeString(c)
		if err != nil || json.Unmarshal(raw, &cur) != nil || cur.Col < 0 || cur.Skip < 0 {
			bad = append(bad, v.T("search.bad_cursor"))
		}
	}
	if cur.Col > len(cols) {
		bad = append(bad, v.T("search.bad_cursor"))
	}
	if len(bad) > 0 {
		data.Error = strings.Join(bad, " ")
		v.SetStatus(http.StatusBadRequest)
		return nil
	}
	m := newMatcher(s, v, q)
	read := 0
	for ; cur.Col < len(cols) && len(data.Rows) < searchPageSize && read < searchScanLimit; cur = (searchCursor{Col: cur.Col + 1}) {
		c := cols[cur.Col]
		f := kizuna.ObjectFilter{Collection: c.ID, Types: q.types, Versions: kizuna.VersionMatch{Last: true}, IncludeRaw: true, Limit: 500, Next: cur.Next}
		for {
			page, err := s.n.Guard.FindObjects(ctx, f)
			if kizuna.ErrorCode(err) == kizuna.EINVALID {
				data.Error = v.T("search.bad_cursor")
				v.SetStatus(http.StatusBadRequest)
				return nil
			} else if err != nil {
				return err
			}
			i := cur.Skip
			for ; i < len(page.Objects) && len(data.Rows) < searchPageSize && read < searchScanLimit; i++ {
				o := page.Objects[i]
				read++
				if o.Collection == "" {
					o.Collection = c.ID
				}
				if m.match(ctx, o) {
					data.Rows = append(data.Rows, searchRow{refLink: s.link(v, o), Collection: c.Title, Modified: shortTime(o)})
				}
			}
			if i < len(page.Objects) {
				// Stopped inside this page: continue from its next version.
				cur.Skip = i
				data.Partial = len(data.Rows) < searchPageSize
				data.NextPath = searchPath(qv, cur)
				return nil
			}
			if !page.More {
				break
			}
			cur.Next, cur.Skip = page.Next, 0
			f.Next = page.Next
			if len(data.Rows) >= searchPageSize || read >= searchScanLimit {
				data.Partial = len(data.Rows) < searchPageSize
				data.NextPath = searchPath(qv, cur)
				return nil
			}
		}
	}
	if cur.Col < len(cols) {
		data.Partial = len(data.Rows) < searchPageSize
		data.NextPath = searchPath(qv, cur)
	}
	return nil
}

// searchPath is the search's address continuing at the cursor.
func searchPath(qv url.Values, cur searchCursor) string {
	raw, _ := json.Marshal(cur)
	next := url.Values{}
	for k, vs := range qv {
		if k != "cursor" {
			next[k] = vs
		}
	}
	next.Set("cursor", base64.RawURLEncoding.EncodeToString(raw))
	return "/?" + next.Encode()
}

// parseRange reads the from and to of a form (either may be empty: no
// bound) with parseDay, and returns the translated message of each that
// is not a date or time.
func parseRange(v *View, from, to string) (f, t time.Time, bad []string) {
	var err error
	if from != "" {
		if f, err = parseDay(from, false); err != nil {
			bad = append(bad, v.T("search.bad_time", "from", from))
		}
	}
	if to != "" {
		if t, err = parseDay(to, true); err != nil {
			bad = append(bad, v.T("search.bad_time", "to", to))
		}
	}
	return f, t, bad
}

// parseDay reads a date (2006-01-02) or an RFC 3339 time; a date ends at
// its last instant when end is set.
func parseDay(s string, end bool) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return time.Time{}, err
	}
	if end {
		t = t.Add(24*time.Hour - time.Nanosecond)
	}
	return t, nil
}
