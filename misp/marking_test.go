package misp

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna/pattern"
)

const (
	orgOnly   = "marking-definition--7a1c0e52-1d2e-4f3a-9b8c-0a1b2c3d4e01"
	community = "marking-definition--7a1c0e52-1d2e-4f3a-9b8c-0a1b2c3d4e02"
	sgMarking = "marking-definition--7a1c0e52-1d2e-4f3a-9b8c-0a1b2c3d4e03"
	papRed    = "marking-definition--7a1c0e52-1d2e-4f3a-9b8c-0a1b2c3d4e04"
	fallback  = "marking-definition--7a1c0e52-1d2e-4f3a-9b8c-0a1b2c3d4e09"
)

// event reads a MISP event written in a test.
func event(t *testing.T, js string) *Event {
	t.Helper()
	evs, err := ReadEvents("test.json", strings.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	return evs[0]
}

// convert converts and indexes the objects by their MISP UUID (the
// external reference) or their type for observables.
func convert(t *testing.T, c *Converter, ev *Event) map[string]map[string]any {
	t.Helper()
	objs, err := c.Convert("test.json", ev)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]any{}
	for _, raw := range objs {
		var o map[string]any
		json.Unmarshal(raw, &o)
		key := o["type"].(string)
		if refs, ok := o["external_references"].([]any); ok {
			for _, r := range refs {
				if r.(map[string]any)["source_name"] == "misp" {
					key = r.(map[string]any)["external_id"].(string)
				}
			}
		}
		out[key] = o
	}
	return out
}

func markingsOf(o map[string]any) []string {
	var out []string
	for _, m := range o["object_marking_refs"].([]any) {
		out = append(out, m.(string))
	}
	return out
}

const uuidA = "5f000000-0000-4000-8000-00000000000a"

func attr(uuid, typ, value, extra string) string {
	return `{"uuid":"` + uuid + `","type":"` + typ + `","category":"Network activity","value":` + jsonString(value) + `,"to_ids":true,"timestamp":"1700000000"` + extra + `}`
}

func jsonString(s string) string { b, _ := json.Marshal(s); return string(b) }

