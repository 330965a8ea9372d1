package routeapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/ingest"
	"github.com/kizuna-dev/kizuna/node/nodetest"
	"github.com/kizuna-dev/kizuna/policy"
	"github.com/kizuna-dev/kizuna/route/routeapi"
	"github.com/kizuna-dev/kizuna/sector"
)

// BenchmarkNodeRoute routes one TLP:GREEN incident on US Transportation
// Systems in a node holding KIZUNA_BENCH_ORGS organisations (default
// 10,000) spread over the transport sectors of five nations, one principal
// each: the directory read from the store, every principal judged by the
// Guard, the notices written to the inbox document. It reports notices
// per second.
func BenchmarkNodeRoute(b *testing.B) {
	orgs := 10000
	if v := os.Getenv("KIZUNA_BENCH_ORGS"); v != "" {
		var err error
		if orgs, err = strconv.Atoi(v); err != nil {
			b.Fatal(err)
		}
	}
	ctx := context.Background()
	n := nodetest.New(b, nodetest.Options{Dir: filepath.Join(b.TempDir(), "data"), Nation: "USA"})
	c := &kizuna.Collection{Title: "bench", DefaultMarkingRefs: []string{policy.TLP2Green},
		CanRead: kizuna.AccessRule{Roles: []string{kizuna.RoleReader}}, CanWrite: kizuna.AccessRule{Roles: []string{kizuna.RolePublisher}}}
	if err := n.Store.CreateCollection(ctx, c); err != nil {
		b.Fatal(err)
	}
	sectors := []string{"us.transportation", "jp.ports", "au.transport", "kr.transport", "in.transport"}
	nations := []string{"USA", "JPN", "AUS", "KOR", "IND"}
	var raws []json.RawMessage
	flush := func() {
		res, err := n.Ingest.Ingest(ingest.AsOperator(ctx), c.ID, raws)
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range res {
			if r.Err != nil {
				b.Fatal(r.Err)
			}
		}
		raws = raws[:0]
	}
	for i := range orgs {
		id := fmt.Sprintf("identity--e0000000-0000-4000-8000-%012d", i)
		raw, _ := json.Marshal(map[string]any{"type": "identity", "spec_version": "2.1", "id": id, "created": "2026-01-01T00:00:00.000Z",
			"modified": "2026-01-01T00:00:00.000Z", "name": "operator " + strconv.Itoa(i), "identity_class": "organization",
			"extensions": map[string]any{sector.ExtSectors: map[string]any{"extension_type": "property-extension", "national_sectors": []string{sectors[i%5]}}}})
		raws = append(raws, raw)
		if len(raws) == 1000 {
			flush()
		}
		pr := &kizuna.Principal{Name: "p" + strconv.Itoa(i), Organization: id, Nation: nations[i%5], Roles: []string{kizuna.RoleReader}}
		if err := n.Store.CreatePrincipal(ctx, pr, kizuna.HashToken(kizuna.NewToken())); err != nil {
			b.Fatal(err)
		}
	}
	if len(raws) > 0 {
		flush()
	}
	incID := "incident--e1000000-0000-4000-8000-000000000001"
	inc, _ := json.Marshal(map[string]any{"type": "incident", "spec_version": "2.1", "id": incID, "created": "2026-12-08T09:00:00.000Z",
		"modified": "2026-12-08T09:00:00.000Z", "name": "transport incident",
		"extensions": map[string]any{"extension-definition--24d52822-20a1-4bf2-97ca-1018826ff47a": map[string]any{"extension_type": "property-extension",
			"affected_nations": []string{"USA"}, "sectors": []string{"us.transportation"}}}})
	raws = append(raws, inc)
	flush()
	s, err := routeapi.New(ctx, n, routeapi.Options{})
	if err != nil {
		b.Fatal(err)
	}
	notices := 0
	start := time.Now()
	for b.Loop() {
		res, err := s.RouteStored(ctx, incID)
		if err != nil {
			b.Fatal(err)
		}
		notices = len(res[0].Notices)
	}
	if notices != orgs {
		b.Fatalf("%d notices, want %d", notices, orgs)
	}
	b.ReportMetric(float64(notices*b.N)/time.Since(start).Seconds(), "notices/s")
}
