package main

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/exercise"
	"github.com/kizuna-dev/kizuna/node"
	"github.com/kizuna-dev/kizuna/node/nodetest"
)

// releasedInjects returns the injects of an exercise the node's audit log
// shows released, "I-01>jpn-ncco", sorted.
func releasedInjects(t *testing.T, n *node.Node, exerciseID string) []string {
	t.Helper()
	events, err := n.Store.FindAudit(context.Background(), 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range events {
		if e.Action != kizuna.AuditExerciseRelease || !strings.Contains(e.Reason, "exercise="+exerciseID+" ") {
			continue
		}
		var inject, participant string
		for _, f := range strings.Fields(e.Reason) {
			if v, ok := strings.CutPrefix(f, "inject="); ok {
				inject = v
			} else if v, ok := strings.CutPrefix(f, "participant="); ok {
				participant = v
			}
		}
		out = append(out, inject+">"+participant)
	}
	slices.Sort(out)
	return out
}

// TestExerciseReleaseLoop runs the node's release loop on an injected
// clock: at STARTEX+1m only I-01 is out; when the clock passes 6 h the
// loop (under the node's lease) releases I-02 and I-03 to each of their
// recipients once, and never I-04 before 20 h. On SQLite, and on
// PostgreSQL (under the lease and the advisory lock) when
// KIZUNA_TEST_POSTGRES is set.
func TestExerciseReleaseLoop(t *testing.T) {
	for name, store := range nodetest.Stores(t) {
		t.Run(name, func(t *testing.T) { testExerciseReleaseLoop(t, store) })
	}
}

func testExerciseReleaseLoop(t *testing.T, store string) {
	startex := time.Date(2027, 2, 16, 0, 0, 0, 0, time.UTC)
	var now atomic.Int64
	now.Store(startex.Add(time.Minute).UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()) }
	s := nodetest.Serve(t, nodetest.Options{Store: store}, node.ServeConfig{Mounts: []node.Mount{exerciseMount(clock, nil, 10*time.Millisecond, nil)}})
	raw, _ := exercise.Defaults.ReadFile(exercise.ExampleScenario)
	ex, err := exercise.ParseScenario(raw, "scenario.json")
	if err != nil {
		t.Fatal(err)
	}
	call := func(path string, body any) {
		t.Helper()
		code, out := postJSON(t, s.Base+path, "application/json", node.AdminName, s.Admin, body)
		if code >= 300 {
			t.Fatalf("%s: %d %s", path, code, out)
		}
	}
	call("/api/v1/exercises", json.RawMessage(raw))
	call("/api/v1/exercises/"+ex.ID+"/start", map[string]time.Time{"startex": startex})
	want := []string{"I-01>jpn-ncco", "I-01>jpn-port-isac"}
	if got := releasedInjects(t, s.Node, ex.ID); !slices.Equal(got, want) {
		t.Fatalf("released at STARTEX+1m: %v, want %v", got, want)
	}
	now.Store(startex.Add(6*time.Hour + time.Second).UnixNano())
	want = []string{"I-01>jpn-ncco", "I-01>jpn-port-isac", "I-02>jpn-ncco", "I-02>usa-navlog", "I-02>usa-nccc", "I-03>jpn-port-isac", "I-03>usa-navlog"}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		got := releasedInjects(t, s.Node, ex.ID)
		if slices.Equal(got, want) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("released at STARTEX+6h: %v, want %v", got, want)
		}
	}
	// More ticks release nothing twice and nothing early.
	time.Sleep(100 * time.Millisecond)
	if got := releasedInjects(t, s.Node, ex.ID); !slices.Equal(got, want) {
		t.Errorf("after more ticks: %v, want %v", got, want)
	}
}
