package exercise_test

import (
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna/exercise"
)

// TestExampleScenario: the shipped US–Japan scenario passes validation and
// has text in Japanese and English throughout.
func TestExampleScenario(t *testing.T) {
	ex, err := exercise.LoadScenario(exercise.Defaults, exercise.ExampleScenario)
	if err != nil {
		t.Fatal(err)
	}
	if len(ex.Injects) != 4 || len(ex.Participants) != 5 {
		t.Errorf("%d injects, %d participants", len(ex.Injects), len(ex.Participants))
	}
	for _, in := range ex.Injects {
		if in.Title["ja"] == "" || in.Title["en"] == "" || in.Description["ja"] == "" || in.Description["en"] == "" {
			t.Errorf("%s: title and description need Japanese and English", in.ID)
		}
	}
	for _, p := range ex.Participants {
		if p.Name["ja"] == "" || p.Name["en"] == "" {
			t.Errorf("%s: name needs Japanese and English", p.ID)
		}
	}
	if !strings.Contains(ex.Name["ja"], "黒潮") {
		t.Errorf("name %v", ex.Name)
	}
}

// TestScenarioErrors: each problem of a scenario file is reported with the
// file name and its JSON path, all of them at once.
func TestScenarioErrors(t *testing.T) {
	base, err := exercise.Defaults.ReadFile(exercise.ExampleScenario)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		old, new string
		want     []string
	}{
		{"unknown property", `"control": "joint-control",`, `"control": "joint-control", "contol": 1,`, []string{"s.json: $.contol: is not a property defined here"}},
		{"wrong type", `"duration": "72h"`, `"duration": 72`, []string{"s.json: $.duration: must be a duration"}},
		{"bad duration", `"at": "6h"`, `"at": "six hours"`, []string{`s.json: $.injects[2].at: "six hours" is not a duration`}},
		{"duplicate key", `"version": "2026-12-07",`, `"version": "2026-12-07", "version": "x",`, []string{"s.json: $.version: appears twice"}},
		{"unknown recipient", `"to": ["jpn-ncco", "jpn-port-isac"]`, `"to": ["jpn-ncco", "kor-kisa"]`,
			[]string{`s.json: $.injects[0].to[1]: "kor-kisa" is not a participant`, `s.json: $.injects[0].expect[0].by[1]: "jpn-port-isac" does not receive`}},
		{"invalid STIX", `"pattern": "[ipv4-addr:value = '203.0.113.45']"`, `"pattern": "[ipv4-addr:value = ]"`,
			[]string{"s.json: $.injects[0].objects[1].pattern: "}},
		{"marking in an inject", `"name": "BLACKTIDE", "is_family": true,`, `"name": "BLACKTIDE", "is_family": true, "object_marking_refs": ["marking-definition--00000000-0000-4000-8000-000000000000"],`,
			[]string{"s.json: $.injects[0].objects[0].object_marking_refs[0]: marking-definition--00000000-0000-4000-8000-000000000000: an inject object may carry TLP markings only"}},
		{"assessment of a report", `"object": "incident--f903b045-1ffc-45b1-8b1e-9215870af60c"`, `"object": "report--789cf328-dca3-4c6b-a5e7-fccb4b3a0b00"`,
			[]string{"s.json: $.injects[3].expect[1].object: report--789cf328-dca3-4c6b-a5e7-fccb4b3a0b00 is a report; consult-close concerns an incident"}},
		{"control evaluated", `{"action": "read", "by": ["jpn-ncco", "usa-nccc"], "within": "1h"}`, `{"action": "read", "by": ["joint-control"], "within": "1h"}`,
			[]string{`s.json: $.injects[3].expect[0].by[0]: "joint-control" is a control; only players are evaluated`}},
		{"bad incident extension", `"actor_characterization": "criminal"`, `"actor_characterization": "gang"`,
			[]string{"s.json: $.injects[1].objects[0]: incident--f903b045-1ffc-45b1-8b1e-9215870af60c: $.extensions['extension-definition--24d52822-20a1-4bf2-97ca-1018826ff47a'].actor_characterization"}},
		{"missing language", `"title": {"en": "A claim of state backing", "ja": "国家の関与を示唆する声明"}`, `"title": {"english": "x"}`,
			[]string{`s.json: $.injects[3].title.english: "english" is not a language tag`}},
		{"trailing data", "\n}\n", "\n}\n{}", []string{"s.json: $: one JSON value expected; trailing data"}},
	}
	for _, c := range cases {
		data := strings.Replace(string(base), c.old, c.new, 1)
		if data == string(base) {
			t.Fatalf("%s: the replacement did not apply", c.name)
		}
		_, err := exercise.ParseScenario([]byte(data), "s.json")
		if err == nil {
			t.Errorf("%s: accepted", c.name)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error\n%v\nlacks\n%s", c.name, err, w)
			}
		}
	}
}
