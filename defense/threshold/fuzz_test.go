package threshold_test

import (
	"os"
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/defense/threshold"
)

// FuzzLoadPolicy loads arbitrary policy files: a policy loads or fails
// with EINVALID, never panics, and a loaded one evaluates to one of its
// levels or to an EINVALID error.
func FuzzLoadPolicy(f *testing.F) {
	for _, n := range []string{"usa", "jpn", "aus"} {
		b, err := os.ReadFile("../defaults/policies/" + n + ".json")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(policyJSON(`{"id":"a","when":"incident.affected_nations[2] == 'X'"}`, `"rules.a ? 'high' : 'low'"`)))
	in := &threshold.Input{Facts: portAttack(), Answers: usAnswers, Severity: kizuna.Severity{Score: 50, Level: 2}}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := threshold.Load(data, "f.json")
		if err != nil {
			if kizuna.ErrorCode(err) != kizuna.EINVALID {
				t.Fatalf("load: %v", err)
			}
			return
		}
		res, err := p.Evaluate(in)
		if err != nil {
			if kizuna.ErrorCode(err) != kizuna.EINVALID {
				t.Fatalf("evaluate: %v", err)
			}
			return
		}
		if p.Level(res.Level.ID) == nil {
			t.Fatalf("level %q is not the policy's", res.Level.ID)
		}
	})
}
