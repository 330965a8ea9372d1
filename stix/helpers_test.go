package stix

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// MustReadFile returns the contents of a file under testdata.
func MustReadFile(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// MustValid returns the valid example of a type as a generic map.
func MustValid(tb testing.TB, typ string) map[string]any {
	tb.Helper()
	var m map[string]any
	if err := json.Unmarshal(MustReadFile(tb, filepath.Join("valid", typ+".json")), &m); err != nil {
		tb.Fatal(err)
	}
	return m
}

// MustJSON marshals v.
func MustJSON(tb testing.TB, v any) []byte {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// validTypes lists the types with an example under testdata/valid.
func validTypes(tb testing.TB) []string {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "valid", "*.json"))
	if err != nil || len(files) == 0 {
		tb.Fatalf("no valid examples: %v", err)
	}
	var types []string
	for _, f := range files {
		types = append(types, filepath.Base(f[:len(f)-len(".json")]))
	}
	return types
}

// readTestdata reads a file under testdata.
func readTestdata(name string) ([]byte, error) {
	return os.ReadFile(filepath.Join("testdata", name))
}
