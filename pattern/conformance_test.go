package pattern

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// The vectors in testdata/conformance come from the OASIS reference matcher
// and validator test suites (BSD-3-Clause, see the licence file beside them).

type matcherVectors struct {
	ObservationSets map[string]json.RawMessage `json:"observation_sets"`
	Vectors         []struct {
		ID             string   `json:"id"`
		Pattern        string   `json:"pattern"`
		StixVersion    string   `json:"stix_version"`
		Observations   string   `json:"observations"`
		Expect         string   `json:"expect"`
		ExpectSDOIDs   []string `json:"expect_sdo_ids"`
		ExpectSDOCount int      `json:"expect_sdo_count"`
		SDOIDsCheck    string   `json:"sdo_ids_check"`
	} `json:"vectors"`
}

type validatorVectors struct {
	Vectors []struct {
		ID          string `json:"id"`
		Pattern     string `json:"pattern"`
		StixVersion string `json:"stix_version"`
		Valid       bool   `json:"valid"`
	} `json:"vectors"`
}

// MustReadJSON decodes a testdata file into v.
func MustReadJSON(tb testing.TB, name string, v any) {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
}

// runMatcherVector evaluates one vector and returns the outcome in the
// vectors' vocabulary, with the SDO ids of the binding found.
func runMatcherVector(pattern string, v Version, data []byte) (string, []string) {
	p, err := ParseVersion(pattern, v)
	if err != nil {
		return "parse-error", nil
	}
	obs, err := ParseObservations(data, v)
	if err != nil {
		return "matcher-error", nil
	}
	r, err := p.Match(obs)
	var ee *EvalError
	switch {
	case errors.As(err, &ee):
		return "matcher-error", nil
	case err != nil:
		return "unexpected-error: " + err.Error(), nil
	case r.Matched:
		return "match", r.ObservedData
	}
	return "no-match", nil
}

func checkMatcherFile(t *testing.T, name string, strict bool) {
	var mv matcherVectors
	MustReadJSON(t, filepath.Join("conformance", name), &mv)
	pass := 0
	for _, vec := range mv.Vectors {
		got, ids := runMatcherVector(vec.Pattern, Version(vec.StixVersion), mv.ObservationSets[vec.Observations])
		ok := got == vec.Expect
		if ok && vec.SDOIDsCheck != "" {
			switch vec.SDOIDsCheck {
			case "exact":
				ok = slices.Equal(ids, vec.ExpectSDOIDs)
			case "unordered":
				a, b := slices.Clone(ids), slices.Clone(vec.ExpectSDOIDs)
				slices.Sort(a)
				slices.Sort(b)
				ok = slices.Equal(a, b)
			case "count":
				ok = len(ids) == vec.ExpectSDOCount
			}
		}
		if ok {
			pass++
			continue
		}
		if strict {
			t.Errorf("%s: %s: got %s %v, want %s %v", vec.ID, vec.Pattern, got, ids, vec.Expect, vec.ExpectSDOIDs)
		} else {
			t.Logf("%s: %s: got %s %v, want %s %v", vec.ID, vec.Pattern, got, ids, vec.Expect, vec.ExpectSDOIDs)
		}
	}
	t.Logf("%s: %d/%d vectors agree", name, pass, len(mv.Vectors))
}

func checkValidatorFile(t *testing.T, name string, strict bool) {
	var vv validatorVectors
	MustReadJSON(t, filepath.Join("conformance", name), &vv)
	pass := 0
	for _, vec := range vv.Vectors {
		_, err := Validate(vec.Pattern, Version(vec.StixVersion))
		if (err == nil) == vec.Valid {
			pass++
			continue
		}
		if strict {
			t.Errorf("%s: %q: valid=%v, want %v (err %v)", vec.ID, vec.Pattern, err == nil, vec.Valid, err)
		} else {
			t.Logf("%s: %q: valid=%v, want %v (err %v)", vec.ID, vec.Pattern, err == nil, vec.Valid, err)
		}
	}
	t.Logf("%s: %d/%d vectors agree", name, pass, len(vv.Vectors))
}

func TestConformanceMatcherV21(t *testing.T)   { checkMatcherFile(t, "matcher-v21.json", true) }
func TestConformanceValidatorV21(t *testing.T) { checkValidatorFile(t, "validator-v21.json", true) }

// STIX 2.0: START/STOP take plain strings as the 2.0 matcher vectors expect;
// the 2.0 validator vectors never use them (see README-vectors.md).
func TestConformanceMatcherV20(t *testing.T)   { checkMatcherFile(t, "matcher-v20.json", true) }
func TestConformanceValidatorV20(t *testing.T) { checkValidatorFile(t, "validator-v20.json", true) }

// Vectors for EXISTS and NOT, which the reference suites do not cover,
// written from the specification.
func TestExistsNot(t *testing.T) { checkMatcherFile(t, "../exists-not-v21.json", true) }
