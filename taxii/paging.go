package taxii

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/kizuna-dev/kizuna"
)

// Bounds on query parameters, so that no request makes the store build an
// unbounded query.
const (
	maxMatchValues = 1000
	maxNextLength  = 2048
)

// filterSet names the query parameters an endpoint honours. Others are
// ignored, as the specification asks of filters a server does not support
// on an endpoint.
type filterSet uint8

const (
	fAddedAfter filterSet = 1 << iota
	fLimit
	fNext
	fID
	fType
	fVersion
	fSpecVersion

	objectsFilters  = fAddedAfter | fLimit | fNext | fID | fType | fVersion | fSpecVersion
	objectFilters   = fAddedAfter | fLimit | fNext | fVersion | fSpecVersion
	versionsFilters = fAddedAfter | fLimit | fNext | fSpecVersion
	deleteFilters   = fVersion | fSpecVersion
)

// query is the parsed filter and paging parameters of a request.
type query struct {
	AddedAfter   *time.Time
	Limit        int
	Next         string
	IDs          []string
	Types        []string
	Versions     kizuna.VersionMatch
	SpecVersions []string
}

var (
	specVersionRE = regexp.MustCompile(`^[0-9]{1,3}\.[0-9]{1,3}$`)
	typeRE        = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,249}$`)
)

// parseQuery parses the parameters in allowed. Every malformed value is an
// EINVALID error naming the parameter and the value, so that the client
// gets 400 and never 500.
func parseQuery(v url.Values, allowed filterSet, cfg Config) (query, error) {
	q := query{Limit: cfg.DefaultPageSize}
	if allowed&fLimit != 0 && v.Has("limit") {
		raw := v.Get("limit")
		n, err := strconv.Atoi(strings.TrimSpace(raw))
		if err != nil || n <= 0 {
			return q, kizuna.Errorf(kizuna.EINVALID, "Query parameter limit: %q is not a positive integer.", truncate(raw, 40))
		}
		q.Limit = min(n, cfg.MaxPageSize)
	}
	if allowed&fAddedAfter != 0 && v.Has("added_after") {
		raw := v.Get("added_after")
		t, err := parseTimestamp(raw)
		if err != nil {
			return q, kizuna.Errorf(kizuna.EINVALID, "Query parameter added_after: %v", err)
		}
		q.AddedAfter = &t
	}
	if allowed&fNext != 0 && v.Has("next") {
		raw := v.Get("next")
		if raw == "" || len(raw) > maxNextLength || !printableASCII(raw) {
			return q, kizuna.Errorf(kizuna.EINVALID, "Query parameter next: %q is not a cursor this server issued.", truncate(raw, 40))
		}
		q.Next = raw
	}
	var err error
	if allowed&fID != 0 {
		if q.IDs, err = matchList(v, "id", validID); err != nil {
			return q, err
		}
	}
	if allowed&fType != 0 {
		if q.Types, err = matchList(v, "type", validType); err != nil {
			return q, err
		}
	}
	if allowed&fSpecVersion != 0 {
		if q.SpecVersions, err = matchList(v, "spec_version", validSpecVersion); err != nil {
			return q, err
		}
	}
	if allowed&fVersion != 0 {
		if q.Versions, err = parseVersionMatch(v); err != nil {
			return q, err
		}
	}
	return q, nil
}

// matchList returns the comma-separated values of match[name], from every
// occurrence of the parameter, each checked by valid.
func matchList(v url.Values, name string, valid func(string) bool) ([]string, error) {
	key := "match[" + name + "]"
	raws, ok := v[key]
	if !ok {
		return nil, nil
	}
	var out []string
	for _, raw := range raws {
		for i, item := range strings.Split(raw, ",") {
			item = strings.TrimSpace(item)
			if !valid(item) {
				return nil, kizuna.Errorf(kizuna.EINVALID, "Query parameter %s: value %d, %q, is not a valid %s.", key, i+1, truncate(item, 80), name)
			}
			out = append(out, item)
			if len(out) > maxMatchValues {
				return nil, kizuna.Errorf(kizuna.EINVALID, "Query parameter %s: more than %d values.", key, maxMatchValues)
			}
		}
	}
	return out, nil
}

// parseVersionMatch parses match[version]: "first", "last", "all" or
// timestamps, comma-separated. Without it, the latest version is selected.
func parseVersionMatch(v url.Values) (kizuna.VersionMatch, error) {
	var m kizuna.VersionMatch
	raws, ok := v["match[version]"]
	if !ok {
		m.Last = true
		return m, nil
	}
	n := 0
	for _, raw := range raws {
		for i, item := range strings.Split(raw, ",") {
			item = strings.TrimSpace(item)
			n++
			if n > maxMatchValues {
				return m, kizuna.Errorf(kizuna.EINVALID, "Query parameter match[version]: more than %d values.", maxMatchValues)
			}
			switch item {
			case "all":
				m.All = true
			case "first":
				m.First = true
			case "last":
				m.Last = true
			default:
				t, err := parseTimestamp(item)
				if err != nil {
					return m, kizuna.Errorf(kizuna.EINVALID, "Query parameter match[version]: value %d: %v; use first, last, all or a timestamp.", i+1, err)
				}
				m.At = append(m.At, t)
			}
		}
	}
	if m.All {
		m = kizuna.VersionMatch{All: true}
	}
	return m, nil
}

// parseTimestamp parses a TAXII timestamp: RFC 3339 in UTC ("Z"), with any
// number of fractional digits.
func parseTimestamp(s string) (time.Time, error) {
	if len(s) > 40 || !strings.HasSuffix(s, "Z") {
		return time.Time{}, kizuna.Errorf(kizuna.EINVALID, "%q is not a TAXII timestamp such as 2016-01-01T01:01:01.000Z (RFC 3339, UTC).", truncate(s, 40))
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || t.Year() < 1 {
		return time.Time{}, kizuna.Errorf(kizuna.EINVALID, "%q is not a TAXII timestamp such as 2016-01-01T01:01:01.000Z (RFC 3339, UTC).", truncate(s, 40))
	}
	return t.UTC(), nil
}

// formatDateAdded renders a date_added with exactly six fractional digits:
// the store keeps microseconds, and a fixed width keeps the strings in the
// same order as the instants.
func formatDateAdded(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000000Z")
}

// formatVersion renders an object version with the fewest fractional digits
// (at least three, as STIX writes them) that keep the instant exact, so that
// a client can pass it back in match[version].
func formatVersion(t time.Time) string {
	t = t.UTC()
	switch ns := t.Nanosecond(); {
	case ns%1_000_000 == 0:
		return t.Format("2006-01-02T15:04:05.000Z")
	case ns%1_000 == 0:
		return t.Format("2006-01-02T15:04:05.000000Z")
	}
	return t.Format("2006-01-02T15:04:05.000000000Z")
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// validID accepts a STIX identifier: a type, "--" and a UUID.
func validID(s string) bool {
	typ, uuid, ok := strings.Cut(s, "--")
	return ok && validType(typ) && validUUID(uuid)
}

func validType(s string) bool { return len(s) >= 3 && typeRE.MatchString(s) }

func validSpecVersion(s string) bool { return specVersionRE.MatchString(s) }

// validUUID accepts the canonical 8-4-4-4-12 hexadecimal form.
func validUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}
