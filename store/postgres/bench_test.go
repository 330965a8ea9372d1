package postgres

import (
	"context"
	"flag"
	"fmt"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/store/storetest"
)

// benchRows is the size of the collection BenchmarkFindPage reads.
var benchRows = flag.Int("rows", 100000, "rows in the collection of the read benchmark")

func BenchmarkPutObjects(b *testing.B) {
	db := MustOpen(b)
	defer db.Close()
	coll := storetest.MustCollection(b, db)
	version := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	objs := make([]*kizuna.Object, 500)
	n := 0
	for b.Loop() {
		b.StopTimer()
		for i := range objs {
			objs[i] = storetest.BenchObject(n, version)
			n++
		}
		b.StartTimer()
		storetest.MustPutNew(b, db, coll, objs)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "objects/s")
}

func BenchmarkFindPage(b *testing.B) {
	ctx := context.Background()
	db := MustOpen(b)
	defer db.Close()
	coll := storetest.MustCollection(b, db)
	v1 := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	var objs []*kizuna.Object
	for i := 0; i < *benchRows; i++ {
		n, version := i, v1
		if i%10 == 9 {
			n, version = i-5, v1.Add(24*time.Hour)
		}
		objs = append(objs, storetest.BenchObject(n, version))
		if len(objs) == 1000 || i == *benchRows-1 {
			if _, err := db.PutObjects(ctx, coll, objs); err != nil {
				b.Fatal(err)
			}
			objs = objs[:0]
		}
	}
	if _, err := db.pool.Exec(ctx, `ANALYZE objects`); err != nil {
		b.Fatal(err)
	}
	first := storetest.MustFind(b, db, kizuna.ObjectFilter{Collection: coll, Access: kizuna.AccessScope{Unrestricted: true}, Limit: 1, Versions: kizuna.VersionMatch{All: true}})
	start := first.Objects[0].DateAdded
	scope := kizuna.AccessScope{LabelIDs: []int64{1, 2, 3}}
	for _, tc := range []struct {
		name string
		f    kizuna.ObjectFilter
	}{
		{"type+scope+last", kizuna.ObjectFilter{Types: []string{"indicator"}, Access: scope}},
		{"type+narrow-scope+last", kizuna.ObjectFilter{Types: []string{"indicator"}, Access: kizuna.AccessScope{LabelIDs: []int64{4}}}},
		{"scope+all", kizuna.ObjectFilter{Access: scope, Versions: kizuna.VersionMatch{All: true}}},
		{"scope+last+raw", kizuna.ObjectFilter{Access: scope, IncludeRaw: true}},
	} {
		b.Run(fmt.Sprintf("%s/rows=%d", tc.name, *benchRows), func(b *testing.B) {
			f := tc.f
			f.Collection, f.Limit = coll, 1000
			storetest.BenchFindPages(b, db, f, start, *benchRows)
		})
	}
}
