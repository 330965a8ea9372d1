package feed

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna"
)

func TestBlocklistsGolden(t *testing.T) {
	for _, l := range Lists {
		t.Run(string(l), func(t *testing.T) {
			var buf bytes.Buffer
			r, err := WriteBlocklist(&buf, objects(corpus(t)...), l, Options{Now: testNow})
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "blocklist-"+string(l)+".txt", buf.Bytes())
			golden(t, "blocklist-"+string(l)+".report", []byte(reportText(r)))
			lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
			if buf.Len() == 0 {
				lines = nil
			}
			if r.Entries != len(lines) {
				t.Errorf("report says %d entries, the list has %d lines", r.Entries, len(lines))
			}
			seen := map[string]bool{}
			for _, v := range lines {
				if seen[v] {
					t.Errorf("%q listed twice", v)
				}
				seen[v] = true
				if err := validListValue(l, v); err != nil {
					t.Errorf("%q: %v", v, err)
				}
			}
		})
	}
}

// validListValue checks that a line is one value of the list's kind.
func validListValue(l List, v string) error {
	switch l {
	case ListIPv4, ListIPv6:
		a, err := netip.ParseAddr(v)
		if err == nil && a.Is4() != (l == ListIPv4) {
			return errWrongFamily
		}
		return err
	case ListCIDR:
		_, err := netip.ParsePrefix(v)
		return err
	case ListDomain:
		_, err := normalizeDomain(v)
		return err
	case ListURL:
		_, err := normalizeURL(v)
		return err
	}
	_, err := normalizeHash(v, map[List]Kind{ListMD5: KindMD5, ListSHA1: KindSHA1, ListSHA256: KindSHA256, ListSHA512: KindSHA512}[l])
	return err
}

var errWrongFamily = kizuna.Errorf(kizuna.EINVALID, "wrong address family")

func TestBlocklistUnknown(t *testing.T) {
	if _, err := WriteBlocklist(&bytes.Buffer{}, objects(), "asn", Options{}); kizuna.ErrorCode(err) != kizuna.EINVALID {
		t.Errorf("unknown list: %v", err)
	}
}

func TestCSVGolden(t *testing.T) {
	cases := []struct {
		name string
		opt  CSVOptions
	}{
		{"default", CSVOptions{}},
		{"all", CSVOptions{Columns: CSVColumns, Observables: true, Formulas: true, LF: true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.opt.Now = testNow
			var buf bytes.Buffer
			r, err := WriteCSV(&buf, objects(corpus(t)...), c.opt)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "csv-"+c.name+".csv", buf.Bytes())
			golden(t, "csv-"+c.name+".report", []byte(reportText(r)))
			// RFC 4180: the records read back, each with every column.
			rd := csv.NewReader(bytes.NewReader(buf.Bytes()))
			recs, err := rd.ReadAll()
			if err != nil {
				t.Fatalf("the CSV does not read back: %v", err)
			}
			cols := c.opt.Columns
			if len(cols) == 0 {
				cols = DefaultCSVColumns
			}
			if !slices.Equal(recs[0], cols) || len(recs)-1 != r.Entries {
				t.Errorf("header %v, %d records; report says %d entries", recs[0], len(recs)-1, r.Entries)
			}
			if c.opt.LF == bytes.Contains(buf.Bytes(), []byte("\r\n")) {
				t.Errorf("line ends: LF %v, found CRLF %v", c.opt.LF, !c.opt.LF)
			}
			for _, rec := range recs[1:] {
				for _, f := range rec {
					if c.opt.Formulas && f != "" && strings.ContainsRune("=+-@", rune(f[0])) {
						t.Errorf("field %q would be a spreadsheet formula", f)
					}
				}
			}
		})
	}
	if _, err := WriteCSV(&bytes.Buffer{}, objects(), CSVOptions{Columns: []string{"id", "secret_sauce"}}); kizuna.ErrorCode(err) != kizuna.EINVALID ||
		!strings.Contains(err.Error(), "secret_sauce") {
		t.Errorf("unknown column: %v", err)
	}
}

