package policy_test

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/policy"
)

func TestAtLeastAsRestrictive(t *testing.T) {
	p := MustPolicy(t, nil)
	cl := func(s ...string) []kizuna.Classification {
		var out []kizuna.Classification
		for _, x := range s {
			scheme, level, _ := strings.Cut(x, ":")
			out = append(out, kizuna.Classification{Scheme: scheme, Level: level})
		}
		return out
	}
	secretRel := kizuna.AccessLabel{TLP: kizuna.TLPGreen, Classifications: cl("USA:SECRET"), Releasable: true, ReleasableTo: []string{"JPN", "USA"}}
	for _, tc := range []struct {
		name string
		a, b kizuna.AccessLabel
		want bool
	}{
		{"equal", secretRel, secretRel, true},
		{"higher level of the same scheme", kizuna.AccessLabel{TLP: kizuna.TLPGreen, Classifications: cl("USA:TOP SECRET"), Releasable: true, ReleasableTo: []string{"USA"}}, secretRel, true},
		{"lower level", kizuna.AccessLabel{TLP: kizuna.TLPGreen, Classifications: cl("USA:CONFIDENTIAL"), Releasable: true, ReleasableTo: []string{"USA"}}, secretRel, false},
		{"an equivalent level of another scheme is not enough", kizuna.AccessLabel{TLP: kizuna.TLPGreen, Classifications: cl("JPN:gokuhi"), Releasable: true, ReleasableTo: []string{"JPN", "USA"}}, secretRel, false},
		{"both schemes", kizuna.AccessLabel{TLP: kizuna.TLPGreen, Classifications: cl("JPN:gokuhi", "USA:SECRET"), Releasable: true, ReleasableTo: []string{"USA"}}, secretRel, true},
		{"wider releasability", kizuna.AccessLabel{TLP: kizuna.TLPGreen, Classifications: cl("USA:SECRET"), Releasable: true, ReleasableTo: []string{"AUS", "JPN", "USA"}}, secretRel, false},
		{"no releasability", kizuna.AccessLabel{TLP: kizuna.TLPGreen, Classifications: cl("USA:SECRET")}, secretRel, false},
		{"lower TLP", kizuna.AccessLabel{TLP: kizuna.TLPClear, Classifications: cl("USA:SECRET"), Releasable: true, ReleasableTo: []string{"USA"}}, secretRel, false},
		{"unclassified requirement is met by nothing", kizuna.AccessLabel{TLP: kizuna.TLPGreen}, kizuna.AccessLabel{TLP: kizuna.TLPGreen, Classifications: cl("USA:UNCLASSIFIED")}, true},
		{"audience subset", kizuna.AccessLabel{TLP: kizuna.TLPAmber, AudienceLimited: true, Audience: []string{orgUS}},
			kizuna.AccessLabel{TLP: kizuna.TLPAmber, AudienceLimited: true, Audience: []string{orgJP, orgUS}}, true},
		{"audience superset", kizuna.AccessLabel{TLP: kizuna.TLPAmber, AudienceLimited: true, Audience: []string{orgJP, orgUS}},
			kizuna.AccessLabel{TLP: kizuna.TLPAmber, AudienceLimited: true, Audience: []string{orgUS}}, false},
		{"no audience where one is named", kizuna.AccessLabel{TLP: kizuna.TLPGreen},
			kizuna.AccessLabel{TLP: kizuna.TLPGreen, AudienceLimited: true, Audience: []string{orgUS}}, false},
		{"missing community", kizuna.AccessLabel{Communities: []string{"a"}}, kizuna.AccessLabel{Communities: []string{"a", "b"}}, false},
		{"more communities", kizuna.AccessLabel{Communities: []string{"a", "b"}}, kizuna.AccessLabel{Communities: []string{"a"}}, true},
		{"uninterpretable admits nobody", kizuna.AccessLabel{Uninterpretable: []string{"m"}}, secretRel, true},
		{"nothing is as restrictive as an uninterpretable source", secretRel, kizuna.AccessLabel{Uninterpretable: []string{"m"}}, false},
		{"unknown level in the source", secretRel, kizuna.AccessLabel{Classifications: cl("USA:ULTRA")}, false},
		{"empty releasable set admits nobody", kizuna.AccessLabel{Releasable: true}, secretRel, true},
	} {
		if got, why := p.AtLeastAsRestrictive(&tc.a, &tc.b); got != tc.want {
			t.Errorf("%s: got %t (%s), want %t", tc.name, got, why, tc.want)
		}
	}
}

