package sector_test

import (
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/sector"
)

func mustTiers(tb testing.TB) *sector.Tiers {
	tb.Helper()
	t, err := sector.LoadTiers(sector.Defaults, "defaults/tiers.json", mustCatalog(tb))
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

// TestTierDiff: the shipped example lists, compared through the crosswalk:
// US Transportation (tier 1) agrees with every Japanese transport sector
// (tier 1); US Financial Services (tier 2) differs from JP finance and
// credit (tier 1); US emergency services has no Japanese counterpart.
func TestTierDiff(t *testing.T) {
	c, tiers := mustCatalog(t), mustTiers(t)
	if !tiers.Example || !tiers.Nation("USA").Example {
		t.Error("the shipped tiers are not marked as examples")
	}
	d, err := tiers.Diff(c, "USA", "JPN")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]sector.TierRow{}
	for _, r := range d.Rows {
		rows[r.Sector] = r
	}
	if r := rows["us.transportation"]; r.Tier != 1 || r.Verdict != sector.TiersAgree || len(r.Counterparts) != 5 {
		t.Errorf("us.transportation: %+v", r)
	}
	if r := rows["us.financial-services"]; r.Tier != 2 || r.Verdict != sector.TiersDiffer || r.Counterparts[0].Tier != 1 {
		t.Errorf("us.financial-services: %+v", r)
	}
	if r := rows["us.emergency-services"]; r.Verdict != sector.NoCounterpart {
		t.Errorf("us.emergency-services: %+v", r)
	}
	// us.chemical is in no US tier but jp.chemical is in tier 2.
	if r := rows["us.chemical"]; r.Tier != 0 || r.Verdict != sector.TiersDiffer {
		t.Errorf("us.chemical: %+v", r)
	}
	if _, ok := rows["us.commercial-facilities"]; ok {
		t.Error("a sector tiered on neither side is listed")
	}
	if _, err := tiers.Diff(c, "USA", "KOR"); kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
		t.Errorf("no Korean tiers: %v", err)
	}
}

// TestTierErrors: faults of a tiers file name the file and the entry.
func TestTierErrors(t *testing.T) {
	c := mustCatalog(t)
	const good = `{"version": "1", "nations": [{"nation": "USA", "basis": "b", "tiers": [
  {"tier": 1, "name": "one", "sectors": ["us.energy"]}, {"tier": 2, "name": "two", "sectors": ["us.water"]}]}]}`
	if _, err := sector.ParseTiers([]byte(good), "t.json", c); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ old, new, want string }{
		{`"us.water"`, `"jp.water"`, `t.json: $.nations[0].tiers[1].sectors[0]: jp.water is a sector of JPN, not of USA`},
		{`"us.water"`, `"us.energy"`, `t.json: $.nations[0].tiers[1].sectors[0]: us.energy is already in tier 1`},
		{`"us.water"`, `"us.watr"`, `t.json: $.nations[0].tiers[1].sectors[0]: "us.watr" is not a sector`},
		{`{"tier": 2`, `{"tier": 3`, `t.json: $.nations[0].tiers[1].tier: is 3; tiers are numbered 1, 2, 3… in order`},
		{`"nation": "USA"`, `"nation": "FRA"`, `t.json: $.nations[0].nation: "FRA" is not a nation of the sectors file`},
		{`"basis": "b"`, `"basis": ""`, `t.json: $.nations[0].basis: is required`},
		{`"name": "two"`, `"name": "two", "rank": 2`, `t.json: $.nations[0].tiers[1]: unknown property "rank"`},
	} {
		_, err := sector.ParseTiers([]byte(strings.Replace(good, tc.old, tc.new, 1)), "t.json", c)
		if err == nil || !strings.Contains(kizuna.ErrorMessage(err), tc.want) {
			t.Errorf("err = %v\nwant %q", err, tc.want)
		}
	}
}
