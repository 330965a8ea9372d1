package misp

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna/pattern"
	"github.com/kizuna-dev/kizuna/stix"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

func golden(tb testing.TB, name string, got []byte) {
	tb.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, got, 0o644); err != nil {
			tb.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("%v (run the test with -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		tb.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func testConverter(tb testing.TB) *Converter {
	tb.Helper()
	cfg, err := LoadConfig("testdata/mapping.json")
	if err != nil {
		tb.Fatal(err)
	}
	return NewConverter(cfg)
}

// convertTestdata converts the feed and the galaxy event and returns every
// object, one JSON document a line, and the report.
func convertTestdata(t *testing.T) ([]byte, *Report) {
	t.Helper()
	c := testConverter(t)
	var out bytes.Buffer
	add := func(objs []json.RawMessage) {
		for _, o := range objs {
			out.Write(o)
			out.WriteByte('\n')
		}
	}
	err := ReadFeed(os.DirFS("testdata/feed"), func(file string, ev *Event) error {
		objs, err := c.Convert(file, ev)
		add(objs)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open("testdata/events/5acc88e9-265c-4f22-9d2b-b702950d210f.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	evs, err := ReadEvents("events/5acc88e9-265c-4f22-9d2b-b702950d210f.json", f)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := c.Convert("events/5acc88e9-265c-4f22-9d2b-b702950d210f.json", evs[0])
	if err != nil {
		t.Fatal(err)
	}
	add(objs)
	return out.Bytes(), c.Report
}

// The real CIRCL OSINT events convert to valid STIX, the same bytes every
// time, with the counts and the objects of the golden files.
func TestConvertRealEvents(t *testing.T) {
	got, rep := convertTestdata(t)
	var rb bytes.Buffer
	rep.WriteTo(&rb)
	golden(t, "osint.report", rb.Bytes())
	// The objects of the smallest event (the Xorist ransomware) in full.
	var xorist []byte
	for _, line := range bytes.SplitAfter(got, []byte("\n")) {
		if bytes.Contains(line, []byte(`"created":"2016-08-29T00:00:00.000Z"`)) {
			xorist = append(xorist, line...)
		}
	}
	golden(t, "xorist.jsonl", xorist)
	again, _ := convertTestdata(t)
	if !bytes.Equal(got, again) {
		t.Error("a second conversion gave other bytes")
	}
	ids := map[string]bool{}
	for _, line := range bytes.Split(bytes.TrimSpace(got), []byte("\n")) {
		o, err := stix.Parse(line)
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		if ids[o.ID] {
			t.Errorf("%s written twice", o.ID)
		}
		ids[o.ID] = true
		var f struct {
			Pattern     string   `json:"pattern"`
			PatternType string   `json:"pattern_type"`
			Markings    []string `json:"object_marking_refs"`
		}
		json.Unmarshal(line, &f)
		if f.PatternType == "stix" {
			if _, err := pattern.Validate(f.Pattern, pattern.V21); err != nil {
				t.Errorf("%s: pattern %s: %v", o.ID, f.Pattern, err)
			}
		}
		// Every object carries the event's markings: the feed's events have
		// no distribution and are read as level 0 (organisation only), the
		// galaxy event has distribution 3 (TLP:GREEN in the mapping); all
		// are tagged tlp:white.
		dist := "marking-definition--7a1c0e52-1d2e-4f3a-9b8c-0a1b2c3d4e01"
		if bytes.Contains(line, []byte("2018-04-09T00:00:00.000Z")) {
			dist = tlpGreen
		}
		if !strings.Contains(string(line), dist) || !strings.Contains(string(line), tlpClear) {
			t.Errorf("%s lacks the event's markings: %v", o.ID, f.Markings)
		}
	}
	if rep.Events != 4 || rep.MappedCount() < 150 || rep.Output["report"] != 4 {
		t.Errorf("report: %d events, %d mapped, %d reports", rep.Events, rep.MappedCount(), rep.Output["report"])
	}
	if rep.MappedCount()+rep.NotMappedCount() != rep.Attributes {
		t.Errorf("mapped %d + not mapped %d != attributes %d", rep.MappedCount(), rep.NotMappedCount(), rep.Attributes)
	}
}
