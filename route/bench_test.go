package route_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/policy"
	"github.com/kizuna-dev/kizuna/route"
	"github.com/kizuna-dev/kizuna/sector"
)

// benchWorld is 100,000 organisations spread evenly over the sectors of
// the five shipped nations, each with one principal of its nation; one in
// ten principals holds a JPN 極秘 clearance.
func benchWorld(b *testing.B) (*route.Router, *sector.Catalog) {
	b.Helper()
	cat, err := sector.DefaultCatalog()
	if err != nil {
		b.Fatal(err)
	}
	p, err := policy.New(policy.DefaultConfig(), nil)
	if err != nil {
		b.Fatal(err)
	}
	const orgs = 100_000
	nations := cat.Nations()
	var os []*sector.Organization
	var prs []*kizuna.Principal
	for i := 0; i < orgs; i++ {
		v := nations[i%len(nations)]
		s := v.Sectors[(i/len(nations))%len(v.Sectors)]
		id := fmt.Sprintf("identity--%08x-0000-4000-8000-000000000000", i)
		os = append(os, &sector.Organization{ID: id, Name: id, IdentityClass: "organization", Sectors: []string{s.ID}})
		pr := &kizuna.Principal{ID: fmt.Sprintf("principal--%08x-0000-4000-8000-000000000000", i), Name: id, Organization: id,
			Nation: v.Nation, Roles: []string{kizuna.RoleReader}}
		if (i/len(nations))%10 == 0 {
			pr.Clearances = []kizuna.Classification{{Scheme: "JPN", Level: "gokuhi"}}
		}
		prs = append(prs, pr)
	}
	return &route.Router{Catalog: cat, Directory: route.NewIndex(os, prs), Access: route.PolicyAccess{Policy: p},
		Now: func() time.Time { return t0 }}, cat
}

func benchSubject(label *kizuna.AccessLabel, sectors ...string) route.Subject {
	obj := &kizuna.Object{ID: "report--00000000-0000-4000-8000-000000000001", Type: "report", Version: t0, Label: label}
	var cs []route.Concern
	for _, s := range sectors {
		cs = append(cs, route.Concern{Sector: s, Reason: route.ReasonExtension, Evidence: []route.Evidence{{Object: obj, Property: "extensions"}}})
	}
	return route.Subject{Object: obj, Concerns: cs}
}

// BenchmarkRoute measures routing cost over 100,000 organisations across
// five nations: a TLP:GREEN report on US Transportation Systems (every
// principal of the crosswalked transport sectors of the five nations may
// read it), the same report marked JPN 極秘 (one in ten may), and a
// TLP:GREEN incident concerning three sectors. It reports notices per
// second and principals judged per second.
func BenchmarkRoute(b *testing.B) {
	r, _ := benchWorld(b)
	for _, bc := range []struct {
		name string
		s    route.Subject
	}{
		{"transport-green", benchSubject(&kizuna.AccessLabel{TLP: kizuna.TLPGreen}, "us.transportation")},
		{"transport-gokuhi", benchSubject(&kizuna.AccessLabel{Classifications: []kizuna.Classification{{Scheme: "JPN", Level: "gokuhi"}},
			Releasable: true, ReleasableTo: []string{"JPN"}}, "us.transportation")},
		{"three-sectors-green", benchSubject(&kizuna.AccessLabel{TLP: kizuna.TLPGreen}, "jp.ports", "us.energy", "au.communications")},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var notices, judged int
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := processCPU()
			for i := 0; i < b.N; i++ {
				res := r.Route(bc.s)
				notices += len(res.Notices)
				for _, w := range res.Withheld {
					judged += w.Principals
				}
			}
			judged += notices
			sec := b.Elapsed().Seconds()
			b.ReportMetric(float64(notices)/sec, "notices/s")
			b.ReportMetric(float64(judged)/sec, "principals/s")
			if cpu := processCPU() - cpu0; cpu > 0 {
				b.ReportMetric(float64(notices)/cpu.Seconds(), "notices/cpu-s")
				b.ReportMetric(float64(judged)/cpu.Seconds(), "principals/cpu-s")
			}
			b.ReportMetric(float64(notices)/float64(b.N), "notices/op")
		})
	}
}
