package defense_test

import (
	"math/rand/v2"
	"testing"

	"github.com/kizuna-dev/kizuna"
)

// synthetic returns n incidents' facts and three nations' answers, drawn
// from every vocabulary with a fixed seed.
func synthetic(n int) ([]*kizuna.IncidentFacts, []map[string]*kizuna.FactorAnswers) {
	r := rand.New(rand.NewPCG(1, 2))
	pick := func(s []string) string { return s[r.IntN(len(s))] }
	nations := []string{"JPN", "USA", "AUS", "KOR"}
	sectors := []string{"jp.ports", "jp.electricity", "us.energy", "us.transportation", "au.transport", "jp.ict"}
	facts := make([]*kizuna.IncidentFacts, n)
	answers := make([]map[string]*kizuna.FactorAnswers, n)
	for i := range facts {
		f := &kizuna.IncidentFacts{
			AffectedNations:       []string{pick(nations)},
			Sectors:               []string{pick(sectors), pick(sectors)},
			FunctionalImpact:      pick(kizuna.FunctionalImpacts),
			InformationImpact:     pick(kizuna.InformationImpacts),
			ObservedActivity:      pick(kizuna.ObservedActivities),
			ActivityLocation:      pick(kizuna.ActivityLocations),
			ActorCharacterization: pick(kizuna.ActorCharacterizations),
			PotentialImpact:       pick(kizuna.PotentialImpacts),
			PhysicalDamage:        pick(kizuna.PhysicalDamages),
			Recoverability:        pick([]string{"regular", "supplemented", "extended", "not-recoverable"}),
			Injuries:              r.IntN(3),
			MilitaryTargets:       r.IntN(4) == 0,
		}
		if r.IntN(3) == 0 {
			f.MilitaryDependentNations = []string{"USA"}
		}
		facts[i] = f
		answers[i] = map[string]*kizuna.FactorAnswers{}
		for _, n := range []string{"USA", "JPN", "AUS"} {
			a := &kizuna.FactorAnswers{Nation: n}
			for _, fac := range kizuna.Factors {
				a.Answers = append(a.Answers, kizuna.FactorAnswer{Factor: fac, Degree: pick(kizuna.Degrees), Confidence: 30 + r.IntN(70)})
			}
			answers[i][n] = a
		}
	}
	return facts, answers
}

// BenchmarkAssess10k assesses 10,000 incidents under the three nations'
// example policies and the notional NCISS model: one op is 30,000
// assessments (score, rules, decision and the deciding rules).
func BenchmarkAssess10k(b *testing.B) {
	e := mustEngine(b)
	facts, answers := synthetic(10_000)
	nations := e.Nations()
	ranks := map[int]int{}
	cpu0 := processCPU()
	for b.Loop() {
		for i, f := range facts {
			for _, n := range nations {
				r, err := e.Assess(n, f, answers[i][n])
				if err != nil {
					b.Fatal(err)
				}
				ranks[r.Level.Rank]++
			}
		}
	}
	b.ReportMetric(float64(b.N*len(facts)*len(nations))/b.Elapsed().Seconds(), "assessments/s")
	b.ReportMetric(float64(b.N*len(facts))/b.Elapsed().Seconds(), "incidents/s")
	if cpu := processCPU() - cpu0; cpu > 0 {
		b.ReportMetric(float64(b.N*len(facts)*len(nations))/cpu.Seconds(), "assessments/cpu-s")
	}
	if len(ranks) < 3 {
		b.Fatalf("the workload reached only levels %v", ranks)
	}
}

// BenchmarkDivergence measures the divergence of the worked example (three
// nations, two differing pairs, cross-evaluation and the subset search).
func BenchmarkDivergence(b *testing.B) {
	e := mustEngine(b)
	inc, impacts := portAttack()
	f, ans := e.Facts(inc, impacts), portAnswers()
	for b.Loop() {
		if d := e.Divergence(f, ans); len(d.Pairs) != 2 {
			b.Fatal(d.Pairs)
		}
	}
}