func TestMarkingsNeverWiden(t *testing.T) {
	c := testConverter(t)
	ev := event(t, `{"Event":{"uuid":"5e000000-0000-4000-8000-000000000001","info":"t","date":"2023-11-01","distribution":"3","timestamp":"1700000000",
	 "Tag":[{"name":"tlp:green"}],
	 "Attribute":[`+strings.Join([]string{
		attr("5f000000-0000-4000-8000-000000000001", "ip-dst", "198.51.100.1", ""),
		attr("5f000000-0000-4000-8000-000000000002", "ip-dst", "198.51.100.2", `,"distribution":"0"`),
		attr("5f000000-0000-4000-8000-000000000003", "ip-dst", "198.51.100.3", `,"distribution":"2"`),
		attr("5f000000-0000-4000-8000-000000000004", "ip-dst", "198.51.100.4", `,"distribution":"4","SharingGroup":{"uuid":"5D7A1F2E-3C4B-4A59-8E6D-1F0A2B3C4D5E","name":"energy ISAC"}`),
		attr("5f000000-0000-4000-8000-000000000005", "ip-dst", "198.51.100.5", `,"distribution":"4","SharingGroup":{"uuid":"00000000-0000-4000-8000-000000000000","name":"unknown"}`),
		attr("5f000000-0000-4000-8000-000000000006", "ip-dst", "198.51.100.6", `,"distribution":"4"`),
		attr("5f000000-0000-4000-8000-000000000007", "ip-dst", "198.51.100.7", `,"Tag":[{"name":"tlp:red"}]`),
		attr("5f000000-0000-4000-8000-000000000008", "ip-dst", "198.51.100.8", `,"Tag":[{"name":"tlp:ex:chr"}]`),
		attr("5f000000-0000-4000-8000-000000000009", "ip-dst", "198.51.100.9", `,"Tag":[{"name":"PAP:RED"},{"name":"osint:source-type=\"blog-post\""}]`),
		attr("5f000000-0000-4000-8000-000000000010", "ip-dst", "198.51.100.10", `,"Tag":[{"name":"pap:white"}]`),
		attr("5f000000-0000-4000-8000-000000000011", "ip-dst", "198.51.100.11", `,"distribution":"5"`),
		attr("5f000000-0000-4000-8000-000000000012", "ip-dst", "198.51.100.12", `,"distribution":"9"`),
	}, ",")+`],
	 "Object":[{"uuid":"5f000000-0000-4000-8000-0000000000f1","name":"ip-port","distribution":"5","timestamp":"1700000000","Attribute":[
		{"uuid":"5f000000-0000-4000-8000-0000000000f2","type":"ip-dst","object_relation":"ip","value":"198.51.100.20","to_ids":true,"distribution":"0"},
		{"uuid":"5f000000-0000-4000-8000-0000000000f3","type":"port","object_relation":"dst-port","value":"443","to_ids":false}]}]}}`)
	objs := convert(t, c, ev)
	want := map[string][]string{
		"5f000000-0000-4000-8000-000000000001": {tlpGreen},
		"5f000000-0000-4000-8000-000000000002": {orgOnly, tlpGreen},
		"5f000000-0000-4000-8000-000000000004": {sgMarking, tlpGreen},
		"5f000000-0000-4000-8000-000000000007": {tlpGreen, tlpRed},
		"5f000000-0000-4000-8000-000000000009": {papRed, tlpGreen},
		"5f000000-0000-4000-8000-000000000011": {tlpGreen},
		"5f000000-0000-4000-8000-0000000000f1": {orgOnly, tlpGreen},
	}
	for uuid, ms := range want {
		o := objs[uuid]
		if o == nil {
			t.Errorf("%s: not converted", uuid)
			continue
		}
		got := markingsOf(o)
		want := slices.Clone(ms)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: markings %v, want %v", uuid, got, want)
		}
	}
	for _, uuid := range []string{"5f000000-0000-4000-8000-000000000003", "5f000000-0000-4000-8000-000000000005",
		"5f000000-0000-4000-8000-000000000006", "5f000000-0000-4000-8000-000000000008",
		"5f000000-0000-4000-8000-000000000010", "5f000000-0000-4000-8000-000000000012"} {
		if objs[uuid] != nil {
			t.Errorf("%s: imported, though its marking does not map: %v", uuid, markingsOf(objs[uuid]))
		}
	}
	if c.Report.Refused != 6 {
		t.Errorf("refused %d, want 6", c.Report.Refused)
	}
	var reasons []string
	for _, p := range c.Report.Problems {
		reasons = append(reasons, p.String())
	}
	all := strings.Join(reasons, "\n")
	for _, want := range []string{
		"Attribute[2]: ip-dst \"198.51.100.3\": distribution 2 (connected communities) has no marking in the mapping",
		"Attribute[4]: ip-dst \"198.51.100.5\": the sharing group 00000000-0000-4000-8000-000000000000 (unknown) has no marking",
		"Attribute[5]: ip-dst \"198.51.100.6\": distribution 4 (sharing group) without the sharing group's UUID",
		"Attribute[7]: ip-dst \"198.51.100.8\": the tag tlp:ex:chr restricts sharing and has no marking",
		"Attribute[9]: ip-dst \"198.51.100.10\": the tag pap:white restricts sharing",
		"Attribute[11]: ip-dst \"198.51.100.12\": distribution 9 is not a MISP distribution level",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("no problem %q in\n%s", want, all)
		}
	}
	if l := objs["5f000000-0000-4000-8000-000000000009"]["labels"]; l == nil || l.([]any)[0] != `osint:source-type="blog-post"` {
		t.Errorf("labels %v", l)
	}

	// With a fallback, what does not map is imported under it, with every
	// other marking it has.
	c.cfg.Fallback = []string{fallback}
	c.Report = NewReport()
	objs = convert(t, c, ev)
	for _, uuid := range []string{"5f000000-0000-4000-8000-000000000003", "5f000000-0000-4000-8000-000000000008"} {
		if got := markingsOf(objs[uuid]); !slices.Contains(got, fallback) || !slices.Contains(got, tlpGreen) {
			t.Errorf("%s: markings %v: want the fallback and the event's", uuid, got)
		}
	}
	if c.Report.Refused != 0 || c.Report.Restricted != 6 {
		t.Errorf("refused %d, restricted %d", c.Report.Refused, c.Report.Restricted)
	}
}

