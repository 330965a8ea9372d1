package policy_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/policy"
)

// BenchmarkDecide measures one decision on a label with a classification
// reached through an agreement, releasability and a community.
func BenchmarkDecide(b *testing.B) {
	p := MustPolicy(b, nil)
	pr := reader("jp", orgJP, "JPN", []string{"energy", "ics"}, "JPN:toriatsukai-chui", "JPN:極秘")
	l := &kizuna.AccessLabel{TLP: kizuna.TLPGreen, Classifications: []kizuna.Classification{{Scheme: "USA", Level: "SECRET"}},
		Releasable: true, ReleasableTo: []string{"JPN", "USA"}, Communities: []string{"ics"}}
	b.ReportAllocs()
	for b.Loop() {
		if !p.Decide(pr, l).Allow {
			b.Fatal("denied")
		}
	}
}

// BenchmarkLabel measures labelling an indicator with three markings (the
// marking-definitions cached after the first object), as ingest does.
func BenchmarkLabel(b *testing.B) {
	w := newWorld(b)
	secret := w.marking(map[string]any{"scheme": "USA", "level": "SECRET", "releasable_to": []string{"USA", "JPN"}})
	ics := w.marking(map[string]any{"communities": []string{"ics"}})
	obj := w.indicator(orgUS, []string{policy.TLP2Green, secret, ics}, kizuna.GranularMarking{MarkingRef: policy.TLP2Red, Selectors: []string{"description"}})
	b.ReportAllocs()
	for b.Loop() {
		if _, _, _, err := w.p.Label(w.ctx, obj, w.c); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "objects/s")
}

// BenchmarkScope measures computing a new principal's scope over 2,000
// distinct stored labels (the cost paid once per principal).
func BenchmarkScope(b *testing.B) {
	w := newWorld(b)
	for i := 0; i < 2000; i++ {
		obj := w.indicator(orgUS, []string{policy.TLP2Green})
		w.put(obj)
		l := kizuna.AccessLabel{Communities: []string{fmt.Sprintf("c%d", i)}, Releasable: true, ReleasableTo: []string{"JPN", "USA"}}
		o2 := w.indicator(orgUS, nil)
		o2.Label = &l
		if _, err := w.store.PutObjects(w.ctx, w.c.ID, []*kizuna.Object{o2}); err != nil {
			b.Fatal(err)
		}
	}
	g := policy.NewGuard(w.p, w.store)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		ctx := kizuna.NewContextWithPrincipal(context.Background(), reader(fmt.Sprintf("p%d", i), orgJP, "JPN", []string{"c1"}))
		if s, err := g.Scope(ctx); err != nil || len(s.LabelIDs) == 0 {
			b.Fatal(err)
		}
	}
}
