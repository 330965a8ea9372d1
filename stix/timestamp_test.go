package stix

import (
	"strings"
	"testing"
	"time"
)

func TestParseTimestamp(t *testing.T) {
	good := []struct {
		in   string
		want time.Time
	}{
		{"2016-05-12T08:17:27Z", time.Date(2016, 5, 12, 8, 17, 27, 0, time.UTC)},
		{"2016-05-12T08:17:27.000Z", time.Date(2016, 5, 12, 8, 17, 27, 0, time.UTC)},
		{"2016-05-12T08:17:27.1Z", time.Date(2016, 5, 12, 8, 17, 27, 100e6, time.UTC)},
		{"2016-05-12T08:17:27.123456789Z", time.Date(2016, 5, 12, 8, 17, 27, 123456789, time.UTC)},
		{"2024-02-29T23:59:59.999Z", time.Date(2024, 2, 29, 23, 59, 59, 999e6, time.UTC)},
		// Digits beyond the ninth are read and dropped (RFC 3339 sets no
		// limit; the OASIS validator accepts them).
		{"2016-05-12T08:17:27.1234567890Z", time.Date(2016, 5, 12, 8, 17, 27, 123456789, time.UTC)},
		{"2016-05-12T08:17:27.123456789987654321Z", time.Date(2016, 5, 12, 8, 17, 27, 123456789, time.UTC)},
		{"0001-01-01T00:00:00Z", time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range good {
		got, err := ParseTimestamp(tt.in)
		if err != nil || !got.Equal(tt.want) || got.Location() != time.UTC {
			t.Errorf("ParseTimestamp(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	bad := []string{
		"2016-05-12T08:17:27", "2016-05-12T08:17:27+00:00", "2016-05-12 08:17:27Z",
		"2016-05-12t08:17:27Z", "2016-05-12T08:17:27.Z", "2016-05-12T08:17:27.1234567890aZ",
		"0000-01-01T00:00:00Z", "2016-12-31T23:59:60Z",
		"2023-02-29T00:00:00Z", "2016-13-01T00:00:00Z", "2016-05-12T24:00:00Z",
		"2016-05-12T08:60:00Z", "2016-05-12T08:17:61Z", "16-05-12T08:17:27Z", "", "2016-05-12T08:17:27.1a3Z",
	}
	for _, in := range bad {
		if _, err := ParseTimestamp(in); err == nil {
			t.Errorf("ParseTimestamp(%q) succeeded", in)
		}
	}
}

func TestFormatTimestamp(t *testing.T) {
	tests := []struct {
		in         time.Time
		stix, taxi string
	}{
		{time.Date(2016, 5, 12, 8, 17, 27, 0, time.UTC), "2016-05-12T08:17:27.000Z", "2016-05-12T08:17:27.000000Z"},
		{time.Date(2016, 5, 12, 8, 17, 27, 120e6, time.UTC), "2016-05-12T08:17:27.120Z", "2016-05-12T08:17:27.120000Z"},
		{time.Date(2016, 5, 12, 8, 17, 27, 123456000, time.UTC), "2016-05-12T08:17:27.123456Z", "2016-05-12T08:17:27.123456Z"},
		{time.Date(2016, 5, 12, 8, 17, 27, 123456789, time.UTC), "2016-05-12T08:17:27.123456789Z", "2016-05-12T08:17:27.123456Z"},
		{time.Date(2016, 5, 12, 17, 17, 27, 0, time.FixedZone("JST", 9*3600)), "2016-05-12T08:17:27.000Z", "2016-05-12T08:17:27.000000Z"},
	}
	for _, tt := range tests {
		if got := FormatTimestamp(tt.in); got != tt.stix {
			t.Errorf("FormatTimestamp(%v) = %s, want %s", tt.in, got, tt.stix)
		}
		if got := FormatTAXIITimestamp(tt.in); got != tt.taxi {
			t.Errorf("FormatTAXIITimestamp(%v) = %s, want %s", tt.in, got, tt.taxi)
		}
		back, err := ParseTimestamp(FormatTimestamp(tt.in))
		if err != nil || !back.Equal(tt.in) {
			t.Errorf("round trip of %v gave %v, %v", tt.in, back, err)
		}
	}
	if _, err := ParseTimestamp("2016-05-12T08:17:27+09:00"); err == nil || !strings.Contains(err.Error(), "UTC") {
		t.Errorf("a non-UTC timestamp must be refused naming UTC, got %v", err)
	}
}
