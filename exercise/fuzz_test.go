package exercise_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna/exercise"
)

// FuzzParseScenario: scenario parsing never panics; every error names the
// file and a JSON path; an accepted scenario schedules and releases.
func FuzzParseScenario(f *testing.F) {
	base, _ := exercise.Defaults.ReadFile(exercise.ExampleScenario)
	f.Add(base)
	f.Add([]byte(strings.Replace(string(base), `"at": "2h"`, `"at": "-2h"`, 1)))
	f.Add([]byte(`{"id":"x-kizuna-exercise--772ad805-f2cd-4e8f-a210-d33382813df6","injects":[{"objects":[{"type":"bundle"}]}]}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ex, err := exercise.ParseScenario(data, "s.json")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "kizuna error: code=invalid message=s.json: $") {
				t.Fatalf("error without file and path: %v", err)
			}
			return
		}
		s := exercise.NewSchedule(ex, time.Unix(0, 0), time.Unix(0, 0))
		for _, d := range s.Due(time.Unix(0, 0).Add(ex.Duration), nil) {
			if _, _, err := s.Release(d, time.Unix(0, 0)); err != nil {
				t.Fatalf("an accepted scenario fails to release: %v", err)
			}
		}
	})
}
