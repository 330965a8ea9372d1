package rowcodec

import (
	"encoding/base64"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
)

func TestCursorRoundTrip(t *testing.T) {
	added := time.Date(2026, 4, 5, 6, 7, 8, 9000, time.UTC)
	us, err := DecodeCursor(EncodeCursor(added))
	if err != nil || us != Micros(added) {
		t.Fatalf("DecodeCursor(EncodeCursor(t)) = %d, %v; want %d", us, err, Micros(added))
	}
	for _, bad := range []string{"", "!!", base64.RawURLEncoding.EncodeToString([]byte("2.5")),
		base64.RawURLEncoding.EncodeToString([]byte("1.-5")), base64.RawURLEncoding.EncodeToString([]byte("1.x"))} {
		_, err := DecodeCursor(bad)
		MustCode(t, err, kizuna.EINVALID, "malformed next cursor")
	}
}

func TestPageBounds(t *testing.T) {
	at := time.Date(2026, 4, 5, 6, 7, 8, 9999, time.UTC)
	later := at.Add(time.Second)
	for _, c := range []struct {
		f       kizuna.ObjectFilter
		limit   int
		after   int64
		invalid bool
	}{
		{f: kizuna.ObjectFilter{}, limit: MaxPageSize, after: -1},
		{f: kizuna.ObjectFilter{Limit: 5}, limit: 5, after: -1},
		{f: kizuna.ObjectFilter{Limit: MaxPageSize + 1}, limit: MaxPageSize, after: -1},
		{f: kizuna.ObjectFilter{AddedAfter: &at}, limit: MaxPageSize, after: Micros(at)},
		{f: kizuna.ObjectFilter{Next: EncodeCursor(later), AddedAfter: &at}, limit: MaxPageSize, after: Micros(later)},
		{f: kizuna.ObjectFilter{Next: EncodeCursor(at), AddedAfter: &later}, limit: MaxPageSize, after: Micros(later)},
		{f: kizuna.ObjectFilter{Limit: -1}, invalid: true},
		{f: kizuna.ObjectFilter{Next: "bad"}, invalid: true},
	} {
		limit, after, err := PageBounds(c.f)
		if c.invalid {
			if kizuna.ErrorCode(err) != kizuna.EINVALID {
				t.Errorf("PageBounds(%+v) error %v, want EINVALID", c.f, err)
			}
			continue
		}
		if err != nil || limit != c.limit || after != c.after {
			t.Errorf("PageBounds(%+v) = %d, %d, %v; want %d, %d", c.f, limit, after, err, c.limit, c.after)
		}
	}
}
