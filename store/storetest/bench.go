package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
)

// BenchLabels are the distinct labels of the benchmark data; readers are
// allowed some of them.
var BenchLabels = []*kizuna.AccessLabel{
	{TLP: kizuna.TLPClear},
	{TLP: kizuna.TLPGreen},
	{TLP: kizuna.TLPAmber, Releasable: true, ReleasableTo: []string{"JPN", "USA"}},
	{TLP: kizuna.TLPAmber, Classifications: []kizuna.Classification{{Scheme: "USA", Level: "SECRET"}}, Releasable: true, ReleasableTo: []string{"USA"}},
	{TLP: kizuna.TLPRed, Audience: []string{"identity--7d3a0c4e-7a57-4c8e-9f4b-2b0f0c1a9e01"}},
}

// BenchRareLabel marks one object in a thousand: a reader allowed only
// this label sees 0.1 % of the collection.
var BenchRareLabel = &kizuna.AccessLabel{TLP: kizuna.TLPRed, Audience: []string{"identity--0c4d3a7e-5f2b-4a1e-8c9d-6b7a8e9f0a1b"}}

// BenchObject returns object n of the benchmark data: mostly indicators of
// a realistic size (about 700 bytes), some malware, SCOs and relationships,
// spread over the labels. Every store benchmarks the same data.
func BenchObject(n int, version time.Time) *kizuna.Object {
	types := []string{"indicator", "indicator", "indicator", "indicator", "indicator", "indicator", "malware", "ipv4-addr", "ipv4-addr", "relationship"}
	typ := types[n%len(types)]
	id := fmt.Sprintf("%s--%08x-0000-4000-8000-%012x", typ, n>>12, n)
	created := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(n) * time.Second)
	raw := fmt.Sprintf(`{"type":%q,"spec_version":"2.1","id":%q,"created":%q,"modified":%q,`+
		`"created_by_ref":"identity--7d3a0c4e-7a57-4c8e-9f4b-2b0f0c1a9e01","name":"Malicious IP address %d",`+
		`"description":"Command and control server observed in the campaign against the energy sector; blocked at the perimeter of three operators.",`+
		`"indicator_types":["malicious-activity","attribution"],"pattern":"[ipv4-addr:value = '198.51.%d.%d'] OR [domain-name:value = 'c2-%d.example.net']",`+
		`"pattern_type":"stix","valid_from":%q,"kill_chain_phases":[{"kill_chain_name":"lockheed-martin-cyber-kill-chain","phase_name":"command-and-control"}],`+
		`"labels":["apt","critical-infrastructure"],"confidence":85,"object_marking_refs":["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"]}`,
		typ, id, created.Format(time.RFC3339), version.Format(time.RFC3339Nano), n, (n>>8)&255, n&255, n, created.Format(time.RFC3339))
	h := sha256.Sum256([]byte(raw))
	o := &kizuna.Object{
		ID: id, Type: typ, SpecVersion: "2.1", Created: created, Modified: version, Version: version,
		CreatedByRef: "identity--7d3a0c4e-7a57-4c8e-9f4b-2b0f0c1a9e01",
		MarkingRefs:  []string{"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"},
		Raw:          []byte(raw), Hash: hex.EncodeToString(h[:]),
		Label: BenchLabels[(n/7)%len(BenchLabels)],
	}
	if n%1000 == 998 { // one object in a thousand has a rare label
		o.Label = BenchRareLabel
	}
	if typ == "ipv4-addr" {
		o.Created, o.Modified, o.Version = time.Time{}, time.Time{}, time.Time{}
	}
	return o
}

// MustPutNew stores the objects and fails tb unless every one is a new
// version.
func MustPutNew(tb testing.TB, s kizuna.Store, collection string, objs []*kizuna.Object) {
	tb.Helper()
	rs, err := s.PutObjects(context.Background(), collection, objs)
	if err != nil {
		tb.Fatal(err)
	}
	for _, r := range rs {
		if r.Err != nil || !r.Created {
			tb.Fatalf("put %s: %+v", r.ID, r)
		}
	}
}

// BenchFindPages reads pages of f from random positions in the first 90 %
// of a collection of rows versions whose first was added at start, so that
// a full page follows, and reports the latency percentiles and the objects
// per page. It returns how many pages it read.
func BenchFindPages(b *testing.B, s kizuna.Store, f kizuna.ObjectFilter, start time.Time, rows int) int {
	b.Helper()
	var lat []time.Duration
	got := 0
	for b.Loop() {
		after := start.Add(time.Duration(rand.IntN(rows*9/10)) * time.Microsecond)
		f.AddedAfter = &after
		t0 := time.Now()
		p, err := s.FindObjects(context.Background(), f)
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
	return len(lat)
}
