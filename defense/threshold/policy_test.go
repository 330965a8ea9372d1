package threshold_test

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/defense/threshold"
)

func mustPolicy(t testing.TB, nation string) *threshold.Policy {
	t.Helper()
	name := strings.ToLower(nation) + ".json"
	data, err := os.ReadFile("../defaults/policies/" + name)
	if err != nil {
		t.Fatal(err)
	}
	p, err := threshold.Load(data, name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func answers(nation string, deg map[string]string, conf map[string]int) *kizuna.FactorAnswers {
	a := &kizuna.FactorAnswers{Nation: nation}
	for _, f := range kizuna.Factors {
		if d, ok := deg[f]; ok {
			a.Answers = append(a.Answers, kizuna.FactorAnswer{Factor: f, Degree: d, Confidence: conf[f]})
		}
	}
	return a
}

// portAttack is a destructive attack on a Japanese port operator's OT
// network on which a US base depends.
func portAttack() *kizuna.IncidentFacts {
	return &kizuna.IncidentFacts{
		AffectedNations: []string{"JPN"}, Sectors: []string{"jp.ports", "us.transportation"},
		MilitaryDependentNations: []string{"USA"}, DependentNations: []string{"USA"},
		FunctionalImpact: "denial-critical", InformationImpact: "destruction-critical",
		PhysicalDamage: "damaged-nonfunctional", Injuries: 2, ActorCharacterization: "apt-targeted",
	}
}

var usAnswers = answers("USA",
	map[string]string{"severity": "high", "state_involvement": "high", "military_character": "high", "presumptive_legality": "none"},
	map[string]int{"severity": 75, "state_involvement": 75, "military_character": 70, "presumptive_legality": 80})

var jpAnswers = answers("JPN",
	map[string]string{"severity": "high", "state_involvement": "high", "military_character": "moderate", "presumptive_legality": "none"},
	map[string]int{"severity": 80, "state_involvement": 65, "military_character": 60, "presumptive_legality": 85})

// TestExamplePolicies runs the shipped example policies on the port attack:
// the US example concludes consultation, the Japanese one notification,
// each with the rules that fired and those that decided it.
func TestExamplePolicies(t *testing.T) {
	sev := kizuna.Severity{Score: 87, Level: 4, LevelName: "Severe"}
	cases := []struct {
		nation   string
		ans      *kizuna.FactorAnswers
		level    string
		fired    []string
		deciding []string
		factors  []string
	}{
		{"USA", usAnswers, "armed-attack-consult",
			[]string{"physical_harm", "significant_destruction", "severe_effects", "state_attributed", "military_nexus", "high_severity"},
			[]string{"severe_effects", "state_attributed"}, []string{"severity", "state_involvement"}},
		{"JPN", jpAnswers, "use-of-force-notify",
			[]string{"attack_on_japan", "serious_damage", "national_emergency"},
			// Either of two rules suffices: together they decide.
			[]string{"serious_damage", "national_emergency"}, []string{"severity"}},
	}
	for _, c := range cases {
		t.Run(c.nation, func(t *testing.T) {
			p := mustPolicy(t, c.nation)
			res, err := p.Evaluate(&threshold.Input{Facts: portAttack(), Severity: sev, Answers: c.ans})
			if err != nil {
				t.Fatal(err)
			}
			if res.Level.ID != c.level || !slices.Equal(res.RulesFired, c.fired) ||
				!slices.Equal(res.DecidingRules, c.deciding) || !slices.Equal(res.DecidingFactors, c.factors) {
				t.Errorf("got %+v\nwant level %s fired %v deciding %v factors %v", res, c.level, c.fired, c.deciding, c.factors)
			}
		})
	}
	// Without any answer, nothing is attributed: the US example cannot
	// reach consultation on facts alone.
	res, err := mustPolicy(t, "USA").Evaluate(&threshold.Input{Facts: portAttack(), Severity: sev})
	if err != nil || res.Level.Rank != 0 {
		t.Errorf("unanswered: %+v, %v", res, err)
	}
}

func policyJSON(rules, decision string) string {
	return fmt.Sprintf(`{"nation":"AUS","version":"t1","levels":[{"id":"low","name":"Low","rank":0},{"id":"high","name":"High","rank":1}],
"rules":[%s],"decision":%s}`, rules, decision)
}

// TestPolicyFailsToCompile: a policy that does not compile is not loaded;
// the error names the nation, version, file, JSON path and position.
func TestPolicyFailsToCompile(t *testing.T) {
	cases := []struct{ name, json, want string }{
		{"undeclared name", policyJSON(`{"id":"a","when":"factors.severity.degre >= 3"}`, `"'low'"`),
			"policy AUS t1 (p.json): $.rules[0].when: 1:1: undeclared reference to 'factors.severity.degre'"},
		{"syntax, second line", policyJSON(`{"id":"a","when":["true &&","  (incident.deaths > "]}`, `"'low'"`),
			"policy AUS t1 (p.json): $.rules[0].when: 2:22: Syntax error"},
		{"rule not bool", policyJSON(`{"id":"a","when":"incident.deaths"}`, `"'low'"`),
			"policy AUS t1 (p.json): $.rules[0].when: 1:1: the expression yields int; it must yield bool"},
		{"decision not string", policyJSON(`{"id":"a","when":"true"}`, `"rules.a"`),
			"policy AUS t1 (p.json): $.decision: 1:1: the expression yields bool; it must yield string"},
		{"decision reads an unknown rule", policyJSON(`{"id":"a","when":"true"}`, `"rules.b ? 'high' : 'low'"`),
			"$.decision: 1:1: undeclared reference to 'rules.b'"},
		{"bad rule id", policyJSON(`{"id":"A-1","when":"true"}`, `"'low'"`), `$.rules[0].id: "A-1" is not a rule id`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := threshold.Load([]byte(c.json), "p.json")
			if err == nil || kizuna.ErrorCode(err) != kizuna.EINVALID || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v\nwant %q", err, c.want)
			}
		})
	}
}

