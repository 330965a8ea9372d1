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
