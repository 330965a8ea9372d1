package deconflict_test

import (
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/deconflict"
	"github.com/kizuna-dev/kizuna/deconflict/deconflicttest"
)

// BenchmarkLocalMatch100k: matching one new registration (a takedown of a
// /24 or a domain) against 100,000 registered actions.
func BenchmarkLocalMatch100k(b *testing.B) {
	rules := MustRules(b)
	reg := deconflict.NewRegistry(rules)
	for _, a := range deconflicttest.Workload(100_000, "JPN", orgJPPolice, 1) {
		if err := reg.Put(a); err != nil {
			b.Fatal(err)
		}
	}
	queries := deconflicttest.Workload(1000, "USA", orgUSCyber, 2)
	for _, q := range queries {
		q.Kind, q.Category = kizuna.ActionTakedown, 4
	}
	pr := &kizuna.Principal{Nation: "USA", Organization: orgUSCyber}
	conflicts := 0
	deconflicttest.MeasureCPU(b, func(i int) {
		c, err := reg.Match(pr, everyone{}, queries[i%len(queries)])
		if err != nil {
			b.Fatal(err)
		}
		conflicts += len(c)
	})
	b.ReportMetric(float64(conflicts)/float64(b.N), "conflicts/op")
}
