package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/store/storetest"
)

// benchRows is the size of the collection BenchmarkFindPage reads.
var benchRows = flag.Int("rows", 100000, "rows in the collection of the read benchmark")

var benchLabels = []*kizuna.AccessLabel{
	{TLP: kizuna.TLPClear},
	{TLP: kizuna.TLPGreen},
	{TLP: kizuna.TLPAmber, Releasable: true, ReleasableTo: []string{"JPN", "USA"}},
	{TLP: kizuna.TLPAmber, Classifications: []kizuna.Classification{{Scheme: "USA", Level: "SECRET"}}, Releasable: true, ReleasableTo: []string{"USA"}},
	{TLP: kizuna.TLPRed, Audience: []string{"identity--7d3a0c4e-7a57-4c8e-9f4b-2b0f0c1a9e01"}},
}

// benchObject returns object n of the benchmark data, the same mix as the
// SQLite store's benchmarks: mostly indicators of about 1 KB.
func benchObject(n int, version time.Time) *kizuna.Object {
	types := []string{"indicator", "indicator", "indicator", "indicator", "indicator", "indicator", "malware", "ipv4-addr", "ipv4-addr", "relationship"}
	typ := types[n%len(types)]
	id := fmt.Sprintf("%s--%08x-0000-4000-8000-%012x", typ, n>>12, n)
	created := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(n) * time.Second)
	raw := fmt.Sprintf(`{"type":%q,"spec_version":"2.1","id":%q,"created":%q,"modified":%q,`+
		`"name":"Malicious IP address %d","description":"Command and control server observed in the campaign against the energy sector; blocked at the perimeter of three operators.",`+
		`"pattern":"[ipv4-addr:value = '198.51.%d.%d']","pattern_type":"stix","valid_from":%q}`,
		typ, id, created.Format(time.RFC3339), version.Format(time.RFC3339Nano), n, (n>>8)&255, n&255, created.Format(time.RFC3339))
	h := sha256.Sum256([]byte(raw))
	o := &kizuna.Object{
		ID: id, Type: typ, SpecVersion: "2.1", Created: created, Modified: version, Version: version,
		MarkingRefs: []string{"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"},
		Raw:         []byte(raw), Hash: hex.EncodeToString(h[:]), Label: benchLabels[(n/7)%len(benchLabels)],
	}
	if typ == "ipv4-addr" {
		o.Created, o.Modified, o.Version = time.Time{}, time.Time{}, time.Time{}
	}
	return o
}

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
			objs[i] = benchObject(n, version)
			n++
		}
		b.StartTimer()
		rs, err := db.PutObjects(context.Background(), coll, objs)
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range rs {
			if r.Err != nil || !r.Created {
				b.Fatalf("put %s: %+v", r.ID, r)
			}
		}
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
		objs = append(objs, benchObject(n, version))
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
			var lat []time.Duration
			got := 0
			for b.Loop() {
				after := start.Add(time.Duration(rand.IntN(*benchRows*9/10)) * time.Microsecond)
				f.AddedAfter = &after
				t0 := time.Now()
				p, err := db.FindObjects(ctx, f)
				lat = append(lat, time.Since(t0))
				if err != nil {
					b.Fatal(err)
				}
				got += len(p.Objects)
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(got)/float64(len(lat)), "objects/page")
		})
	}
}
