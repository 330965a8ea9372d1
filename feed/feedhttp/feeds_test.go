package feedhttp

import (
	"reflect"
	"strings"
	"testing"
)

// Errors name the file and the entry.
func TestParseFeedsErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`{"feeds":[{"name":"a","collection":"c","format":"yara"}]}`, `feeds.json: feeds[0]: feed a: format "yara"`},
		{`{"feeds":[{"name":"a","collection":"c","format":"csv","colums":["id"]}]}`, `feeds.json: feeds: json: unknown field "colums"`},
		{`{"feeds":[{"name":"../x","collection":"c","format":"csv"}]}`, `feeds.json: feeds[0]: name "../x"`},
		{`{"feeds":[{"name":"a","collection":"c","format":"csv"},{"name":"a","collection":"d","format":"snort"}]}`, `feeds.json: feeds[1]: a second entry named "a"`},
		{`{"feeds":[{"name":"a","collection":"c","format":"blocklist-cidr","action":"drop"}]}`, `feeds.json: feeds[0]: feed a: sid range, action and subdomains apply to suricata and snort rules`},
		{`{"feeds":[{"name":"a","collection":"c","format":"suricata","sid_range":"5-1"}]}`, `feeds.json: feeds[0]: feed a: sid range "5-1"`},
		{`{"feds":[]}`, `feeds.json: unknown key "feds"`},
		{`{"feeds":[{"name":"a","collection":"c","format":"blocklist-url","search":{"types":["malware"]}}]}`, `feeds.json: feeds[0]: feed a: --type "malware": blocklist-url takes indicators only`},
		{`{"feeds":[{"name":"a","collection":"c","format":"csv","search":{"modified_since":"soon"}}]}`, `feeds.json: feeds[0]: feed a: --modified-since "soon"`},
		{`{"feeds":[{"name":"a","collection":"c","format":"csv","search":{"label":["x"]}}]}`, `feeds.json: feeds: json: unknown field "label"`},
	} {
		_, err := ParseFeeds("feeds.json", []byte(c.in))
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q...", c.in, err, c.want)
		}
	}
}

// FuzzParseFeeds: no input panics, and what parses writes back to the same
// feeds.
func FuzzParseFeeds(f *testing.F) {
	f.Add([]byte(`{"feeds":[{"name":"rules","collection":"energy","format":"suricata","sid_range":"1000-2000","action":"drop","subdomains":true}]}`))
	f.Add([]byte(`{"feeds":[{"name":"c","collection":"x","format":"csv","columns":["id","value"],"observables":true,"valid_now":true}]}`))
	f.Add([]byte(`{"feeds":[{"name":"m","collection":"x","format":"misp","misp_info":"t","misp_tags":{"TLP:AMBER // USA SECRET":["x:y"]}}]}`))
	f.Add([]byte(`{"feeds":[{"name":"s","collection":"x","format":"csv","observables":true,"search":{"types":["indicator","domain-name"],"labels":["phishing"],"markings":["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"],"created_by":"identity--11111111-1111-4111-8111-111111111111","modified_since":"720h"}}]}`))
	f.Add([]byte(`{"feeds":[{"name":"s","collection":"x","format":"snort","search":{"types":[],"modified_since":"2026-01-31T00:00:00Z"}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		feeds, err := ParseFeeds("feeds.json", data)
		if err != nil {
			return
		}
		b, err := MarshalFeeds(feeds)
		if err != nil {
			t.Fatal(err)
		}
		again, err := ParseFeeds("feeds.json", b)
		if err != nil {
			t.Fatalf("written feeds do not parse: %v\n%s", err, b)
		}
		if len(again) != len(feeds) || len(feeds) > 0 && !reflect.DeepEqual(normal(again), normal(feeds)) {
			t.Fatalf("round trip changed the feeds:\n%+v\n%+v", feeds, again)
		}
	})
}

// normal sorts feeds by name, as MarshalFeeds writes them, with empty
// lists as nil.
func normal(fs []Feed) map[string]Feed {
	m := map[string]Feed{}
	for _, f := range fs {
		if len(f.Columns) == 0 {
			f.Columns = nil
		}
		if len(f.MISPTags) == 0 {
			f.MISPTags = nil
		}
		if f.Search != nil {
			s := *f.Search
			for _, l := range []*[]string{&s.Types, &s.Labels, &s.Markings} {
				if len(*l) == 0 {
					*l = nil
				}
			}
			f.Search = &s
		}
		m[f.Name] = f
	}
	return m
}

func TestMarkingsTrailerRoundTrip(t *testing.T) {
	in := []string{"TLP:AMBER // JPN 極秘 // REL TO JPN, USA", "TLP:GREEN", "a,b%c+d"}
	got, err := DecodeMarkings(encodeMarkings(in))
	if err != nil || !reflect.DeepEqual(got, in) {
		t.Errorf("%q: %q, %v", in, got, err)
	}
	for _, c := range encodeMarkings(in) {
		if c > 0x7e || c < 0x20 {
			t.Fatalf("the trailer holds %q, not printable ASCII", c)
		}
	}
}
