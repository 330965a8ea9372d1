package policy_test

import (
	"context"
	"encoding/json"
	"flag"
	"slices"
	"strings"
	"testing"
	"time"

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
	t.Logf("%d cases, no disagreement (%d visible, %d with redactions, %d older versions served for a hidden newer one, %d objects rejected at ingest)",
		cases, st.visible, st.redacted, st.older, st.rejected)
	// A model run where nearly everything is hidden (or shown) would prove
	// little: make sure every outcome is well represented.
	if st.visible < cases/20 || st.visible > cases*19/20 || st.redacted < cases/200 || st.rejected == 0 || st.older == 0 {
		t.Errorf("unbalanced generator: %+v of %d cases", st, cases)
	}
}

type leakStats struct{ visible, redacted, rejected, older int }

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
	stored := map[string]bool{}
	newest := map[string]time.Time{}
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
		stored[spec.Key()] = true
		if spec.Modified.After(newest[spec.ID]) {
			newest[spec.ID] = spec.Modified
		}
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
		var order []string
		for _, o := range page.Objects {
			if o.Type == "indicator" {
				got[o.ID] = o
				order = append(order, o.ID)
			}
		}
		latest := sc.Latest(r)
		for id, o := range got {
			if latest[id] == nil {
				bad++
				t.Errorf("round %d: reader %+v got %s version %s, which the model hides", round, r, id, o.Version)
			}
		}
		for oi, spec := range sc.Objects {
			if !stored[spec.Key()] {
				continue
			}
			cases++
			want := latest[spec.ID]
			if want != spec {
				continue // hidden, or not the latest version this reader may see
			}
			st.visible++
			if spec.Modified.Before(newest[spec.ID]) {
				st.older++
			}
			o := got[spec.ID]
			if o == nil || !o.Version.Equal(spec.Modified) {
				bad++
				t.Errorf("round %d: reader %+v, object %s version %s (markings %v, granular %v, created by %q): got %v",
					round, r, spec.ID, spec.Modified, spec.Markings, spec.Granular, spec.CreatedBy, o)
				continue
			}
			exp := sc.Expect(r, spec)
			if len(exp.Redacted) > 0 {
				st.redacted++
			}
			if msg := checkRedaction(o, spec, exp); msg != "" {
				bad++
				t.Errorf("round %d: reader %+v, object %s (granular %v): %s", round, r, spec.ID, spec.Granular, msg)
			}
			if oi%7 == ri%7 {
				bad += checkByID(t, guard, rctx, sc, r, spec.ID, latest[spec.ID])
			}
		}
		if ri%5 == 0 {
			bad += checkPaging(t, guard, rctx, sc, order)
		}
	}
	return cases, bad
}

// checkByID asks for one object by id: the reader gets the latest version
// it may see, or nothing, exactly as for an id that does not exist.
func checkByID(t *testing.T, g *policy.Guard, ctx context.Context, sc *policytest.Scenario, r policytest.Reader, id string, want *policytest.ObjectSpec) int {
	t.Helper()
	page, err := g.FindObjects(ctx, kizuna.ObjectFilter{Collection: sc.Collection.ID, IDs: []string{id}})
	if r.Revoked && kizuna.ErrorCode(err) == kizuna.ENOTFOUND {
		page, err = &kizuna.ObjectPage{}, nil
	}
	switch {
	case err != nil:
		t.Errorf("by-id request for %s: %v", id, err)
	case want == nil && len(page.Objects) != 0:
		t.Errorf("by-id request for %s returned a version the model hides", id)
	case want != nil && (len(page.Objects) != 1 || !page.Objects[0].Version.Equal(want.Modified)):
		t.Errorf("by-id request for %s: %d objects, want version %s", id, len(page.Objects), want.Modified)
	default:
		return 0
	}
	return 1
}

// checkPaging reads the collection in pages of 7 and compares the
// indicators with those of the single full read.
func checkPaging(t *testing.T, g *policy.Guard, ctx context.Context, sc *policytest.Scenario, full []string) int {
	t.Helper()
	var got []string
	f := kizuna.ObjectFilter{Collection: sc.Collection.ID, Limit: 7}
	for i := 0; i < 1000; i++ {
		page, err := g.FindObjects(ctx, f)
		if err != nil {
			if kizuna.ErrorCode(err) == kizuna.ENOTFOUND {
				return 0 // a revoked reader: no collection at all
			}
			t.Errorf("paging: %v", err)
			return 1
		}
		if page.More && len(page.Objects) != f.Limit {
			t.Errorf("paging: a page of %d with more to come", len(page.Objects))
			return 1
		}
		for _, o := range page.Objects {
			if o.Type == "indicator" {
				got = append(got, o.ID)
			}
		}
		if !page.More {
			break
		}
		f.Next = page.Next
	}
	if !slices.Equal(got, full) {
		t.Errorf("paging gave %d indicators, the full read %d", len(got), len(full))
		return 1
	}
	return 0
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
