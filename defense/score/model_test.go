package score_test

import (
	"fmt"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/defense/score"
)

func mustDefault(t *testing.T) *score.Model {
	t.Helper()
	data, err := os.ReadFile("../defaults/scoring/nciss-notional.json")
	if err != nil {
		t.Fatal(err)
	}
	m, err := score.Load(data, "nciss-notional.json")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestScoreNotionalNCISS computes the notional NCISS score by hand for a
// destructive OT incident and checks the model agrees.
func TestScoreNotionalNCISS(t *testing.T) {
	m := mustDefault(t)
	f := &kizuna.IncidentFacts{
		FunctionalImpact:      "denial-critical",                                         // 100 × 6
		ObservedActivity:      "effect",                                                  // 100 × 5
		ActivityLocation:      "critical-systems",                                        // 90 × 4
		ActorCharacterization: "apt-targeted",                                            // 100 × 4
		InformationImpact:     "destruction-critical",                                    // 100 × 2
		Recoverability:        "extended",                                                // 60 × 4
		Sectors:               []string{"jp.ports", "us.transportation", "au.transport"}, // 75 × 3
		PotentialImpact:       "high",                                                    // 75 × 6
	}
	s, err := m.Score(f)
	if err != nil {
		t.Fatal(err)
	}
	sum := 600.0 + 500 + 360 + 400 + 200 + 240 + 225 + 450
	minP := 0.0 + 0 + 0 + 4*20 + 0 + 0 + 3*15 + 0
	maxP := 100.0 * (6 + 5 + 4 + 4 + 2 + 4 + 3 + 6)
	want := math.Round(100*(100*(sum-minP)/(maxP-minP))) / 100
	if s.Score != want {
		t.Fatalf("score %v, want %v", s.Score, want)
	}
	if s.Level != 4 || s.LevelName != "Severe" {
		t.Errorf("level %d %q, want 4 Severe (score %v)", s.Level, s.LevelName, s.Score)
	}
	if got := s.Categories[6]; got.Value != 75 || len(got.Options) != 1 || got.Options[0] != "us.transportation" {
		t.Errorf("cross-sector category = %+v", got)
	}
}

// TestScoreRecomputesFromFacts: a lower functional impact lowers the
// score, and a category the facts leave unanswered counts at its lowest
// value and says so.
func TestScoreRecomputesFromFacts(t *testing.T) {
	m := mustDefault(t)
	f := &kizuna.IncidentFacts{FunctionalImpact: "denial-critical", ObservedActivity: "effect"}
	hi, err := m.Score(f)
	if err != nil {
		t.Fatal(err)
	}
	f.FunctionalImpact = "minimal-non-critical"
	lo, err := m.Score(f)
	if err != nil {
		t.Fatal(err)
	}
	if !(lo.Score < hi.Score) {
		t.Errorf("lower impact scored %v, not below %v", lo.Score, hi.Score)
	}
	if !lo.Categories[3].Unanswered || lo.Categories[3].Value != 20 {
		t.Errorf("actor category = %+v, want unanswered at its lowest value 20", lo.Categories[3])
	}
}

const oneCategory = `{"id":"t","name":"t","nation":"JPN","version":"1","equation":%q,
 "categories":[{"id":"c","name":"c","weight":1,"fact":"potential_impact","options":[
  {"id":"minimal","label":"a","value":0},{"id":"low","label":"b","value":130},{"id":"high","label":"c","value":260}]}],
 "bands":[{"level":0,"name":"Baseline","min":0},{"level":1,"name":"Low","min":50}]}`

func sprintf(format string, args ...any) string {
	return strings.TrimSpace(fmt.Sprintf(format, args...))
}

// TestLoadRejects checks that a broken model fails to load with the file
// and the JSON path of each problem.
func TestLoadRejects(t *testing.T) {
	cases := []struct {
		name, json string
		want       []string
	}{
		{"unknown property", `{"id":"x","colour":"red"}`, []string{`m.json: $: unknown property "colour"`}},
		{"wrong type", `{"id":"x","categories":[{"weight":"six"}]}`, []string{"m.json: $.categories.weight: expected float64"}},
		{"bad category", `{"id":"x","nation":"Japan","version":"1","equation":"sum",
		  "categories":[{"id":"a","weight":-1,"fact":"colour","aggregate":"median","options":[{"id":"o","value":1},{"id":"o","value":2}]}],
		  "bands":[{"level":0,"name":"B","min":10}]}`,
			[]string{"m.json: $.nation: \"Japan\" is not", "$.categories[0].weight: must be a positive number",
				`$.categories[0].fact: "colour" is not an incident fact`, `$.categories[0].aggregate: "median" is not one of`,
				`$.categories[0].options[1].id: must be present and select one option only, not "o"`,
				"$.bands: no band starts at 0 or below"}},
		{"equation does not compile", sprintf(oneCategory, "100.0 *\n (sum - minimum)"),
			[]string{"m.json: $.equation: 2:9: undeclared reference to 'minimum'"}},
		{"equation not a number", sprintf(oneCategory, "sum > 1.0"),
			[]string{"m.json: $.equation: 1:1: the expression yields bool; it must yield double"}},
		{"equation infinite", sprintf(oneCategory, "sum / (max_possible - max_possible)"),
			[]string{"m.json: $.equation: at sum=0: 1:1: yielded NaN, not a finite number"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := score.Load([]byte(c.json), "m.json")
			if err == nil {
				t.Fatal("loaded")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\nlacks %q", err, w)
				}
			}
		})
	}
}

// TestScoreFailsClosed: an equation that fails only for some incidents
// yields an error naming the model, its file and the position, never a
// made-up score.
func TestScoreFailsClosed(t *testing.T) {
	m, err := score.Load([]byte(sprintf(oneCategory, "double(100 / (int(sum) - 130))")), "div.json")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Score(&kizuna.IncidentFacts{PotentialImpact: "high"}); err != nil {
		t.Fatalf("sum 260: %v", err)
	}
	_, err = m.Score(&kizuna.IncidentFacts{PotentialImpact: "low"})
	if err == nil || kizuna.ErrorCode(err) != kizuna.EINVALID ||
		!strings.Contains(err.Error(), "scoring model t 1 (div.json): $.equation: 1:12: division by zero") {
		t.Fatalf("err = %v", err)
	}
}
