package web

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
)

// TestCataloguesComplete checks that both catalogues hold the same keys,
// and every key the templates and handlers use.
func TestCataloguesComplete(t *testing.T) {
	for _, a := range languages {
		for _, b := range languages {
			for k := range catalogue[a] {
				if _, ok := catalogue[b][k]; !ok {
					t.Errorf("message %q is in %s.json, not in %s.json", k, a, b)
				}
			}
		}
	}
	used := regexp.MustCompile(`\bT\(?\s*"([a-z_.]*[a-z_])"`)
	files, _ := filepath.Glob("templates/*.html")
	gofiles, _ := filepath.Glob("*.go")
	gofiles = slices.DeleteFunc(gofiles, func(f string) bool { return f == "doc.go" })
	for _, f := range append(files, gofiles...) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range used.FindAllStringSubmatch(string(data), -1) {
			if _, ok := catalogue[defaultLanguage][m[1]]; !ok {
				t.Errorf("%s uses message %q, which the catalogues lack", f, m[1])
			}
		}
	}
	for _, p := range pages {
		if p.Nav != "" && catalogue[defaultLanguage][p.Nav] == "" {
			t.Errorf("page %s: navigation message %q is missing", p.Pattern, p.Nav)
		}
	}
	for _, code := range []string{"not_found", "forbidden", "internal", "unavailable", "rate_limited"} {
		if catalogue[defaultLanguage]["error."+code] == "" {
			t.Errorf("error message of %s is missing", code)
		}
	}
}

func TestLanguage(t *testing.T) {
	for header, want := range map[string]string{
		"":                        "en",
		"ja":                      "ja",
		"ja-JP,ja;q=0.9,en;q=0.8": "ja",
		"en-US,en;q=0.9,ja;q=0.5": "en",
		"fr-FR,fr;q=0.9,ja;q=0.4": "ja",
		"de":                      "en",
		"en;q=0.2, ja-JP;q=0.8":   "ja",
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Accept-Language", header)
		if got := language(r); got != want {
			t.Errorf("Accept-Language %q: %s, want %s", header, got, want)
		}
	}
}
