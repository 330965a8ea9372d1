package stream

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Cursor is a stream's position, what each event's id carries and what a
// client resumes from: for each collection, the date_added of the last
// version the reader was sent from it, and a base time for the
// collections it was sent nothing from yet. date_added is strictly
// increasing per collection and follows commit order, so that reading each
// collection after its position misses nothing and repeats nothing.
//
// A cursor holds only what the reader was sent (the date_added TAXII shows
// it of the same versions) and the time it asked to start from: nothing in
// it depends on the versions it may not read.
type Cursor struct {
	Base time.Time
	At   map[string]time.Time
}

// maxCursorCollections bounds the collections a cursor a client sends may
// name.
const maxCursorCollections = 1000

// after returns the position of a collection.
func (c Cursor) after(collection string) time.Time {
	if t, ok := c.At[collection]; ok {
		return t
	}
	return c.Base
}

// String encodes the cursor: the base in microseconds since the Unix
// epoch, then, for each collection in order, ",COLLECTION=MICROSECONDS"
// (the collection id query-escaped).
func (c Cursor) String() string {
	var b strings.Builder
	b.WriteString(strconv.FormatInt(c.Base.UnixMicro(), 10))
	for _, id := range slices.Sorted(maps.Keys(c.At)) {
		b.WriteByte(',')
		b.WriteString(url.QueryEscape(id))
		b.WriteByte('=')
		b.WriteString(strconv.FormatInt(c.At[id].UnixMicro(), 10))
	}
	return b.String()
}

// with returns a copy of c with the position of one collection set.
func (c Cursor) with(collection string, at time.Time) Cursor {
	out := Cursor{Base: c.Base, At: maps.Clone(c.At)}
	if out.At == nil {
		out.At = map[string]time.Time{}
	}
	out.At[collection] = at
	return out
}

// ParseCursor reads a cursor String wrote.
func ParseCursor(s string) (Cursor, error) {
	parts := strings.Split(s, ",")
	if len(parts)-1 > maxCursorCollections {
		return Cursor{}, fmt.Errorf("names more than %d collections", maxCursorCollections)
	}
	base, err := parseMicros(parts[0])
	if err != nil {
		return Cursor{}, fmt.Errorf("base %q: %v", parts[0], err)
	}
	c := Cursor{Base: base}
	for i, p := range parts[1:] {
		k, v, ok := strings.Cut(p, "=")
		id, err := url.QueryUnescape(k)
		if !ok || err != nil || id == "" {
			return Cursor{}, fmt.Errorf("entry %d %q: want COLLECTION=MICROSECONDS", i+1, p)
		}
		at, err := parseMicros(v)
		if err != nil {
			return Cursor{}, fmt.Errorf("entry %d %q: %v", i+1, p, err)
		}
		if _, dup := c.At[id]; dup {
			return Cursor{}, fmt.Errorf("entry %d: collection %s named twice", i+1, id)
		}
		if c.At == nil {
			c.At = map[string]time.Time{}
		}
		c.At[id] = at
	}
	return c, nil
}

// parseMicros reads microseconds since the Unix epoch.
func parseMicros(s string) (time.Time, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || s != strconv.FormatInt(n, 10) {
		return time.Time{}, fmt.Errorf("want a non-negative decimal count of microseconds")
	}
	return time.UnixMicro(n).UTC(), nil
}

// parseSince reads the ?since= parameter: an RFC 3339 time (every
// collection from then) or an event id. A time before the Unix epoch is
// the epoch (nothing was added before it), so that the ids of the stream
// are ones ParseCursor reads back.
func parseSince(s string) (Cursor, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		if t.Before(time.Unix(0, 0)) {
			t = time.Unix(0, 0)
		}
		return Cursor{Base: t.UTC().Truncate(time.Microsecond)}, nil
	}
	c, err := ParseCursor(s)
	if err != nil {
		return Cursor{}, fmt.Errorf("want an RFC 3339 time (2026-12-07T14:00:00Z) or an event id of this stream: %v", err)
	}
	return c, nil
}
