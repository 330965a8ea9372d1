package taxii

import (
	"bytes"
	"encoding/json"
	"net/url"
	"testing"
)

// FuzzParseQuery checks that no query string makes the filter parser panic
// or return an out-of-range page size.
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"", "limit=10", "added_after=2016-01-01T00:00:00Z", "match[version]=first,last,2016-01-01T00:00:00.000Z",
		"match[id]=indicator--00000000-0000-4000-8000-000000000000", "match[type]=indicator,malware", "match[spec_version]=2.1", "next=abc"} {
		f.Add(s)
	}
	cfg := Config{}.withDefaults()
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		for _, set := range []filterSet{objectsFilters, objectFilters, versionsFilters, deleteFilters} {
			q, err := parseQuery(v, set, cfg)
			if err != nil {
				continue
			}
			if q.Limit < 1 || q.Limit > cfg.MaxPageSize {
				t.Fatalf("limit %d out of range for %q", q.Limit, raw)
			}
			if len(q.Next) > maxNextLength || len(q.IDs) > maxMatchValues {
				t.Fatalf("unbounded query for %q", raw)
			}
		}
	})
}

// FuzzNext feeds arbitrary cursors; a cursor is accepted only if it is
// bounded printable ASCII.
func FuzzNext(f *testing.F) {
	f.Add("MTIzNDU2")
	f.Add("")
	f.Add("a b")
	cfg := Config{}.withDefaults()
	f.Fuzz(func(t *testing.T, next string) {
		q, err := parseQuery(url.Values{"next": {next}}, objectsFilters, cfg)
		if err == nil && (q.Next != next || !printableASCII(next) || next == "") {
			t.Fatalf("accepted cursor %q as %q", next, q.Next)
		}
	})
}

// FuzzAccept checks the Accept and Content-Type parsers on any header.
func FuzzAccept(f *testing.F) {
	for _, s := range []string{"application/taxii+json;version=2.1", "*/*", "application/taxii+json ; version = 2.1",
		`application/taxii+json;version="2.1";q=0.5, text/html`, "application/json;q=0", ";;,,", `a/b;x="\"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		ok, err := acceptable(h)
		if ok != (err == nil) {
			t.Fatalf("acceptable(%q) = %v, %v", h, ok, err)
		}
		checkContentType(h)
	})
}

// FuzzParseEnvelope checks that any POST body either fails with an error or
// yields objects that are each one JSON object.
func FuzzParseEnvelope(f *testing.F) {
	for _, s := range []string{`{"objects":[]}`, `{"objects":[{"type":"indicator","id":"indicator--00000000-0000-4000-8000-000000000000"}]}`,
		`{"objects":[1]}`, `[]`, `{"objects":{}}`, `{"objects":[{}],"objects":[]}`, `{"Objects":[{}]}`, `{"more":false,"objects":[{},{}]}`, ` {"objects" : [ {"a":[1,2,{"b":null}]} ] } `} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		objs, err := parseEnvelope(body)
		if err != nil {
			return
		}
		for i, o := range objs {
			var m map[string]json.RawMessage
			if !bytes.HasPrefix(o, []byte("{")) || json.Unmarshal(o, &m) != nil {
				t.Fatalf("objects[%d] = %q is not a JSON object", i, o)
			}
			claimedDetail(o)
		}
	})
}
