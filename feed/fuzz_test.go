package feed

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/pattern"
)

// FuzzTranslate feeds patterns to the translator and every exporter: no
// panic, every rule generated passes the grammar checker in both dialects,
// the MISP event is JSON, and each value in a blocklist is one of its kind.
func FuzzTranslate(f *testing.F) {
	for _, o := range corpus(f) {
		if o.Type == "indicator" {
			var ind indicator
			json.Unmarshal(o.Raw, &ind)
			f.Add(ind.Pattern, ind.Name)
		}
	}
	f.Add("[url:value = 'http://[::1]:80/x']", "v6 url")
	f.Add("[url:value = 'https://a.example:0/']", "port 0")
	f.Add("[domain-name:value = '"+strings.Repeat("a", 63)+".example']", "long label")
	f.Add("[network-traffic:dst_ref.value = '10.0.0.1' AND network-traffic:dst_port = 65535]", "")
	f.Fuzz(func(t *testing.T, src, name string) {
		p, err := pattern.Parse(src)
		if err != nil {
			return
		}
		tr, err := Translate(p)
		if err == nil && len(tr.Observables) == 0 {
			t.Fatalf("%q: translated to nothing without an error", src)
		}
		pj, _ := json.Marshal(src)
		nj, _ := json.Marshal(name)
		raw := `{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-3333-4333-8333-333333333333","created":"2026-03-01T00:00:00.000Z","modified":"2026-03-01T00:00:00.000Z","name":` +
			string(nj) + `,"pattern":` + string(pj) + `,"pattern_type":"stix","valid_from":"2026-03-01T00:00:00Z"}`
		o := &kizuna.Object{ID: "indicator--00000000-3333-4333-8333-333333333333", Type: "indicator", SpecVersion: "2.1",
			Raw: json.RawMessage(raw), Label: testLabels["gokuhi"], LabelID: 4}
		for _, d := range []Dialect{Suricata, Snort} {
			var buf bytes.Buffer
			set, err := WriteRules(&buf, objects(o), RuleOptions{Dialect: d})
			if err != nil {
				if json.Valid([]byte(raw)) {
					t.Fatalf("%s: %v", d, err)
				}
				return
			}
			if err := CheckRules(d, bytes.NewReader(buf.Bytes())); err != nil {
				t.Fatalf("%q: %s rules fail the grammar check: %v\n%s", src, d, err, buf.String())
			}
			if set.Report.Entries > 0 && set.Report.SkippedCount > 0 {
				t.Fatalf("%q: both written and skipped", src)
			}
		}
		var buf bytes.Buffer
		if _, err := WriteMISP(&buf, objects(o), MISPOptions{Tags: func(*kizuna.AccessLabel) ([]string, bool) { return []string{"x"}, true }}); err != nil {
			t.Fatal(err)
		}
		if !json.Valid(buf.Bytes()) {
			t.Fatalf("%q: MISP event is not JSON:\n%s", src, buf.String())
		}
		for _, l := range Lists {
			buf.Reset()
			if _, err := WriteBlocklist(&buf, objects(o), l, Options{}); err != nil {
				t.Fatal(err)
			}
			for _, v := range strings.Fields(buf.String()) {
				if err := validListValue(l, v); err != nil {
					t.Fatalf("%q: %s list holds %q: %v", src, l, v, err)
				}
			}
		}
	})
}
