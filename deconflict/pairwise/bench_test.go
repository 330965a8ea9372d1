package pairwise_test

import (
	"crypto/rand"
	"encoding/json"
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/deconflict"
	"github.com/kizuna-dev/kizuna/deconflict/deconflicttest"
	"github.com/kizuna-dev/kizuna/deconflict/pairwise"
)

// BenchmarkPairwiseIndex100k: building the responder's index of 100,000
// actions (once per agreement and key epoch; then kept up to date).
func BenchmarkPairwiseIndex100k(b *testing.B) {
	rules := mustRules(b)
	ag := agreement(b, rules, "USA", "JPN")
	actions := deconflicttest.Workload(100_000, "JPN", orgJP, 1)
	var ix *pairwise.Index
	deconflicttest.MeasureCPU(b, func(int) {
		var err error
		if ix, err = pairwise.BuildIndex(ag, rules, "JPN", actions); err != nil {
			b.Fatal(err)
		}
	})
	b.ReportMetric(float64(ix.Len()), "tokens")
}

// against100k returns the responder's index of 100,000 actions of JPN
// under a USA–JPN agreement, and 1,000 US takedown requests to ask about.
func against100k(b *testing.B) (*deconflict.Rules, *pairwise.Agreement, *pairwise.Index, []*kizuna.DefensiveAction) {
	rules := mustRules(b)
	ag := agreement(b, rules, "USA", "JPN")
	ix, err := pairwise.BuildIndex(ag, rules, "JPN", deconflicttest.Workload(100_000, "JPN", orgJP, 1))
	if err != nil {
		b.Fatal(err)
	}
	queries := deconflicttest.Workload(1000, "USA", orgUS, 2)
	for _, q := range queries {
		q.Kind, q.Category = kizuna.ActionTakedown, 4
	}
	return rules, ag, ix, queries
}

// BenchmarkPairwiseMatch100k: one whole exchange for a new registration
// (a takedown of a /24, a domain or a URL over 1 to 30 days) against
// 100,000 registered actions of the other party: the initiator's query,
// the responder's lookup and sealed answer, the initiator's resolution
// and confirm, the responder's notices.
func BenchmarkPairwiseMatch100k(b *testing.B) {
	rules, ag, ix, queries := against100k(b)
	newID := ids("8000")
	notices, tokens := 0, 0
	deconflicttest.MeasureCPU(b, func(i int) {
		q, pend, err := pairwise.Ask(ag, rules, queries[i%len(queries)], rand.Reader)
		if err != nil {
			b.Fatal(err)
		}
		tokens += len(q.Exact) + len(q.Up)
		ans, st, err := ix.Respond(q, rand.Reader)
		if err != nil {
			b.Fatal(err)
		}
		mine, conf, err := pend.Resolve(ans, t0, newID, rand.Reader)
		if err != nil {
			b.Fatal(err)
		}
		theirs, err := ix.Confirmed(st, conf, t0, newID)
		if err != nil {
			b.Fatal(err)
		}
		notices += len(mine) + len(theirs)
	})
	b.ReportMetric(float64(notices)/float64(b.N), "notices/op")
	b.ReportMetric(float64(tokens)/float64(b.N), "query-tokens/op")
}

// BenchmarkPairwiseWire100k: the two halves of a query as the nodes run
// them, with the JSON the messages travel in, against 100,000 registered
// actions of the responder: "ask" is the initiator's query build (tokens,
// padding, encoding), "respond" the responder's parse, index lookup and
// sealed answer.
func BenchmarkPairwiseWire100k(b *testing.B) {
	rules, ag, ix, queries := against100k(b)
	wire := make([][]byte, len(queries))
	for i, a := range queries {
		q, _, err := pairwise.Ask(ag, rules, a, rand.Reader)
		if err != nil {
			b.Fatal(err)
		}
		if wire[i], err = json.Marshal(q); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("ask", func(b *testing.B) {
		deconflicttest.MeasureCPU(b, func(i int) {
			q, _, err := pairwise.Ask(ag, rules, queries[i%len(queries)], rand.Reader)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := json.Marshal(q); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("respond", func(b *testing.B) {
		deconflicttest.MeasureCPU(b, func(i int) {
			q, err := pairwise.ParseQuery(ag, wire[i%len(wire)])
			if err != nil {
				b.Fatal(err)
			}
			ans, _, err := ix.Respond(q, rand.Reader)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := json.Marshal(ans); err != nil {
				b.Fatal(err)
			}
		})
	})
}
