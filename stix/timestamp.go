package stix

import (
	"fmt"
	"time"
)

// ParseTimestamp parses a STIX timestamp: RFC 3339 in UTC with the 'Z'
// designator, "YYYY-MM-DDTHH:mm:ss[.s+]Z", with any number of fractional
// digits. The result holds nanoseconds: digits beyond the ninth are
// dropped, so two timestamps that differ only there are the same instant.
func ParseTimestamp(s string) (time.Time, error) {
	t, _, err := parseTimestamp(s)
	return t, err
}

// parseTimestamp also returns the number of fractional digits, which the
// precision rules of created and modified need.
func parseTimestamp(s string) (time.Time, int, error) {
	bad := func(why string) (time.Time, int, error) {
		return time.Time{}, 0, fmt.Errorf("%q is not a STIX timestamp (YYYY-MM-DDTHH:mm:ss[.s+]Z): %s", truncate(s, 64), why)
	}
	if len(s) < 20 {
		return bad("too short")
	}
	num := func(i, n int) (int, bool) {
		v := 0
		for _, c := range []byte(s[i : i+n]) {
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		return v, true
	}
	year, ok1 := num(0, 4)
	month, ok2 := num(5, 2)
	day, ok3 := num(8, 2)
	hour, ok4 := num(11, 2)
	minute, ok5 := num(14, 2)
	sec, ok6 := num(17, 2)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return bad("malformed date or time")
	}
	if s[len(s)-1] != 'Z' {
		return bad("must be in UTC and end with 'Z'")
	}
	frac, digits := 0, 0
	if rest := s[19 : len(s)-1]; rest != "" {
		if rest[0] != '.' || len(rest) == 1 {
			return bad("malformed fractional seconds")
		}
		digits = len(rest) - 1
		if _, ok := num(20, digits); !ok {
			return bad("malformed fractional seconds")
		}
		// time.Time holds nanoseconds: further digits are read but
		// dropped, as RFC 3339 leaves the precision to the writer.
		frac, _ = num(20, min(digits, 9))
		for i := digits; i < 9; i++ {
			frac *= 10
		}
	}
	if year == 0 {
		// RFC 3339 reads 0000, but STIX tools built on common date
		// libraries cannot represent a year before 1: refuse it here
		// rather than hand on an object that others cannot read.
		return bad("year 0000 is out of range")
	}
	if month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || sec > 59 {
		return bad("field out of range")
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, frac, time.UTC)
	if t.Day() != day {
		return bad("no such day")
	}
	return t, digits, nil
}

// FormatTimestamp formats t as a STIX timestamp in UTC with at least
// millisecond precision ("2016-05-12T08:17:27.000Z"), and more digits only
// where t has them, so that the result parses back to the same instant.
func FormatTimestamp(t time.Time) string {
	t = t.UTC()
	b := make([]byte, 0, 30)
	b = t.AppendFormat(b, "2006-01-02T15:04:05")
	ns := t.Nanosecond()
	digits := 9
	for digits > 3 && ns%10 == 0 {
		ns /= 10
		digits--
	}
	b = append(b, '.')
	b = appendPadded(b, ns, digits)
	return string(append(b, 'Z'))
}

// FormatTAXIITimestamp formats t as TAXII 2.1 formats date_added and the
// X-TAXII-Date-Added headers: UTC with exactly six fractional digits.
func FormatTAXIITimestamp(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000000Z")
}

func appendPadded(b []byte, v, width int) []byte {
	var tmp [9]byte
	for i := width - 1; i >= 0; i-- {
		tmp[i] = byte('0' + v%10)
		v /= 10
	}
	return append(b, tmp[:width]...)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
