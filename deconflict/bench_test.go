package deconflict_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/deconflict"
)

// Workload builds n registered actions of one nation: addresses (50%), /24
// ranges (20%), domains (20%) and URLs (10%) spread over a /8 and 20,000
// domains, of every kind and category, in windows of 1 to 30 days within
// a year. Seeded, so every run measures the same registry.
func Workload(n int, nation, org string, seed uint64) []*kizuna.DefensiveAction {
	r := rand.New(rand.NewPCG(seed, 7))
	out := make([]*kizuna.DefensiveAction, n)
	for i := range out {
		var t kizuna.ActionTarget
		switch x := r.IntN(10); {
		case x < 5:
			t = ip(fmt.Sprintf("10.%d.%d.%d", r.IntN(256), r.IntN(256), r.IntN(256)))
		case x < 7:
			t = ip(fmt.Sprintf("10.%d.%d.0/24", r.IntN(256), r.IntN(256)))
		case x < 9:
			t = dns(fmt.Sprintf("h%d.zone%d.example", r.IntN(50), r.IntN(20000)))
		default:
			t = kizuna.ActionTarget{Kind: kizuna.TargetURL, Value: fmt.Sprintf("https://zone%d.example/p/%d", r.IntN(20000), r.IntN(1000))}
		}
		start := t0.Add(time.Duration(r.IntN(365*24)) * time.Hour)
		k := deconflict.Kinds[r.IntN(len(deconflict.Kinds))].ID
		out[i] = &kizuna.DefensiveAction{ID: fmt.Sprintf("x-kizuna-defensive-action--00000000-0000-4000-8000-%012d", i),
			Kind: k, Category: 1 + r.IntN(6), Targets: []kizuna.ActionTarget{t}, Start: start,
			End: start.Add(time.Duration(1+r.IntN(30)) * 24 * time.Hour), Nation: nation, Organization: org,
			State: kizuna.ActionActive, DeconflictWith: []string{"USA", "JPN"}}
	}
	return out
}

// BenchmarkLocalMatch100k: matching one new registration (a takedown of a
// /24 or a domain) against 100,000 registered actions.
func BenchmarkLocalMatch100k(b *testing.B) {
	rules := MustRules(b)
	reg := deconflict.NewRegistry(rules)
	for _, a := range Workload(100_000, "JPN", orgJPPolice, 1) {
		if err := reg.Put(a); err != nil {
			b.Fatal(err)
		}
	}
	queries := Workload(1000, "USA", orgUSCyber, 2)
	for _, q := range queries {
		q.Kind, q.Category = kizuna.ActionTakedown, 4
	}
	pr := &kizuna.Principal{Nation: "USA", Organization: orgUSCyber}
	conflicts := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c, err := reg.Match(pr, everyone{}, queries[i%len(queries)])
		if err != nil {
			b.Fatal(err)
		}
		conflicts += len(c)
	}
	b.ReportMetric(float64(conflicts)/float64(b.N), "conflicts/op")
}
