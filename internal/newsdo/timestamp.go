package newsdo

import (
	"encoding/json"
	"time"

	"github.com/kizuna-dev/kizuna/stix"
)

// Timestamp is a STIX timestamp property (UTC, "Z", as package stix reads
// and writes them).
type Timestamp time.Time

// MarshalJSON writes the timestamp.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	return json.Marshal(stix.FormatTimestamp(time.Time(t).UTC()))
}

// UnmarshalJSON reads a STIX timestamp.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := stix.ParseTimestamp(s)
	if err != nil {
		return err
	}
	*t = Timestamp(v)
	return nil
}

// Time returns the time.
func (t Timestamp) Time() time.Time { return time.Time(t) }

// TS returns a pointer to the timestamp of v, or nil for the zero time
// (so that omitempty leaves it out).
func TS(v time.Time) *Timestamp {
	if v.IsZero() {
		return nil
	}
	t := Timestamp(v.UTC())
	return &t
}

// Of returns the time of an optional timestamp.
func Of(t *Timestamp) time.Time {
	if t == nil {
		return time.Time{}
	}
	return time.Time(*t)
}
