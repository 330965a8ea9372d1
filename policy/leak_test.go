package policy_test

import (
	"context"
	"encoding/json"
	"flag"
	"slices"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/policy"
	"github.com/kizuna-dev/kizuna/policy/policytest"
)

var (
	leakCases = flag.Int("leak.cases", 100_000, "reader×object cases the model-based leak test checks")
	leakSeed  = flag.Uint64("leak.seed", 20261122, "seed of the model-based leak test")
)

// TestModelLeak checks the policy and its guard against the independent
// reference model in policytest: random markings (several at once, portion
// markings, ACS, TLP 1.0/2.0, uninterpretable and unknown ones), random
// objects and random readers. Every reader×object pair is a case; any
// difference (a leak or an over-denial, a wrong redaction, a redacted value
// still present) fails.
func TestModelLeak(t *testing.T) {
	const objects, readers = 250, 40
	gen := policytest.NewGen(*leakSeed)
	cases, disagreements := 0, 0
	var st leakStats
	for round := 0; cases < *leakCases; round++ {
		sc := gen.Scenario(objects, readers)
		n, bad := runScenario(t, sc, round, &st)
		cases += n
		disagreements += bad
		if disagreements > 20 {
			t.Fatalf("stopping after %d disagreements in %d cases", disagreements, cases)
		}
	}
	if disagreements > 0 {
		t.Fatalf("%d disagreements with the reference model in %d cases", disagreements, cases)
	}
	t.Logf("%d cases, no disagreement (%d visible, %d with redactions, %d objects rejected at ingest)", cases, st.visible, st.redacted, st.rejected)
	// A model run where nearly everything is hidden (or shown) would prove
	// little: make sure every outcome is well represented.
	if st.visible < cases/20 || st.visible > cases*19/20 || st.redacted < cases/200 || st.rejected == 0 {
		t.Errorf("unbalanced generator: %+v of %d cases", st, cases)
	}
}

type leakStats struct{ visible, redacted, rejected int }

func runScenario(t *testing.T, sc *policytest.Scenario, round int, st *leakStats) (cases, bad int) {
	t.Helper()
	ctx := context.Background()
	store := policytest.NewMemStore()
	if err := store.CreateCollection(ctx, sc.Collection); err != nil {
		t.Fatal(err)
	}
	p := MustPolicy(t, store)
	for _, md := range sc.StoredMarkings() {
		MustStore(t, p, store, sc.Collection, md)
	}
	stored := map[string]*policytest.ObjectSpec{}
	for _, spec := range sc.Objects {
		obj := spec.Object()
		label, portions, _, err := p.Label(ctx, obj, sc.Collection)
		rejected := sc.Expect(policytest.Reader{}, spec).Rejected
		if (err != nil) != rejected {
			t.Errorf("round %d: %s: Label error %v, model says rejected=%v", round, spec.ID, err, rejected)
			bad++
			continue
		}
		if err != nil {
			st.rejected++
			continue
		}
		obj.Label, obj.Portions = label, portions
		if res, err := store.PutObjects(ctx, sc.Collection.ID, []*kizuna.Object{obj}); err != nil || res[0].Err != nil {
			t.Fatalf("store: %v %v", err, res)
		}
		stored[spec.ID] = spec
	}
	guard := policy.NewGuard(p, store)
	for ri, r := range sc.Readers {
		rctx := ctx
		if pr := r.Principal(); pr != nil {
			rctx = kizuna.NewContextWithPrincipal(ctx, pr)
		}
		page, err := guard.FindObjects(rctx, kizuna.ObjectFilter{Collection: sc.Collection.ID, IncludeRaw: true})
		if r.Revoked && kizuna.ErrorCode(err) == kizuna.ENOTFOUND {
			page, err = &kizuna.ObjectPage{}, nil // a revoked principal sees no collection at all
		}
		if err != nil {
			t.Fatalf("round %d reader %d: %v", round, ri, err)
		}
		got := map[string]*kizuna.Object{}
		for _, o := range page.Objects {
			if o.Type == "indicator" {
				got[o.ID] = o
			}
		}
		for oi, spec := range sc.Objects {
			if stored[spec.ID] == nil {
				continue
			}
			cases++
			exp := sc.Expect(r, spec)
			o := got[spec.ID]
			if (o != nil) != exp.Visible {
				bad++
				t.Errorf("round %d: reader %+v, object %s (markings %v, granular %v, created by %q): visible=%v, model says %v",
					round, r, spec.ID, spec.Markings, spec.Granular, spec.CreatedBy, o != nil, exp.Visible)
				continue
			}
			if oi%7 == ri%7 {
				byID, err := guard.FindObjects(rctx, kizuna.ObjectFilter{Collection: sc.Collection.ID, IDs: []string{spec.ID}})
				if r.Revoked && kizuna.ErrorCode(err) == kizuna.ENOTFOUND {
					byID, err = &kizuna.ObjectPage{}, nil
				}
				if err != nil || (len(byID.Objects) == 1) != exp.Visible {
					bad++
					t.Errorf("round %d: by-id request for %s: %v objects (err %v), model says visible=%v", round, spec.ID, len(byID.Objects), err, exp.Visible)
				}
			}
			if o == nil {
				continue
			}
			st.visible++
			if len(exp.Redacted) > 0 {
				st.redacted++
			}
			if msg := checkRedaction(o, spec, exp); msg != "" {
				bad++
				t.Errorf("round %d: reader %+v, object %s (granular %v): %s", round, r, spec.ID, spec.Granular, msg)
			}
		}
	}
	return cases, bad
}

// checkRedaction compares the redacted selectors with the model and checks
// that no redacted value is left anywhere in the JSON (and every other one
// is).
func checkRedaction(o *kizuna.Object, spec *policytest.ObjectSpec, exp policytest.Expectation) string {
	var doc struct {
		Redacted []string `json:"x_kizuna_redacted"`
	}
	if err := json.Unmarshal(o.Raw, &doc); err != nil {
		return "returned JSON does not parse: " + err.Error()
	}
	if !slices.Equal(doc.Redacted, exp.Redacted) {
		return "x_kizuna_redacted " + strings.Join(doc.Redacted, ",") + ", model says " + strings.Join(exp.Redacted, ",")
	}
	for sel, secret := range spec.Secrets {
		present := strings.Contains(string(o.Raw), secret)
		if slices.Contains(exp.Redacted, sel) && present {
			return "redacted " + sel + " is still in the JSON"
		}
		if !slices.Contains(exp.Redacted, sel) && !present {
			return sel + " was removed but is not redacted"
		}
	}
	return ""
}
