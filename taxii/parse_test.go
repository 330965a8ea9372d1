package taxii

import (
	"net/http"
	"net/netip"
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
)

func TestParseQuery(t *testing.T) {
	cfg := Config{MaxPageSize: 100, DefaultPageSize: 10}.withDefaults()
	ts := time.Date(2016, 1, 1, 1, 1, 1, 123456789, time.UTC)
	tests := []struct {
		raw     string
		allowed filterSet
		want    query
		err     bool
	}{
		{"", objectsFilters, query{Limit: 10, Versions: kizuna.VersionMatch{Last: true}}, false},
		{"limit=7", objectsFilters, query{Limit: 7, Versions: kizuna.VersionMatch{Last: true}}, false},
		{"limit=1000", objectsFilters, query{Limit: 100, Versions: kizuna.VersionMatch{Last: true}}, false},
		{"limit=%207", objectsFilters, query{Limit: 7, Versions: kizuna.VersionMatch{Last: true}}, false},
		{"added_after=2016-01-01T01:01:01.123456789Z", objectsFilters, query{Limit: 10, AddedAfter: &ts, Versions: kizuna.VersionMatch{Last: true}}, false},
		{"match[version]=all,first", objectsFilters, query{Limit: 10, Versions: kizuna.VersionMatch{All: true}}, false},
		{"match[version]=2016-01-01T01:01:01.123456789Z,last", objectsFilters, query{Limit: 10, Versions: kizuna.VersionMatch{Last: true, At: []time.Time{ts}}}, false},
		{"match[type]=indicator,%20malware&match[type]=x-custom-thing", objectsFilters, query{Limit: 10, Types: []string{"indicator", "malware", "x-custom-thing"}, Versions: kizuna.VersionMatch{Last: true}}, false},
		{"match[spec_version]=2.0,2.1", objectsFilters, query{Limit: 10, SpecVersions: []string{"2.0", "2.1"}, Versions: kizuna.VersionMatch{Last: true}}, false},
		// Filters an endpoint does not honour are ignored, malformed or not.
		{"match[type]=BAD&match[version]=bad&limit=x", deleteFilters &^ fVersion, query{Limit: 10}, false},
		{"match[version]=bad", versionsFilters, query{Limit: 10}, false},
		{"limit=0", objectsFilters, query{}, true},
		{"limit=99999999999999999999", objectsFilters, query{}, true},
		{"added_after=2016-01-01T01:01:01+09:00", objectsFilters, query{}, true},
		{"added_after=", objectsFilters, query{}, true},
		{"match[version]=", objectsFilters, query{}, true},
		{"match[version]=last,", objectsFilters, query{}, true},
		{"match[id]=indicator--1234", objectsFilters, query{}, true},
		{"match[type]=a", objectsFilters, query{}, true},
		{"match[spec_version]=2", objectsFilters, query{}, true},
		{"next=a%20b", objectsFilters, query{}, true},
	}
	for _, tt := range tests {
		v, err := url.ParseQuery(tt.raw)
		if err != nil {
			t.Fatal(err)
		}
		got, err := parseQuery(v, tt.allowed, cfg)
		if tt.err {
			if err == nil || kizuna.ErrorCode(err) != kizuna.EINVALID {
				t.Errorf("%q: err = %v, want EINVALID", tt.raw, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tt.raw, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q:\n got %+v\nwant %+v", tt.raw, got, tt.want)
		}
	}
}

func TestTimestampFormats(t *testing.T) {
	tests := []struct {
		in             time.Time
		added, version string
	}{
		{time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC), "2016-01-01T00:00:00.000000Z", "2016-01-01T00:00:00.000Z"},
		{time.Date(2016, 1, 1, 0, 0, 0, 120_000_000, time.UTC), "2016-01-01T00:00:00.120000Z", "2016-01-01T00:00:00.120Z"},
		{time.Date(2016, 1, 1, 0, 0, 0, 123_456_000, time.UTC), "2016-01-01T00:00:00.123456Z", "2016-01-01T00:00:00.123456Z"},
		{time.Date(2016, 1, 1, 0, 0, 0, 1, time.UTC), "2016-01-01T00:00:00.000000Z", "2016-01-01T00:00:00.000000001Z"},
		{time.Date(2016, 1, 1, 9, 0, 0, 0, time.FixedZone("JST", 9*3600)), "2016-01-01T00:00:00.000000Z", "2016-01-01T00:00:00.000Z"},
	}
	for _, tt := range tests {
		if got := formatDateAdded(tt.in); got != tt.added {
			t.Errorf("formatDateAdded(%v) = %s, want %s", tt.in, got, tt.added)
		}
		if got := formatVersion(tt.in); got != tt.version {
			t.Errorf("formatVersion(%v) = %s, want %s", tt.in, got, tt.version)
		}
		back, err := parseTimestamp(formatVersion(tt.in))
		if err != nil || !back.Equal(tt.in) {
			t.Errorf("version %v does not round-trip: %v %v", tt.in, back, err)
		}
	}
}

func TestRateLimiter(t *testing.T) {
	now := time.Unix(0, 0)
	l := newRateLimiter(2, 2)
	l.now = func() time.Time { return now }
	for i := range 2 {
		if ok, _ := l.allow("a"); !ok {
			t.Fatalf("request %d refused within the burst", i)
		}
	}
	ok, wait := l.allow("a")
	if ok || wait != 500*time.Millisecond {
		t.Fatalf("third request: ok=%v wait=%v, want refused for 500ms", ok, wait)
	}
	if retryAfter(wait) != "1" {
		t.Errorf("Retry-After %s", retryAfter(wait))
	}
	now = now.Add(500 * time.Millisecond)
	if ok, _ := l.allow("a"); !ok {
		t.Errorf("refused after refill")
	}
	if ok, _ := l.allow("b"); !ok {
		t.Errorf("another key is limited")
	}
}

func TestRateLimiterBlockedAndBounded(t *testing.T) {
	now := time.Unix(0, 0)
	l := newRateLimiter(1, 2)
	l.now = func() time.Time { return now }
	l.maxKeys = 2
	if blocked, _ := l.blocked("a"); blocked {
		t.Fatal("an unknown key is blocked")
	}
	l.allow("a")
	l.allow("a")
	if blocked, wait := l.blocked("a"); !blocked || wait != time.Second {
		t.Fatalf("after the burst: blocked=%v wait=%v, want blocked for 1s", blocked, wait)
	}
	if ok, _ := l.allow("b"); !ok {
		t.Fatal("second key refused below the bound")
	}
	// The map is full and neither bucket is full again: a new key is
	// refused, and blocked (fail closed).
	if ok, _ := l.allow("c"); ok {
		t.Fatal("a new key was admitted past the bound")
	}
	if blocked, _ := l.blocked("c"); !blocked {
		t.Fatal("a new key is not blocked while the map is full")
	}
	// Once b has regained its tokens it is forgotten, and c takes its place.
	now = now.Add(time.Second)
	if ok, _ := l.allow("c"); !ok {
		t.Fatal("a new key was refused although an idle one could be dropped")
	}
	if _, kept := l.buckets["b"]; kept {
		t.Error("the idle key was kept")
	}
	if _, kept := l.buckets["a"]; !kept {
		t.Error("a key still short of tokens was dropped")
	}
}

func TestClientAddress(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8:ffff::/48")}
	for _, tt := range []struct {
		remote, forwarded string
		trusted           []netip.Prefix
		want              string
	}{
		{"192.0.2.7:443", "", nil, "192.0.2.7"},
		{"[::ffff:192.0.2.7]:443", "", nil, "192.0.2.7"},
		{"[2001:db8:1:2:3:4:5:6]:443", "", nil, "2001:db8:1:2::/64"},
		{"[2001:db8:1:2:ffff::1]:50000", "", nil, "2001:db8:1:2::/64"},
		{"[2001:db8:1:3::1]:1", "", nil, "2001:db8:1:3::/64"},
		{"not an address", "", nil, "not an address"},
		// Forwarded-for is ignored unless the connection is a trusted proxy.
		{"192.0.2.7:443", "198.51.100.1", nil, "192.0.2.7"},
		{"192.0.2.7:443", "198.51.100.1", proxies, "192.0.2.7"},
		// From a trusted proxy: the last address that is not a proxy.
		{"10.1.1.1:443", "198.51.100.1", proxies, "198.51.100.1"},
		{"10.1.1.1:443", "203.0.113.9, 198.51.100.1, 10.2.2.2", proxies, "198.51.100.1"},
		{"10.1.1.1:443", "2001:db8:5:6::1", proxies, "2001:db8:5:6::/64"},
		{"[2001:db8:ffff:1::1]:443", "198.51.100.1", proxies, "198.51.100.1"},
		// A malformed entry stops the walk at the last good address.
		{"10.1.1.1:443", "198.51.100.1, junk", proxies, "10.1.1.1"},
		{"10.1.1.1:443", "", proxies, "10.1.1.1"},
	} {
		r := &http.Request{RemoteAddr: tt.remote, Header: http.Header{}}
		if tt.forwarded != "" {
			r.Header.Set("X-Forwarded-For", tt.forwarded)
		}
		if got := clientAddress(r, tt.trusted); got != tt.want {
			t.Errorf("clientAddress(%q, X-Forwarded-For %q, %d proxies) = %q, want %q", tt.remote, tt.forwarded, len(tt.trusted), got, tt.want)
		}
	}
}
