package pairwise_test

import (
	"crypto/rand"
	"fmt"
	mrand "math/rand/v2"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/deconflict"
	"github.com/kizuna-dev/kizuna/deconflict/pairwise"
)

// workload is the registry of the deconflict benchmark: addresses, /24s,
// domains and URLs of every kind and category, windows of 1 to 30 days.
func workload(n int, nation, org string, seed uint64) []*kizuna.DefensiveAction {
	r := mrand.New(mrand.NewPCG(seed, 7))
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
		start := t0.Add(time.Duration(r.IntN(365*24)) * time.Hour)
		out[i] = &kizuna.DefensiveAction{ID: fmt.Sprintf("x-kizuna-defensive-action--00000000-0000-4000-8000-%012d", i),
			Kind: deconflict.Kinds[r.IntN(len(deconflict.Kinds))].ID, Category: 1 + r.IntN(6), Targets: []kizuna.ActionTarget{t},
			Start: start, End: start.Add(time.Duration(1+r.IntN(30)) * 24 * time.Hour), Nation: nation, Organization: org,
			State: kizuna.ActionActive, DeconflictWith: []string{"USA", "JPN"}}
	}
	return out
}

// BenchmarkPairwiseIndex100k: building the responder's index of 100,000
// actions (once per agreement and key epoch; then kept up to date).
func BenchmarkPairwiseIndex100k(b *testing.B) {
	rules := mustRules(b)
	ag := agreement(b, rules, "USA", "JPN")
	actions := workload(100_000, "JPN", orgJP, 1)
	b.ResetTimer()
	var ix *pairwise.Index
	for i := 0; i < b.N; i++ {
		var err error
		if ix, err = pairwise.BuildIndex(ag, rules, "JPN", actions); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(ix.Len()), "tokens")
}

// BenchmarkPairwiseMatch100k: one whole exchange for a new registration
// (a takedown of a /24, a domain or a URL over 1 to 30 days) against
// 100,000 registered actions of the other party: the initiator's query,
// the responder's lookup and sealed answer, the initiator's resolution
// and confirm, the responder's notices.
func BenchmarkPairwiseMatch100k(b *testing.B) {
	rules := mustRules(b)
	ag := agreement(b, rules, "USA", "JPN")
	ix, err := pairwise.BuildIndex(ag, rules, "JPN", workload(100_000, "JPN", orgJP, 1))
	if err != nil {
		b.Fatal(err)
	}
	queries := workload(1000, "USA", orgUS, 2)
	for _, q := range queries {
		q.Kind, q.Category = kizuna.ActionTakedown, 4
	}
	newID := ids("8000")
	notices, tokens := 0, 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
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
	}
	b.ReportMetric(float64(notices)/float64(b.N), "notices/op")
	b.ReportMetric(float64(tokens)/float64(b.N), "query-tokens/op")
}
