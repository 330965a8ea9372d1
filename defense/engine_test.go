package defense_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/defense"
	"github.com/kizuna-dev/kizuna/sector"
)

func mustEngine(t testing.TB) *defense.Engine {
	t.Helper()
	e, err := defense.LoadDefaults()
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestFactsFromIncidentAndImpacts: the current impacts decide the
// functional impact, physical damage and external impacts; a superseded
// impact no longer counts; sectors gain their crosswalk equivalents.
func TestFactsFromIncidentAndImpacts(t *testing.T) {
	e := mustEngine(t)
	inc, impacts := portAttack()
	f := e.Facts(inc, impacts)
	if f.FunctionalImpact != "denial-critical" || f.MaxAvailabilityImpact != 85 {
		t.Errorf("functional %q availability %d, want denial-critical from the current impact (85)", f.FunctionalImpact, f.MaxAvailabilityImpact)
	}
	if f.PhysicalDamage != "damaged-nonfunctional" || !slices.Equal(f.ExternalImpacts, []string{"national-security", "public-safety"}) {
		t.Errorf("physical %q external %v", f.PhysicalDamage, f.ExternalImpacts)
	}
	if slices.Contains(f.CurrentImpact, portAvail1) || len(f.CurrentImpact) != 4 {
		t.Errorf("current impacts %v", f.CurrentImpact)
	}
	for _, s := range []string{"jp.ports", "jp.logistics", "us.transportation", "au.transport"} {
		if !slices.Contains(f.Sectors, s) {
			t.Errorf("sectors %v lack %s", f.Sectors, s)
		}
	}
	if !slices.Equal(f.MilitaryDependentNations, []string{"USA"}) {
		t.Errorf("military dependents %v", f.MilitaryDependentNations)
	}
	// The recovered terminal: the new availability impact supersedes the
	// old, and the score falls with it.
	before, err := e.Assess("JPN", f, nil)
	if err != nil {
		t.Fatal(err)
	}
	impacts[1].SupersededByRef = "impact--1a2b3c4d-0006-4e5f-8a9b-0c1d2e3f4a5b"
	impacts = append(impacts, &kizuna.Impact{ID: impacts[1].SupersededByRef, Category: "availability", Availability: 15})
	inc.ImpactRefs = append(inc.ImpactRefs, impacts[5].ID)
	after, err := e.Assess("JPN", e.Facts(inc, impacts), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !(after.Severity.Score < before.Severity.Score) || e.Facts(inc, impacts).FunctionalImpact != "minimal-non-critical" {
		t.Errorf("score %v -> %v after recovery", before.Severity.Score, after.Severity.Score)
	}
}

// TestDivergencePortAttack: the US example policy concludes consultation,
// Japan's and Australia's notification; the explanation separates the
// input difference (Japan's lower confidence in state involvement) from
// the rule difference (Japan's extremely-serious-damage test).
func TestDivergencePortAttack(t *testing.T) {
	e := mustEngine(t)
	inc, impacts := portAttack()
	d := e.Divergence(e.Facts(inc, impacts), portAnswers())
	ranks := map[string]int{}
	for _, o := range d.Outcomes {
		if o.Result == nil {
			t.Fatalf("%s: %s", o.Nation, o.Error)
		}
		ranks[o.Nation] = o.Result.Level.Rank
	}
	for _, o := range d.Outcomes {
		if !o.Result.Severity.Notional || !o.Result.Policy.Example || len(o.Result.Policy.Digest) != 64 {
			t.Errorf("%s: the result does not say it comes from the notional model and an example policy: %+v %+v", o.Nation, o.Result.Severity, o.Result.Policy)
		}
	}
	if ranks["USA"] != 2 || ranks["JPN"] != 1 || ranks["AUS"] != 1 {
		t.Fatalf("ranks %v", ranks)
	}
	if len(d.Pairs) != 2 {
		t.Fatalf("pairs %+v", d.Pairs)
	}
	jp := d.Pairs[1]
	if jp.A != "JPN" || jp.B != "USA" || jp.Cause != "inputs-and-rules" {
		t.Fatalf("pair %+v", jp)
	}
	if len(jp.SmallestA) != 0 {
		t.Errorf("no input should bring JPN's example policy to consultation, got %v", jp.SmallestA)
	}
	if !slices.EqualFunc(jp.SmallestB, [][]string{{"state_involvement"}}, slices.Equal) {
		t.Errorf("smallest for USA = %v, want [[state_involvement]]", jp.SmallestB)
	}
	if jp.BOnA.Level == nil || jp.BOnA.Level.Rank != 1 || jp.AOnB.Level == nil || jp.AOnB.Level.Rank != 1 {
		t.Errorf("cross results %+v %+v", jp.AOnB, jp.BOnA)
	}
	au := d.Pairs[0]
	if au.A != "AUS" || au.B != "USA" || !slices.EqualFunc(au.SmallestA, [][]string{{"state_involvement"}}, slices.Equal) {
		t.Errorf("AUS/USA pair %+v", au)
	}
}

// TestDivergenceRulesOnly: with identical answers, the difference can only
// be in the rules, and no input set explains it.
func TestDivergenceRulesOnly(t *testing.T) {
	e := mustEngine(t)
	inc, impacts := portAttack()
	same := portAnswers()["USA"]
	jp := *same
	jp.Nation = "JPN"
	d := e.Divergence(e.Facts(inc, impacts), map[string]*kizuna.FactorAnswers{"USA": same, "JPN": &jp})
	var p *defense.Pair
	for i := range d.Pairs {
		if d.Pairs[i].A == "JPN" && d.Pairs[i].B == "USA" {
			p = &d.Pairs[i]
		}
	}
	if p == nil || p.Cause != "rules" || len(p.Differing) != 0 || len(p.SmallestA)+len(p.SmallestB) != 0 {
		t.Fatalf("pair %+v", p)
	}
}

// TestCampaignAssessment: three incidents in three nations, linked by a
// shared indicator, an actor and an analyst's link, are assessed together;
// the Australian example's cumulative rule fires on the campaign although
// it fires on none of the incidents alone.
func TestCampaignAssessment(t *testing.T) {
	e := mustEngine(t)
	a, ai := portAttack()
	b := &kizuna.Incident{ID: "incident--b0000000-0000-4000-8000-000000000002", Created: t0.Add(48 * 3600e9), Modified: t0.Add(50 * 3600e9),
		Determination: "confirmed", Alliance: &kizuna.AllianceFacts{AffectedNations: []string{"USA"}, Sectors: []string{"us.transportation"},
			FunctionalImpact: "significant-critical", ObservedActivity: "effect", ActorCharacterization: "apt-targeted",
			EvidenceRefs: []string{wiperIndicator}}}
	c := &kizuna.Incident{ID: "incident--c0000000-0000-4000-8000-000000000003", Created: t0.Add(96 * 3600e9), Modified: t0.Add(97 * 3600e9),
		Determination: "confirmed", Alliance: &kizuna.AllianceFacts{AffectedNations: []string{"AUS"}, Sectors: []string{"au.transport"},
			FunctionalImpact: "denial-non-critical", SuspectedActorRef: actorRef}}
	lone := &kizuna.Incident{ID: "incident--d0000000-0000-4000-8000-000000000004", Alliance: &kizuna.AllianceFacts{AffectedNations: []string{"KOR"}}}
	clusters := defense.Link([]*kizuna.Incident{c, lone, a, b})
	if len(clusters) != 1 || !slices.Equal(clusters[0].IncidentRefs, []string{a.ID, b.ID, c.ID}) {
		t.Fatalf("clusters %+v", clusters)
	}
	reasons := map[string]bool{}
	for _, l := range clusters[0].Links {
		reasons[l.Reason] = true
	}
	if !reasons[kizuna.LinkIndicator] || !reasons[kizuna.LinkActor] {
		t.Errorf("links %+v", clusters[0].Links)
	}

	ans := portAnswers()
	aus := ans["AUS"]
	aus.Answers[6] = answer("state_involvement", "high", 65, ausPOC) // the campaign makes attribution firmer
	members := []defense.CampaignMember{
		{Incident: a, Facts: e.Facts(a, ai), Answers: map[string]*kizuna.FactorAnswers{"AUS": portAnswers()["AUS"]}},
		{Incident: b, Facts: e.Facts(b, nil), Answers: map[string]*kizuna.FactorAnswers{"AUS": aus}},
		{Incident: c, Facts: e.Facts(c, nil)},
	}
	ca, failed := e.AssessCampaign(clusters[0], members)
	if len(failed) != 0 {
		t.Fatal(failed)
	}
	if !slices.Equal(ca.Nations, []string{"JPN", "USA", "AUS"}) || ca.LastSeen.Sub(ca.FirstSeen).Hours() != 97 {
		t.Errorf("campaign %+v", ca)
	}
	var got *kizuna.AssessmentResult
	for i := range ca.Results {
		if ca.Results[i].Nation == "AUS" {
			got = &ca.Results[i]
		}
	}
	if got == nil || got.Level.Rank != 2 || !slices.Contains(got.RulesFired, "cumulative_campaign") || slices.Contains(got.RulesFired, "physical_harm") == false {
		t.Fatalf("AUS campaign result %+v", got)
	}
	alone, err := e.Assess("AUS", e.Facts(b, nil), aus)
	if err != nil || slices.Contains(alone.RulesFired, "cumulative_campaign") {
		t.Errorf("alone: %+v %v", alone, err)
	}
}

// TestLoadReportsFiles: a configuration with a broken policy, a policy of
// the wrong nation and a missing model fails with each file named.
func TestLoadReportsFiles(t *testing.T) {
	read := func(name string) []byte {
		b, err := defense.Defaults.ReadFile("defaults/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	sectorsFile, err := sector.Defaults.ReadFile("defaults/sectors.json")
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{
		"c/defense.json": {Data: []byte(`{"version":"1","sectors":"sectors.json","nations":{
			"USA":{"scoring":"nciss.json","policy":"usa.json"},
			"JPN":{"scoring":"nciss.json","policy":"usa.json"},
			"AUS":{"scoring":"missing.json","policy":"aus.json"}}}`)},
		"c/sectors.json": {Data: sectorsFile},
		"c/nciss.json":   {Data: read("scoring/nciss-notional.json")},
		"c/usa.json":     {Data: read("policies/usa.json")},
		"c/aus.json":     {Data: []byte(strings.Replace(string(read("policies/aus.json")), "rules.ally_affected", "rules.ally_afected", 1))},
	}
	_, err = defense.Load(fsys, "c")
	if err != nil {
		err = errors.New(kizuna.ErrorMessage(err))
	}
	for _, w := range []string{
		"policy AUS example-2026-12-07 (c/aus.json): $.decision: 1:32: undeclared reference to 'rules.ally_afected'",
		"c/defense.json: $.nations.AUS.scoring: open c/missing.json",
		"c/defense.json: $.nations.JPN.policy: usa.json is the policy of USA, not of JPN",
	} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("err = %v\nlacks %q", err, w)
		}
	}
}

// TestCheckIncidentSectors: a sector id that is not configured is named
// with the incident id and its JSON path; the derived markings of an
// assessment carry every marking of its sources.
func TestCheckIncidentSectors(t *testing.T) {
	e := mustEngine(t)
	inc, _ := portAttack()
	if err := e.CheckIncident(inc, "ext"); err != nil {
		t.Fatal(err)
	}
	inc.Alliance.Sectors = []string{"jp.ports", "jp.harbours"}
	inc.Alliance.Dependencies[0].Sector = "us.navy"
	err := e.CheckIncident(inc, "ext")
	for _, w := range []string{portIncident + ": $.extensions['ext'].sectors[1]: \"jp.harbours\" is not a configured sector id",
		"$.extensions['ext'].dependencies[0].sector: \"us.navy\""} {
		if err == nil || kizuna.ErrorCode(err) != kizuna.EINVALID || !strings.Contains(err.Error(), w) {
			t.Errorf("err = %v\nlacks %q", err, w)
		}
	}
	if got := defense.DerivedMarkings([]string{"b", "a"}, nil, []string{"a", "c"}); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Errorf("derived markings %v", got)
	}
}