// TestAtLeastAsRestrictiveIsSound checks the promise on random labels and
// readers: whenever a is said to be at least as restrictive as b, no reader
// the decision admits to a is refused b.
func TestAtLeastAsRestrictiveIsSound(t *testing.T) {
	p := MustPolicy(t, nil)
	rng := rand.New(rand.NewPCG(11, 12))
	levels := []string{"USA:UNCLASSIFIED", "USA:CUI", "USA:CONFIDENTIAL", "USA:SECRET", "USA:TOP SECRET",
		"JPN:hi", "JPN:gokuhi", "JPN:kimitsu", "AUS:SECRET", "AUS:PROTECTED", "NATO:NATO SECRET"}
	nations := []string{"USA", "JPN", "AUS", "GBR"}
	orgs := []string{orgUS, orgJP, orgAU, orgJP2}
	tlps := []string{"", kizuna.TLPClear, kizuna.TLPGreen, kizuna.TLPAmber, kizuna.TLPAmberStrict, kizuna.TLPRed}
	subset := func(from []string) []string {
		var out []string
		for _, x := range from {
			if rng.IntN(2) == 0 {
				out = append(out, x)
			}
		}
		return out
	}
	randLabel := func() *kizuna.AccessLabel {
		l := kizuna.AccessLabel{TLP: tlps[rng.IntN(len(tlps))]}
		for range rng.IntN(3) {
			scheme, level, _ := strings.Cut(levels[rng.IntN(len(levels))], ":")
			l.Classifications = append(l.Classifications, kizuna.Classification{Scheme: scheme, Level: level})
		}
		if rng.IntN(2) == 0 {
			l.Releasable, l.ReleasableTo = true, subset(nations)
		}
		if rng.IntN(2) == 0 || l.TLP == kizuna.TLPAmber || l.TLP == kizuna.TLPRed || l.TLP == kizuna.TLPAmberStrict {
			l.AudienceLimited, l.Audience = true, subset(orgs)
		}
		l.Communities = subset([]string{"c1", "c2"})
		c := p.Canonical(l)
		return &c
	}
	var readers []*kizuna.Principal
	for i := range 300 {
		var cls []string
		for range rng.IntN(3) {
			cls = append(cls, levels[rng.IntN(len(levels))])
		}
		readers = append(readers, reader("r"+string(rune('a'+i%26)), orgs[rng.IntN(len(orgs))], nations[rng.IntN(len(nations))], subset([]string{"c1", "c2"}), cls...))
	}
	proven := 0
	for range 20000 {
		a, b := randLabel(), randLabel()
		if rng.IntN(4) == 0 {
			*a = *b // equal labels, and tightened copies of them, are the interesting case
			if rng.IntN(2) == 0 {
				a.Communities = append(a.Communities, "c1")
			}
		}
		ok, _ := p.AtLeastAsRestrictive(a, b)
		if !ok {
			continue
		}
		proven++
		for _, r := range readers {
			if p.Decide(r, a).Allow && !p.Decide(r, b).Allow {
				t.Fatalf("a=%+v said at least as restrictive as b=%+v, but %+v reads a and not b (%s)", a, b, r, p.Decide(r, b).Reason)
			}
		}
	}
	if proven < 1000 {
		t.Fatalf("only %d pairs proven; the test exercises too little", proven)
	}
}

// TestDeriveCarriesEverySource checks that a derivation carries the
// markings of a stored source (its collection's default when it has none),
// of its portions and of unstored sources, and the intersection of their
// audiences; and that CheckDerived refuses an object that drops one.
func TestDeriveCarriesEverySource(t *testing.T) {
	w := newWorld(t)
	ctx := kizuna.NewContextWithPrincipal(context.Background(), reader("soc", orgJP, "JPN", nil, "JPN:gokuhi"))
	gokuhi := w.marking(map[string]any{"scheme": "JPN", "level": "gokuhi", "releasable_to": []string{"JPN"}})
	community := w.marking(map[string]any{"communities": []string{"wg"}})
	unmarked := w.put(w.indicator(orgJP, nil, kizuna.GranularMarking{MarkingRef: gokuhi, Selectors: []string{"description"}}))
	obs := MustObject(t, MustJSON(t, map[string]any{"type": "observed-data", "id": "observed-data--c0000000-0000-4000-8000-000000000001",
		"object_marking_refs": []string{community}}))
	d, err := w.p.Derive(ctx, []policy.DerivedSource{{Object: unmarked, Collection: w.c}, {Object: obs}})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range append([]string{gokuhi, community}, w.c.DefaultMarkingRefs...) {
		if !strings.Contains(strings.Join(d.MarkingRefs, " "), want) {
			t.Errorf("derivation markings %v lack %s", d.MarkingRefs, want)
		}
	}
	if !d.AudienceLimited || strings.Join(d.Audience, " ") != orgJP {
		t.Errorf("derivation audience %v (limited %t), want [%s]", d.Audience, d.AudienceLimited, orgJP)
	}
	if len(d.Required) != 3 { // the indicator, its description portion, the observation
		t.Errorf("required labels: %+v", d.Required)
	}
	sighting := func(refs []string, ext map[string]any) *kizuna.Object {
		doc := map[string]any{"type": "sighting", "spec_version": "2.1", "id": "sighting--c0000000-0000-4000-8000-000000000002",
			"created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z", "sighting_of_ref": unmarked.ID,
			"object_marking_refs": refs}
		if ext != nil {
			doc["extensions"] = ext
		}
		return MustObject(t, MustJSON(t, doc))
	}
	if _, err := w.p.CheckDerived(ctx, sighting(d.MarkingRefs, d.Extension()), w.c, d); err != nil {
		t.Errorf("the derived markings are refused: %v", err)
	}
	if _, err := w.p.CheckDerived(ctx, sighting(w.c.DefaultMarkingRefs, d.Extension()), w.c, d); kizuna.ErrorCode(err) != kizuna.EFORBIDDEN {
		t.Errorf("a sighting without the portion's and the observation's markings: %v, want forbidden", err)
	}
}