func TestMISPGolden(t *testing.T) {
	var buf bytes.Buffer
	opt := MISPOptions{Options: Options{Now: testNow}, Info: "kizuna test feed", OrgName: "JPCERT test"}
	r, err := WriteMISP(&buf, objects(corpus(t)...), opt)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "misp.json", buf.Bytes())
	golden(t, "misp.report", []byte(reportText(r)))
	ev := checkMISPEvent(t, buf.Bytes())
	// The SECRET and 極秘 objects have no MISP tag: left out, not widened.
	for _, s := range r.Skipped {
		if strings.Contains(s.Reason, "no MISP tag") && !strings.Contains(s.Reason, "SECRET") && !strings.Contains(s.Reason, "極秘") {
			t.Errorf("unexpected skip %+v", s)
		}
	}
	for _, a := range ev.Attribute {
		if strings.Contains(a.Value, "classified.example") || strings.Contains(a.Value, "update.example") {
			t.Errorf("an attribute whose marking MISP tags cannot state was exported: %+v", a)
		}
	}
	if len(ev.Tag) != 1 || ev.Tag[0].Name != "tlp:amber" {
		t.Errorf("event tags %v: want the most restrictive TLP of the attributes, tlp:amber", ev.Tag)
	}

	// With tags for the national markings, those objects are exported too.
	opt.Tags = func(l *kizuna.AccessLabel) ([]string, bool) {
		var tags []string
		for _, c := range l.Classifications {
			tags = append(tags, `kizuna:classification="`+c.Scheme+":"+c.Level+`"`)
		}
		for _, n := range l.ReleasableTo {
			tags = append(tags, `kizuna:releasable-to="`+n+`"`)
		}
		for _, c := range l.Communities {
			tags = append(tags, `kizuna:community="`+c+`"`)
		}
		return tags, true
	}
	buf.Reset()
	r2, err := WriteMISP(&buf, objects(corpus(t)...), opt)
	if err != nil {
		t.Fatal(err)
	}
	ev = checkMISPEvent(t, buf.Bytes())
	if r2.Entries <= r.Entries {
		t.Errorf("with tags %d attributes, without %d", r2.Entries, r.Entries)
	}
	var names []string
	for _, tg := range ev.Tag {
		names = append(names, tg.Name)
	}
	if names[0] != "tlp:red" || !slices.Contains(names, `kizuna:classification="USA:SECRET"`) {
		t.Errorf("event tags %v", names)
	}
	for _, a := range ev.Attribute {
		if strings.Contains(a.Value, "classified.example") && !slices.ContainsFunc(a.Tag, func(t mispTag) bool { return t.Name == `kizuna:releasable-to="JPN"` }) {
			t.Errorf("the SECRET attribute lacks its releasability tag: %+v", a)
		}
	}
}

type mispEvent struct {
	UUID, Info, Date, Timestamp, Distribution string
	ThreatLevelID                             string `json:"threat_level_id"`
	Analysis                                  string
	AttributeCount                            string `json:"attribute_count"`
	Published                                 *bool
	Orgc                                      struct{ Name, UUID string }
	Attribute                                 []mispAttribute
	Tag                                       []mispTag
}

// checkMISPEvent checks the fields the MISP core format says an event and
// its attributes must have, with the types it gives them.
func checkMISPEvent(t *testing.T, data []byte) mispEvent {
	t.Helper()
	var doc struct{ Event json.RawMessage }
	if err := json.Unmarshal(data, &doc); err != nil || doc.Event == nil {
		t.Fatalf("not a MISP event document: %v", err)
	}
	var raw map[string]json.RawMessage
	json.Unmarshal(doc.Event, &raw)
	for _, k := range []string{"uuid", "info", "date", "threat_level_id", "analysis", "distribution", "published", "timestamp", "publish_timestamp", "Orgc", "Attribute", "Tag"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("event lacks %s", k)
		}
	}
	var ev mispEvent
	if err := json.Unmarshal(doc.Event, &ev); err != nil {
		t.Fatalf("event fields have the wrong JSON types: %v", err)
	}
	uuids := map[string]bool{}
	for _, a := range ev.Attribute {
		if a.UUID == "" || a.Type == "" || a.Category == "" || a.Value == "" || a.Timestamp == "" || a.Distribution != "5" || len(a.Tag) == 0 {
			t.Errorf("incomplete attribute %+v", a)
		}
		if uuids[a.UUID] {
			t.Errorf("attribute UUID %s twice", a.UUID)
		}
		uuids[a.UUID] = true
		if !slices.Contains(mispCategoryTypes[a.Category], a.Type) {
			t.Errorf("type %s is not valid in category %s", a.Type, a.Category)
		}
	}
	if ev.AttributeCount == "" || ev.Published == nil || *ev.Published {
		t.Errorf("attribute_count %q, published %v", ev.AttributeCount, ev.Published)
	}
	return ev
}

// mispCategoryTypes holds, for the categories the export uses, the types
// the MISP core format allows in them (draft-dulaunoy-misp-core-format,
// "Attribute Attributes", type).
var mispCategoryTypes = map[string][]string{
	"Network activity": {"ip-src", "ip-dst", "ip-dst|port", "ip-src|port", "domain", "url", "stix2-pattern",
		"x509-fingerprint-sha1", "email"},
	"Payload delivery": {"md5", "sha1", "sha256", "sha512", "email", "ip-src", "ip-dst", "domain", "url", "stix2-pattern"},
}
