package sector_test

import (
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/sector"
)

func mustConfig(tb testing.TB) *sector.Config {
	tb.Helper()
	cfg, err := sector.DefaultConfig()
	if err != nil {
		tb.Fatal(err)
	}
	return cfg
}

// TestCSFCatalogProvenance: the shipped catalog is the file its
// provenance note names (same SHA-256), NIST's CSF 2.0: 6 functions, 22
// current categories, 106 current subcategories, withdrawn CSF 1.1
// elements marked with where they went.
func TestCSFCatalogProvenance(t *testing.T) {
	data, err := sector.Defaults.ReadFile("defaults/csf/NIST_CSF_v2.0_catalog-min.json")
	if err != nil {
		t.Fatal(err)
	}
	sum := fmt.Sprintf("%x", sha256.Sum256(data))
	note, err := sector.Defaults.ReadFile("defaults/csf/PROVENANCE.md")
	if err != nil || !strings.Contains(string(note), sum) {
		t.Errorf("PROVENANCE.md does not name the file's SHA-256 %s (%v)", sum, err)
	}
	csf := mustConfig(t).Profiles.CSF()
	if csf.Version != "1.2.0" || !strings.Contains(csf.Title, "Cybersecurity Framework 2.0") {
		t.Errorf("catalog %q version %q", csf.Title, csf.Version)
	}
	for class, want := range map[string]int{"function": 6, "category": 22, "subcategory": 106} {
		if got := len(csf.Current(class)); got != want {
			t.Errorf("%d current %s elements, want %d", got, class, want)
		}
	}
	if e := csf.Element("GV.OC-01"); e == nil || e.Parent != "GV.OC" || e.Statement != "The organizational mission is understood and informs cybersecurity risk management" {
		t.Errorf("GV.OC-01 = %+v", e)
	}
	if e := csf.Element("PR.DS-04"); e == nil || !e.Withdrawn || e.MovedTo[0] != "PR.IR-04" {
		t.Errorf("PR.DS-04 = %+v", e)
	}
	cats := csf.Current("category")
	if cats[0].ID != "GV.OC" || cats[1].ID != "GV.RM" {
		t.Errorf("categories are not in the framework's order: %s, %s", cats[0].ID, cats[1].ID)
	}
}

// TestCompareTransportation: the example profiles of US Transportation,
// the Japanese ports and logistics and Australian transport, compared for
// us.transportation: GV.OC-04 agrees (required everywhere), ID.AM-02
// differs in tier, DE.CM-09 only the US asks for.
func TestCompareTransportation(t *testing.T) {
	cfg := mustConfig(t)
	cmp, err := cfg.Profiles.Compare(cfg.Catalog, "us.transportation")
	if err != nil {
		t.Fatal(err)
	}
	if !cmp.Example || len(cmp.Profiles) != 3 {
		t.Fatalf("profiles %+v example %v", cmp.Profiles, cmp.Example)
	}
	if p := cmp.Profiles[1]; p.Nation != "JPN" || p.Sector != "jp.logistics" || p.Via != sector.SupersetOf {
		t.Errorf("the Japanese column: %+v", p)
	}
	rows := map[string]sector.ComparedRow{}
	for _, r := range cmp.Rows {
		rows[r.Subcategory] = r
	}
	for sub, want := range map[string]string{"GV.OC-04": sector.RequirementsAgree, "ID.AM-01": sector.RequirementsAgree,
		"ID.AM-02": sector.RequirementsPartial, "GV.SC-05": sector.RequirementsDiffer, "DE.CM-09": sector.RequirementsPartial,
		"RC.RP-01": sector.RequirementsDiffer} {
		if rows[sub].Verdict != want {
			t.Errorf("%s: %s, want %s", sub, rows[sub].Verdict, want)
		}
	}
	if r := rows["DE.CM-09"]; r.Requirements[0] == nil || r.Requirements[1] != nil || r.Requirements[2] != nil {
		t.Errorf("DE.CM-09 row %+v", r)
	}
	if cmp.Rows[0].Subcategory != "GV.OC-04" {
		t.Errorf("rows are not in the framework's order: first %s", cmp.Rows[0].Subcategory)
	}
	total := 0
	for _, n := range cmp.Counts {
		total += n
	}
	if total != len(cmp.Rows) {
		t.Errorf("counts %v for %d rows", cmp.Counts, len(cmp.Rows))
	}
	if _, err := cfg.Profiles.Compare(cfg.Catalog, "kr.defense"); kizuna.ErrorCode(err) != kizuna.EINVALID {
		t.Errorf("a sector without profiles: %v", err)
	}
	if _, err := cfg.Profiles.Compare(cfg.Catalog, "xx.none"); kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
		t.Errorf("an unknown sector: %v", err)
	}
}

// TestProfileErrors: faults of a profiles file name the file and entry.
func TestProfileErrors(t *testing.T) {
	cfg := mustConfig(t)
	const good = `{"version": "1", "catalog": "csf.json", "profiles": [{"id": "p", "nation": "USA", "sectors": ["us.energy"],
  "title": "t", "basis": "b", "requirements": [{"subcategory": "GV.OC-01", "level": "required"}, {"subcategory": "DE.CM-01", "tier": 2}]}]}`
	if _, err := sector.ParseProfiles([]byte(good), "p.json", cfg.Catalog, cfg.Profiles.CSF()); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ old, new, want string }{
		{`"GV.OC-01"`, `"PR.DS-04"`, `p.json: $.profiles[0].requirements[0].subcategory: PR.DS-04 was withdrawn in CSF 2.0 (moved to [PR.IR-04])`},
		{`"GV.OC-01"`, `"GV.OC"`, `p.json: $.profiles[0].requirements[0].subcategory: GV.OC is a CSF category; a profile names subcategories`},
		{`"GV.OC-01"`, `"GV.OC-99"`, `p.json: $.profiles[0].requirements[0].subcategory: "GV.OC-99" is not an element of the CSF catalog`},
		{`"GV.OC-01"`, `"DE.CM-01"`, `p.json: $.profiles[0].requirements[1].subcategory: DE.CM-01 is listed twice`},
		{`"level": "required"`, `"level": "mandatory"`, `p.json: $.profiles[0].requirements[0].level: "mandatory" is neither required nor recommended`},
		{`"tier": 2`, `"tier": 5`, `p.json: $.profiles[0].requirements[1].tier: 5 is not a CSF tier`},
		{`, "tier": 2`, ``, `p.json: $.profiles[0].requirements[1]: give a level`},
		{`["us.energy"]`, `["jp.gas"]`, `p.json: $.profiles[0].sectors[0]: jp.gas is a sector of JPN, not of USA`},
		{`"tier": 2}`, `"tier": 2, "weight": 1}`, `p.json: $.profiles[0].requirements[1]: unknown property "weight"`},
	} {
		_, err := sector.ParseProfiles([]byte(strings.Replace(good, tc.old, tc.new, 1)), "p.json", cfg.Catalog, cfg.Profiles.CSF())
		if err == nil || !strings.Contains(kizuna.ErrorMessage(err), tc.want) {
			t.Errorf("err = %v\nwant %q", err, tc.want)
		}
	}
	if _, err := sector.ParseCSF([]byte(`{"catalog": {"groups": [{"id": "GV", "class": "category"}]}}`), "c.json"); err == nil ||
		!strings.Contains(kizuna.ErrorMessage(err), `c.json: $.catalog.groups[0].class: is "category"; a function is expected here`) {
		t.Errorf("bad catalog: %v", err)
	}
}
