// Package source pulls what other TAXII 2.1 servers publish, so that a node
// can take a partner's collection in as a source. Pager reads a
// collection from a persisted cursor to its end, whether the server pages
// with next cursors, as the specification has it, or only with added_after,
// as many servers do (they answer more=true with no next, or leave more out
// and cut the answer at the limit).
package source

import (
	"context"
	"encoding/json"
	"time"

	"github.com/kizuna-dev/kizuna"
)

// Query is one Get Objects request.
type Query struct {
	AddedAfter time.Time // zero: from the start
	Next       string
	Limit      int
}

// Page is one Get Objects answer.
type Page struct {
	Objects []json.RawMessage
	More    bool
	Next    string
	// DateAddedFirst and DateAddedLast are the X-TAXII-Date-Added-First and
	// -Last headers: zero when the server sent none.
	DateAddedFirst, DateAddedLast time.Time
}

// Fetcher asks a server's collection for one page (a taxii.Client's
// GetObjects, adapted).
type Fetcher func(ctx context.Context, q Query) (*Page, error)

// Pager reads a collection page by page.
type Pager struct {
	Fetch Fetcher
	// Limit is the page size asked for (1,000 when zero).
	Limit int
	// MaxLimit is the largest page size asked for when a whole page has one
	// date_added and the server pages by added_after (10,000 when zero).
	MaxLimit int
	// Step is how far before a page's last date_added the next request
	// starts, when the server pages by added_after: the objects added at
	// that instant that did not fit in the page come again, rather than
	// being skipped (1µs when zero; use the server's precision if coarser).
	Step time.Duration
}

// Result says what a pull read.
type Result struct {
	Pages, Objects int
	// Cursor is the date_added to continue after next time.
	Cursor time.Time
	// Gaps lists the instants where more objects shared one date_added than
	// the largest page holds, so that some may have been skipped.
	Gaps []time.Time
	// NoDates is set when the server sent no X-TAXII-Date-Added-Last: the
	// cursor cannot advance and the next pull reads the collection again.
	NoDates bool
}

// Pull reads everything the server added after cursor. After each page it
// calls fn with the page's objects and the cursor that is safe to persist
// once they are stored: every object added at or before it has been
// delivered. Objects added at the boundary of two pages may be delivered
// twice, which an idempotent ingest absorbs. Pull stops at the first error
// of the server or of fn, and refuses a server whose answers do not move
// forward.
func (p *Pager) Pull(ctx context.Context, cursor time.Time, fn func(objs []json.RawMessage, cursor time.Time) error) (*Result, error) {
	limit, maxLimit, step := p.Limit, p.MaxLimit, p.Step
	if limit <= 0 {
		limit = 1000
	}
	if maxLimit < limit {
		maxLimit = max(10_000, limit)
	}
	if step <= 0 {
		step = time.Microsecond
	}
	res := &Result{Cursor: cursor}
	q := Query{AddedAfter: cursor, Limit: limit}
	var prevLast time.Time
	for {
		page, err := p.Fetch(ctx, q)
		if err != nil {
			return res, err
		}
		res.Pages++
		if len(page.Objects) == 0 {
			return res, nil
		}
		res.Objects += len(page.Objects)
		last := page.DateAddedLast
		if last.IsZero() {
			res.NoDates = true
		}
		// Continue by next when the server gives one; else by added_after
		// when it says there is more, or fills the page as if there were.
		byDate := page.Next == "" && !last.IsZero() && (page.More || len(page.Objects) >= q.Limit)
		switch {
		case page.Next != "" && page.More:
			if page.Next == q.Next {
				return res, kizuna.Errorf(kizuna.EINVALID, "the TAXII server answered the next cursor %q with itself", q.Next)
			}
			safe := res.Cursor
			if !last.IsZero() && last.Add(-step).After(safe) {
				safe = last.Add(-step)
			}
			if err := p.deliver(page, safe, res, fn); err != nil {
				return res, err
			}
			q.Next = page.Next
			continue
		case !byDate:
			if page.More && page.Next == "" {
				return res, kizuna.Errorf(kizuna.EINVALID, "the TAXII server said more=true with neither a next cursor nor an X-TAXII-Date-Added-Last header to continue from")
			}
			safe := res.Cursor
			if last.After(safe) {
				safe = last
			}
			return res, p.deliver(page, safe, res, fn)
		}
		if !last.After(q.AddedAfter) {
			return res, kizuna.Errorf(kizuna.EINVALID, "the TAXII server's page ends at date_added %s, not after the added_after %s it was asked for",
				last.Format(time.RFC3339Nano), q.AddedAfter.Format(time.RFC3339Nano))
		}
		first := page.DateAddedFirst
		sameInstant := !first.IsZero() && first.Equal(last)
		if last.Equal(prevLast) && !sameInstant {
			return res, kizuna.Errorf(kizuna.EINVALID, "the TAXII server answered added_after %s with the page it gave before (does it ignore added_after?)",
				q.AddedAfter.Format(time.RFC3339Nano))
		}
		prevLast = last
		if sameInstant && !q.AddedAfter.Before(last.Add(-step)) {
			// The whole page is one instant that a previous page already
			// reached: step back no further, ask for more at once, and
			// record a gap if even the largest page cannot hold it.
			if q.Limit < maxLimit {
				q.Limit = min(2*q.Limit, maxLimit)
				res.Pages--
				res.Objects -= len(page.Objects)
				continue
			}
			res.Gaps = append(res.Gaps, last)
			if err := p.deliver(page, last, res, fn); err != nil {
				return res, err
			}
			q = Query{AddedAfter: last, Limit: limit}
			continue
		}
		if err := p.deliver(page, last.Add(-step), res, fn); err != nil {
			return res, err
		}
		q = Query{AddedAfter: last.Add(-step), Limit: limit}
	}
}

func (p *Pager) deliver(page *Page, safe time.Time, res *Result, fn func([]json.RawMessage, time.Time) error) error {
	if safe.After(res.Cursor) {
		res.Cursor = safe
	}
	return fn(page.Objects, res.Cursor)
}
