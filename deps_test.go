package kizuna_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependenciesPointInward fails when a package imports one it must not:
// the domain package imports only the standard library, pure packages import
// only the domain, and adapters never import each other. Only node, which
// wires them, and cmd/* may import the adapters together. Every package has
// a rule, and every rule names a package that exists.
func TestDependenciesPointInward(t *testing.T) {
	const mod = "github.com/kizuna-dev/kizuna"
	// allowed lists, for each package, the project packages it may import.
	allowed := map[string][]string{
		"":                          {},
		"stix":                      {"", "pattern", "internal/uuidv5"},
		"pattern":                   {"", "internal/jsonvalue"},
		"policy":                    {"", "pattern", "stix"},
		"policy/policytest":         {"", "policy", "stix"},
		"ingest":                    {"", "stix", "policy", "pattern"},
		"store/sqlite":              {"", "store/internal/rowcodec"},
		"store/postgres":            {"", "store/internal/rowcodec"},
		"store/internal/rowcodec":   {""},
		"store/storetest":           {""},
		"taxii":                     {"", "internal/jsonscan"},
		"match":                     {"", "pattern", "policy"},
		"api":                       {""},
		"federation":                {"", "stix", "policy"},
		"mock":                      {""},
		"node":                      {"", "api", "federation", "feed", "ingest", "internal/jsonscan", "match", "policy", "stix", "store/sqlite", "store/postgres", "taxii"},
		"node/nodetest":             {"", "node"},
		"defense":                   {"", "defense/score", "defense/threshold", "defense/internal/conf", "defense/internal/subsets", "sector"},
		"defense/score":             {"", "defense/internal/celx", "defense/internal/conf"},
		"defense/threshold":         {"", "defense/internal/celx", "defense/internal/conf", "defense/internal/subsets"},
		"defense/consult":           {"", "defense/internal/conf"},
		"defense/defstix":           {"", "stix"},
		"defense/defapi":            {"", "defense", "defense/consult", "defense/defstix", "defense/score", "defense/threshold", "internal/apiobj"},
		"defense/internal/celx":     {},
		"defense/internal/conf":     {"internal/strictjson"},
		"defense/internal/subsets":  {},
		"internal/uuidv5":           {},
		"feed":                      {"", "pattern", "stix", "internal/uuidv5"},
		"misp":                      {"", "pattern", "stix", "internal/uuidv5"},
		"source":                    {"", "internal/namedlist"},
		"feed/feedhttp":             {"", "feed", "internal/namedlist"},
		"internal/atomicfile":       {},
		"internal/namedlist":        {""},
		"internal/jsonscan":         {},
		"internal/synth":            {},
		"internal/jsonvalue":        {},
		"sector":                    {""},
		"route":                     {"", "sector", "policy"},
		"route/routeapi":            {"", "defense/defstix", "internal/apiobj", "node", "route", "sector"},
		"stream":                    {"", "defense/defstix", "internal/apiobj", "node", "policy"},
		"internal/strictjson":       {},
		"internal/newsdo":           {"", "internal/strictjson", "stix"},
		"internal/pdf":              {},
		"internal/apiobj":           {"", "internal/strictjson"},
		"internal/stixschema":       {"stix"},
		"exercise":                  {"", "stix", "policy", "defense/defstix", "internal/strictjson"},
		"exercise/evaluate":         {"", "exercise"},
		"exercise/report":           {"", "exercise", "exercise/evaluate", "internal/pdf"},
		"exercise/exstix":           {"", "exercise", "exercise/evaluate", "internal/newsdo"},
		"exercise/exercisetest":     {"", "exercise", "exercise/evaluate"},
		"exercise/exapi":            {"", "exercise", "exercise/evaluate", "exercise/exstix", "exercise/report", "internal/apiobj"},
		"deconflict":                {"", "internal/strictjson"},
		"deconflict/pairwise":       {"", "deconflict", "internal/strictjson"},
		"deconflict/dcstix":         {"", "deconflict", "internal/newsdo", "internal/strictjson"},
		"deconflict/deconflicttest": {"", "deconflict"},
		"web":                       {"", "node", "policy", "federation", "defense", "defense/defapi", "defense/defstix", "deconflict/dcapi", "exercise/exapi"},
		"deconflict/dcapi":          {"", "deconflict", "deconflict/dcstix", "deconflict/pairwise", "internal/apiobj", "policy", "stix"},
	}
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	exists := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg := strings.TrimPrefix(strings.TrimPrefix(fields[0], mod), "/")
		exists[pkg] = true
		if strings.HasPrefix(pkg, "cmd/") {
			continue
		}
		ok, known := allowed[pkg]
		if !known {
			t.Errorf("package %q has no entry in the dependency rules; add one", pkg)
			continue
		}
		for _, imp := range fields[1:] {
			if imp != mod && !strings.HasPrefix(imp, mod+"/") {
				if pkg == "" && strings.Contains(strings.SplitN(imp, "/", 2)[0], ".") {
					t.Errorf("domain package imports %q; it may import only the standard library", imp)
				}
				continue
			}
			target := strings.TrimPrefix(strings.TrimPrefix(imp, mod), "/")
			permitted := false
			for _, a := range ok {
				if a == target {
					permitted = true
				}
			}
			if !permitted {
				t.Errorf("package %q imports %q, which points outward", pkg, target)
			}
		}
	}
	for pkg, imports := range allowed {
		if !exists[pkg] {
			t.Errorf("the dependency rules name package %q, which does not exist; remove it", pkg)
		}
		for _, imp := range imports {
			if !exists[imp] {
				t.Errorf("the dependency rule of %q allows %q, which does not exist", pkg, imp)
			}
		}
	}
}
