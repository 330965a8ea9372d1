package exercise_test

import (
	"context"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/exercise"
	"github.com/kizuna-dev/kizuna/stix"
)

// MustExample loads the shipped scenario.
func MustExample(tb testing.TB) *kizuna.Exercise {
	tb.Helper()
	ex, err := exercise.LoadScenario(exercise.Defaults, exercise.ExampleScenario)
	if err != nil {
		tb.Fatal(err)
	}
	return ex
}

// markings is a MarkingStore over marking-definitions given as JSON.
type markings map[string]*kizuna.Object

func (m markings) add(tb testing.TB, raw []byte) {
	tb.Helper()
	obj, err := stix.Parse(raw)
	if err != nil {
		tb.Fatalf("marking: %v", err)
	}
	m[obj.ID] = obj
}

func (m markings) FindMarkingDefinition(_ context.Context, id string) (*kizuna.Object, error) {
	if o, ok := m[id]; ok {
		return o, nil
	}
	return nil, kizuna.Errorf(kizuna.ENOTFOUND, "no marking %s", id)
}

// clock is a settable clock.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

var (
	startex = time.Date(2027, 2, 16, 0, 0, 0, 0, time.UTC)
	created = time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC)
)
