package sqlite

import (
	"encoding/json"
	"reflect"
	"testing"
)

func checkDecodeStrings(t *testing.T, s string) {
	var got, want []string
	gerr := decodeStrings(s, &got)
	werr := json.Unmarshal([]byte(s), &want)
	if (gerr == nil) != (werr == nil) {
		t.Fatalf("decodeStrings(%q) error %v, encoding/json %v", s, gerr, werr)
	}
	if gerr == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("decodeStrings(%q) = %q, encoding/json %q", s, got, want)
	}
}

func TestDecodeStrings(t *testing.T) {
	for _, s := range []string{
		`[]`, `[""]`, `["a"]`, `["a","b"]`, `["a,b","c"]`, `["a\"b"]`, `["\u003c"]`, `["a" ,"b"]`,
		`["a",]`, `[`, `]`, `["a`, `["a""b"]`, `[1]`, `null`, `["é","marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"]`,
	} {
		checkDecodeStrings(t, s)
	}
}

func FuzzDecodeStrings(f *testing.F) {
	for _, s := range []string{`[]`, `["a","b"]`, `["a\"b"]`, `["x",`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkDecodeStrings(t, s)
		b, _ := json.Marshal([]string{s, s + ","})
		checkDecodeStrings(t, string(b))
	})
}