// An event whose own distribution does not map gives nothing at all.
func TestEventRefused(t *testing.T) {
	c := testConverter(t)
	ev := event(t, `{"Event":{"uuid":"5e000000-0000-4000-8000-000000000002","info":"t","date":"2023-11-01","distribution":"2","timestamp":"1700000000",
	 "Attribute":[`+attr(uuidA, "domain", "a.example", "")+`],"Galaxy":[{"type":"threat-actor","GalaxyCluster":[{"uuid":"5f000000-0000-4000-8000-0000000000c1","value":"APT0"}]}]}}`)
	objs, err := c.Convert("t.json", ev)
	if err != nil || len(objs) != 0 {
		t.Fatalf("%d objects, %v", len(objs), err)
	}
	if c.Report.Refused != 1 || c.Report.GalaxyNotMapped["threat-actor"] != 1 {
		t.Errorf("%+v", c.Report)
	}
}

// Values with quotes and backslashes are escaped: the pattern validates and
// its literal reads back as the value.
func TestPatternEscaping(t *testing.T) {
	c := testConverter(t)
	values := []string{`it's a 'file'.exe`, `C:\Users\x\AppData\Roaming\a.exe`, `\'`, `trailing\`, "日本語'\\"}
	var attrs []string
	for i, v := range values {
		attrs = append(attrs, attr("5f000000-0000-4000-8000-00000000010"+string(rune('0'+i)), "filename", v, ""))
	}
	ev := event(t, `{"Event":{"uuid":"5e000000-0000-4000-8000-000000000003","info":"t","date":"2023-11-01","distribution":"0","Attribute":[`+strings.Join(attrs, ",")+`]}}`)
	objs := convert(t, c, ev)
	for i, v := range values {
		o := objs["5f000000-0000-4000-8000-00000000010"+string(rune('0'+i))]
		if o == nil {
			t.Errorf("%q: not converted: %v", v, c.Report.Problems)
			continue
		}
		p, err := pattern.Validate(o["pattern"].(string), pattern.V21)
		if err != nil {
			t.Errorf("%q: %v", v, err)
			continue
		}
		if got := p.Leaves[0].Expr.(*pattern.Comparison).Value.Str; got != v {
			t.Errorf("pattern %s reads back %q, want %q", o["pattern"], got, v)
		}
	}
}

// A deleted attribute for detection becomes a revoked indicator, so that a
// new import withdraws what an earlier one brought.
func TestDeletedAttributeRevokes(t *testing.T) {
	c := testConverter(t)
	ev := event(t, `{"Event":{"uuid":"5e000000-0000-4000-8000-000000000004","info":"t","date":"2023-11-01","distribution":"0","Attribute":[`+
		`{"uuid":"`+uuidA+`","type":"domain","value":"gone.example","to_ids":true,"deleted":true,"timestamp":"1700000500"}]}}`)
	o := convert(t, c, ev)[uuidA]
	if o == nil || o["revoked"] != true || o["modified"] != "2023-11-14T22:21:40.000Z" {
		t.Errorf("%v", o)
	}
}
