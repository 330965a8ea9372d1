// Package deconflicttest holds what the deconfliction tests and
// benchmarks share: the shipped rules and a seeded registry workload.
package deconflicttest

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/deconflict"
)

// T0 is the start of the tests' time.
var T0 = time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)

// MustRules loads the shipped rules.
func MustRules(tb testing.TB) *deconflict.Rules {
	tb.Helper()
	r, err := deconflict.LoadRules(deconflict.Defaults, deconflict.DefaultRules)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// Workload builds n registered actions of one nation: addresses (50%), /24
// ranges (20%), domains (20%) and URLs (10%) spread over a /8 and 20,000
// domains, of every kind and category, in windows of 1 to 30 days within
// a year from T0, released for deconfliction with USA and JPN. Seeded, so
// every run measures the same registry.
func Workload(n int, nation, org string, seed uint64) []*kizuna.DefensiveAction {
	r := rand.New(rand.NewPCG(seed, 7))
	out := make([]*kizuna.DefensiveAction, n)
	for i := range out {
		var t kizuna.ActionTarget
		switch x := r.IntN(10); {
		case x < 5:
			t = kizuna.ActionTarget{Kind: kizuna.TargetIP, Value: fmt.Sprintf("10.%d.%d.%d", r.IntN(256), r.IntN(256), r.IntN(256))}
		case x < 7:
			t = kizuna.ActionTarget{Kind: kizuna.TargetIP, Value: fmt.Sprintf("10.%d.%d.0/24", r.IntN(256), r.IntN(256))}
		case x < 9:
			t = kizuna.ActionTarget{Kind: kizuna.TargetDomain, Value: fmt.Sprintf("h%d.zone%d.example", r.IntN(50), r.IntN(20000))}
		default:
			t = kizuna.ActionTarget{Kind: kizuna.TargetURL, Value: fmt.Sprintf("https://zone%d.example/p/%d", r.IntN(20000), r.IntN(1000))}
		}
		start := T0.Add(time.Duration(r.IntN(365*24)) * time.Hour)
		out[i] = &kizuna.DefensiveAction{ID: fmt.Sprintf("x-kizuna-defensive-action--00000000-0000-4000-8000-%012d", seed<<32|uint64(i)),
			Kind: deconflict.Kinds[r.IntN(len(deconflict.Kinds))].ID, Category: 1 + r.IntN(6), Targets: []kizuna.ActionTarget{t},
			Start: start, End: start.Add(time.Duration(1+r.IntN(30)) * 24 * time.Hour), Nation: nation, Organization: org,
			State: kizuna.ActionActive, DeconflictWith: []string{"USA", "JPN"}}
	}
	return out
}

// MeasureCPU runs op b.N times (i counting from 0) and reports the
// process's CPU time per operation (cpu-µs/op).
func MeasureCPU(b *testing.B, op func(i int)) {
	b.ResetTimer()
	cpu0 := ProcessCPU()
	for i := 0; i < b.N; i++ {
		op(i)
	}
	if cpu := ProcessCPU() - cpu0; cpu > 0 {
		b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/op")
	}
}
