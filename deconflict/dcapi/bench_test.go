package dcapi

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/deconflict/dcstix"
	"github.com/kizuna-dev/kizuna/deconflict/deconflicttest"
)

// addedStore serves stored versions in date_added order, honouring
// AddedAfter, Limit and Next: what the catalog reads of a store.
type addedStore struct {
	kizuna.ObjectStore
	objs []*kizuna.Object
}

func (s *addedStore) FindObjects(_ context.Context, f kizuna.ObjectFilter) (*kizuna.ObjectPage, error) {
	i := 0
	if f.AddedAfter != nil {
		i, _ = slices.BinarySearchFunc(s.objs, *f.AddedAfter, func(o *kizuna.Object, t time.Time) int { return o.DateAdded.Compare(t.Add(time.Nanosecond)) })
	}
	if f.Next != "" {
		i, _ = strconv.Atoi(f.Next)
	}
	end := min(i+f.Limit, len(s.objs))
	page := &kizuna.ObjectPage{Objects: s.objs[i:end], More: end < len(s.objs)}
	if page.More {
		page.Next = strconv.Itoa(end)
	}
	return page, nil
}

// BenchmarkNodeLocalMatch100k: the node's local matching of one new
// registration (a takedown of an address, a /24, a domain or a URL)
// against 100,000 stored registrations kept in memory: the read of what
// was added since (nothing, here), the index lookups, windows and rules;
// not the guard's check of each conflict found.
//
// The catalog reads again what was added in the last second before its
// last read (versions another instance added at the same instant), so
// the sub-benchmarks set how far apart the stored registrations were
// added: a second (a registry built over months) or a millisecond (the
// last thousand registered in the last second).
func BenchmarkNodeLocalMatch100k(b *testing.B) {
	for _, spacing := range []time.Duration{time.Second, time.Millisecond} {
		b.Run("added-every-"+spacing.String(), func(b *testing.B) { nodeLocalMatch(b, spacing) })
	}
}

func nodeLocalMatch(b *testing.B, spacing time.Duration) {
	rules := deconflicttest.MustRules(b)
	st := &addedStore{}
	for i, a := range deconflicttest.Workload(100_000, "JPN", "identity--a1000000-0000-4000-8000-000000000001", 1) {
		a.Created, a.Modified, a.Name, a.CreatedByRef = deconflicttest.T0, deconflicttest.T0, "action "+strconv.Itoa(i), a.Organization
		raw, err := dcstix.EncodeAction(a)
		if err != nil {
			b.Fatal(err)
		}
		st.objs = append(st.objs, &kizuna.Object{ID: a.ID, Raw: raw, Version: a.Modified, DateAdded: deconflicttest.T0.Add(time.Duration(i) * spacing)})
	}
	cat := newCatalog(st, CollectionAlias, rules, func(msg string, args ...any) { b.Fatal(append([]any{msg}, args...)...) })
	queries := deconflicttest.Workload(1000, "USA", "identity--a2000000-0000-4000-8000-000000000002", 2)
	for _, q := range queries {
		q.Kind, q.Category = kizuna.ActionTakedown, 4
	}
	ctx := context.Background()
	if _, err := cat.match(ctx, queries[0]); err != nil {
		b.Fatal(err)
	}
	if cat.reg.Len() != 100_000 {
		b.Fatalf("%d registrations in memory", cat.reg.Len())
	}
	conflicts := 0
	deconflicttest.MeasureCPU(b, func(i int) {
		c, err := cat.match(ctx, queries[i%len(queries)])
		if err != nil {
			b.Fatal(err)
		}
		conflicts += len(c)
	})
	b.ReportMetric(float64(conflicts)/float64(b.N), "conflicts/op")
}
