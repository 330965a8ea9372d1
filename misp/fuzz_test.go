package misp

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/kizuna-dev/kizuna/stix"
)

// FuzzConvert reads arbitrary bytes as MISP JSON and converts what reads:
// no panic, and every object returned is valid STIX that carries markings.
func FuzzConvert(f *testing.F) {
	files, _ := filepath.Glob("testdata/feed/5*.json")
	more, _ := filepath.Glob("testdata/events/*.json")
	for _, name := range append(files, more...) {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		if len(data) < 40_000 {
			f.Add(data)
		}
	}
	f.Add([]byte(`{"Event":{"uuid":"5e000000-0000-4000-8000-000000000001","date":"2023-01-01","distribution":"4","SharingGroup":{"uuid":"5d7a1f2e-3c4b-4a59-8e6d-1f0a2b3c4d5e"},"Attribute":[{"uuid":"5f000000-0000-4000-8000-000000000001","type":"domain|ip","value":"a.example|10.0.0.1","to_ids":false}],"Object":[{"uuid":"5f000000-0000-4000-8000-000000000002","name":"file","Attribute":[{"type":"size-in-bytes","object_relation":"size-in-bytes","value":"12","to_ids":true}]}]}}`))
	cfg, err := LoadConfig("testdata/mapping.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		evs, err := ReadEvents("fuzz.json", bytes.NewReader(data))
		if err != nil {
			return
		}
		c := NewConverter(cfg)
		for _, ev := range evs {
			objs, err := c.Convert("fuzz.json", ev)
			if err != nil {
				continue
			}
			for _, raw := range objs {
				o, err := stix.Parse(raw)
				if err != nil {
					t.Fatalf("invalid object returned: %v\n%s", err, raw)
				}
				if len(o.MarkingRefs) == 0 {
					t.Fatalf("an object without markings: %s", raw)
				}
			}
		}
	})
}

// FuzzAttribute converts one attribute of any type and value, alone and as
// a member of a grouped object: every object returned is valid STIX (its
// pattern built with proper escaping), and an attribute is either mapped
// or reported.
func FuzzAttribute(f *testing.F) {
	for _, s := range []struct{ typ, rel, value string }{
		{"ip-dst", "ip", "198.51.100.7"}, {"ip-src|port", "ip-src", "10.0.0.1|53"}, {"domain|ip", "domain", "a.example|10.0.0.1"},
		{"filename|sha256", "filename", "a'b\\.exe|e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"regkey|value", "key", `HKLM\Run|C:\x.exe`}, {"AS", "AS", "AS64496"}, {"url", "url", "http://a.example/'"},
		{"x509-fingerprint-sha1", "x509-fingerprint-sha1", "4a:a3:66:76:82:cb:6b:23:bb:c3:58:47:23:a4:63:a7:78:a4:a1:18"},
		{"stix2-pattern", "text", "[ipv4-addr:value = '1.2.3.4']"}, {"mac-address", "mac-src", "00-11-22-33-44-55"},
		{"size-in-bytes", "size-in-bytes", "12"}, {"port", "dst-port", "443"}, {"email-src", "from", "a@b.example"},
	} {
		f.Add(s.typ, s.rel, s.value, true)
	}
	cfg, err := LoadConfig("testdata/mapping.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, typ, rel, value string, toIDS bool) {
		a := Attribute{UUID: "5f000000-0000-4000-8000-000000000001", Type: typ, Value: value, ToIDS: Bool(toIDS),
			ObjectRelation: rel, Timestamp: "1700000000"}
		for _, tmpl := range []string{"", "file", "ip-port", "domain-ip", "email", "network-connection", "registry-key", "x509", "url", "unknown"} {
			ev := &Event{UUID: "5e000000-0000-4000-8000-000000000001", Date: "2023-11-01"}
			if tmpl == "" {
				ev.Attribute = []Attribute{a}
			} else {
				ev.Object = []Object{{UUID: "5f000000-0000-4000-8000-0000000000f1", Name: tmpl, Attribute: []Attribute{a}}}
			}
			c := NewConverter(cfg)
			objs, err := c.Convert("fuzz", ev)
			if err != nil {
				t.Fatal(err)
			}
			for _, raw := range objs {
				if _, err := stix.Parse(raw); err != nil {
					t.Fatalf("%s in %q: invalid object: %v\n%s", typ, tmpl, err, raw)
				}
			}
			if c.Report.MappedCount()+c.Report.NotMappedCount() != c.Report.Attributes {
				t.Fatalf("%s in %q: %d mapped + %d not mapped != %d attributes", typ, tmpl, c.Report.MappedCount(), c.Report.NotMappedCount(), c.Report.Attributes)
			}
		}
	})
}
