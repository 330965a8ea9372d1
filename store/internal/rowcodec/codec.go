// Package rowcodec holds the row encoding shared by the SQL stores: the JSON
// columns, timestamps, row-to-domain mapping through a small scanner
// interface, the audit chaining and the migration bookkeeping. None of it
// depends on the SQL dialect; the SQL itself stays in each store.
package rowcodec

import (
	"encoding/json"
	"time"
)

// Row is the one method of a driver row the mapping needs; *sql.Row,
// *sql.Rows, pgx.Row and pgx.Rows all have it. Scan errors pass through
// unchanged, so callers still recognise their driver's no-rows error.
type Row interface {
	Scan(dest ...any) error
}

// Micros converts a time to its stored form, microseconds since the epoch.
func Micros(t time.Time) int64 { return t.UnixMicro() }

// FromMicros converts a stored timestamp back to a UTC time.
func FromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// NonNil returns s, or an empty slice when s is nil, so that a JSON column
// holds [] rather than null.
func NonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// jsonText encodes v, which must be made of types that always encode
// (strings, numbers, times, slices and structs of them).
func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
