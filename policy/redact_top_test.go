package policy

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// sameJSON reports whether a and b hold the same JSON value (numbers
// compared as written).
func sameJSON(a, b []byte) bool {
	var va, vb any
	return decodeNumbers(a, &va) && decodeNumbers(b, &vb) && reflect.DeepEqual(va, vb)
}

// TestRedactTopMatchesDecoded compares the raw-bytes path of Redact with
// the decoding one on random objects: values with quotes, escapes, braces
// and brackets inside strings, nested values, granular markings and an
// earlier redaction list, and random top-level selectors. Both must mean
// the same JSON and report the same selectors.
func TestRedactTopMatchesDecoded(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	keys := []string{"type", "id", "name", "description", "labels", "pattern", "x_note", "confidence", "external_references"}
	values := []string{`"plain"`, `"with \"quotes\" and \\ and \u00e9"`, `"{not: [an object]}"`, `"}"`, `"]"`, `""`,
		`12345678901234567890`, `-1.5e3`, `true`, `null`, `[]`, `{}`, `["a","b,c",{"k":"}]"}]`,
		`{"a":{"b":[1,2,{"c":"d\"}"}]}}`, "[ 1 , 2 ]", `"secret description"`}
	for iter := 0; iter < 5000; iter++ {
		var members []string
		present := map[string]bool{}
		for _, k := range keys {
			if rng.IntN(3) > 0 {
				members = append(members, fmt.Sprintf("%q%s:%s%s", k, strings.Repeat(" ", rng.IntN(2)), strings.Repeat(" ", rng.IntN(2)), values[rng.IntN(len(values))]))
				present[k] = true
			}
		}
		if rng.IntN(2) == 0 {
			var gm []string
			for range 1 + rng.IntN(3) {
				var sels []string
				for range 1 + rng.IntN(2) {
					sels = append(sels, fmt.Sprintf("%q", keys[rng.IntN(len(keys))]))
				}
				gm = append(gm, fmt.Sprintf(`{"marking_ref":"m%d","selectors":[%s]}`, rng.IntN(9), strings.Join(sels, ",")))
			}
			members = append(members, `"granular_markings":[`+strings.Join(gm, ",")+`]`)
		}
		if rng.IntN(4) == 0 {
			members = append(members, `"x_kizuna_redacted":["labels.[0]","name"]`)
		}
		rng.Shuffle(len(members), func(i, j int) { members[i], members[j] = members[j], members[i] })
		raw := []byte("{" + strings.Join(members, ",") + "}")
		if rng.IntN(5) == 0 {
			raw = []byte(" \n" + strings.ReplaceAll(string(raw), `,"`, ",\n  \"") + "\n")
		}
		var selectors []string
		for range 1 + rng.IntN(3) {
			selectors = append(selectors, keys[rng.IntN(len(keys))])
		}

		fast, fastDone, ok := redactTop(raw, selectors)
		if !ok {
			t.Fatalf("%s %v: the raw-bytes path declined", raw, selectors)
		}
		slow, slowDone, err := redactDecoded(raw, selectors)
		if err != nil {
			t.Fatal(err)
		}
		if !sameJSON(fast, slow) || !reflect.DeepEqual(fastDone, slowDone) {
			t.Fatalf("Redact(%s, %v):\n raw bytes %s %v\n decoded   %s %v", raw, selectors, fast, fastDone, slow, slowDone)
		}
		if len(fastDone) == 0 && !bytes.Equal(fast, raw) {
			t.Fatalf("nothing removed but the object changed: %s -> %s", raw, fast)
		}
	}
}

// TestRedactTopDeclines checks the cases the raw-bytes path leaves to the
// decoding one.
func TestRedactTopDeclines(t *testing.T) {
	for _, c := range []struct {
		raw string
		sel []string
	}{
		{`{"labels":["a","b"]}`, []string{"labels.[0]"}},
		{`{"a":{"b":1}}`, []string{"a.b"}},
		{`{"granular_markings":[]}`, []string{"granular_markings"}},
		{`{"x_kizuna_redacted":[]}`, []string{RedactedProperty}},
		{`{"na\u006de":"x"}`, []string{"name"}},
		{`{"name":"x","name":"y"}`, []string{"name"}},
		{`["name"]`, []string{"name"}},
		{`{"name":"x"`, []string{"name"}},
		{`{"name":"x"} {}`, []string{"name"}},
	} {
		if _, _, ok := redactTop([]byte(c.raw), c.sel); ok {
			t.Errorf("redactTop(%s, %v) took the raw-bytes path", c.raw, c.sel)
		}
	}
}
