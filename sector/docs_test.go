package sector_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/sector"
)

// TestDocsShowWhatTheCodeDoes: docs/sectors.md shows the error messages,
// the extension id and the comparison figures the code produces.
func TestDocsShowWhatTheCodeDoes(t *testing.T) {
	doc, err := os.ReadFile("../docs/sectors.md")
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(minimal, `"relation": "subset-of", "rationale": "ports`, `"relation": "one-to-many", "rationale": "ports`, 1)
	broken = strings.Replace(broken, `"target": "us.transportation", "relation": "subset-of", "rationale": "rail`, `"target": "us.rail", "relation": "subset-of", "rationale": "rail`, 1)
	_, err = sector.Parse([]byte(broken), "sectors.json")
	want := []string{kizuna.ErrorMessage(err), sector.ExtSectors}
	cfg := mustConfig(t)
	cmp, err := cfg.Profiles.Compare(cfg.Catalog, "us.transportation")
	if err != nil {
		t.Fatal(err)
	}
	want = append(want, fmt.Sprintf("With the examples: %d subcategories, %d agree", len(cmp.Rows), cmp.Counts[sector.RequirementsAgree]),
		fmt.Sprintf("%d differ", cmp.Counts[sector.RequirementsDiffer]), fmt.Sprintf("%d are asked by some nations only", cmp.Counts[sector.RequirementsPartial]))
	flat := strings.Join(strings.Fields(string(doc)), " ") // line breaks of prose are free
	for _, w := range want {
		if !strings.Contains(flat, strings.Join(strings.Fields(w), " ")) {
			t.Errorf("docs/sectors.md does not show:\n%s", w)
		}
	}
}