// TestPolicyFailsClosed: a policy that fails while evaluating, or yields
// something that is not one of its levels, gives no level but an error
// with the policy and the position.
func TestPolicyFailsClosed(t *testing.T) {
	in := &threshold.Input{Facts: &kizuna.IncidentFacts{AffectedNations: []string{"AUS"}}}
	cases := []struct{ name, json, want string }{
		{"index out of range", policyJSON(`{"id":"a","when":"true"},{"id":"b","when":"incident.affected_nations[3] == 'JPN'"}`, `"'low'"`),
			"policy AUS t1 (p.json): $.rules[1].when: 1:26: index out of bounds: 3"},
		{"division by zero in the decision", policyJSON(`{"id":"a","when":"true"}`, `["rules.a &&","  100 / incident.deaths > 1 ? 'high' : 'low'"]`),
			"policy AUS t1 (p.json): $.decision: 2:7: division by zero"},
		{"not a level", policyJSON(`{"id":"a","when":"true"}`, `"rules.a ? 'severe' : 'low'"`),
			`policy AUS t1 (p.json): $.decision: 1:1: yielded "severe", which is not one of the policy's levels low, high`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := threshold.Load([]byte(c.json), "p.json")
			if err != nil {
				t.Fatal(err)
			}
			res, err := p.Evaluate(in)
			var pe *threshold.Error
			if res != nil || !errors.As(err, &pe) || kizuna.ErrorCode(err) != kizuna.EINVALID || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("res %+v err %v\nwant %q", res, err, c.want)
			}
		})
	}
}

// TestPolicyLoadRejects covers the non-expression checks.
func TestPolicyLoadRejects(t *testing.T) {
	_, err := threshold.Load([]byte(`{"nation":"Japan","version":"","levels":[{"id":"a","name":"A","rank":0},{"id":"a","name":"","rank":0}],"rules":[],"decision":"'a'"}`), "x.json")
	for _, w := range []string{`$.nation: "Japan" is not`, "$.version: is required", `$.levels[1].id: must be present and unique, not "a"`,
		"$.levels[1].name: is required", "$.levels[1].rank: must be a unique rank"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("err = %v\nlacks %q", err, w)
		}
	}
	if _, err := threshold.Load([]byte(`{"nation":"JPN","colour":1}`), "x.json"); err == nil || !strings.Contains(err.Error(), `x.json: $: unknown property "colour"`) {
		t.Errorf("unknown property: %v", err)
	}
}

// TestDocsListEveryVariable: docs/collective-defense.md names every
// incident, severity and campaign variable a policy may read.
func TestDocsListEveryVariable(t *testing.T) {
	doc, err := os.ReadFile("../../docs/collective-defense.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range threshold.Vars {
		if strings.HasPrefix(v.Name, "factors.") {
			continue
		}
		short := v.Name[strings.Index(v.Name, ".")+1:]
		if !strings.Contains(string(doc), "`"+v.Name+"`") && !strings.Contains(string(doc), "`"+short+"`") {
			t.Errorf("the docs do not list %s", v.Name)
		}
	}
}
