package stix

import (
	"math"
	"strings"
	"testing"
)

// TestCanonicalRFC8785 checks the examples of RFC 8785 sections 3.2.2 and
// 3.2.3.
func TestCanonicalRFC8785(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"3.2.2 example", `{
  "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
  "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
  "literals": [null, true, false]
}`, `{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`},
		{"3.2.3 sorting", `{
  "\u20ac": "Euro Sign",
  "\r": "Carriage Return",
  "\ufb33": "Hebrew Letter Dalet With Dagesh",
  "1": "One",
  "\ud83d\ude00": "Emoji: Grinning Face",
  "\u0080": "Control",
  "\u00f6": "Latin Small Letter O With Diaeresis"
}`, "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u0080\":\"Control\",\"ö\":\"Latin Small Letter O With Diaeresis\",\"€\":\"Euro Sign\",\"😀\":\"Emoji: Grinning Face\",\"\ufb33\":\"Hebrew Letter Dalet With Dagesh\"}"},
		{"nested and empty", ` { "b" : [ {} , [ ] ] , "a" : { "d" : 1 , "c" : "" } } `, `{"a":{"c":"","d":1},"b":[{},[]]}`},
		{"control escapes", `"\u0000\b\f\t\u001f\u007f\u2028"`, "\"\\u0000\\b\\f\\t\\u001f\u007f\u2028\""},
		{"integers and underflow", `[0, -0, 1, -1, 100, 1e2, 12345678901234567890, 0.1e1, 1e-400]`, `[0,0,1,-1,100,100,12345678901234567000,1,0]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Canonical([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

// TestCanonicalNumbers checks the IEEE 754 to ECMAScript vectors of RFC 8785
// appendix B.
func TestCanonicalNumbers(t *testing.T) {
	tests := []struct {
		bits uint64
		want string
	}{
		{0x0000000000000000, "0"},
		{0x8000000000000000, "0"},
		{0x0000000000000001, "5e-324"},
		{0x8000000000000001, "-5e-324"},
		{0x7fefffffffffffff, "1.7976931348623157e+308"},
		{0xffefffffffffffff, "-1.7976931348623157e+308"},
		{0x4340000000000000, "9007199254740992"},
		{0xc340000000000000, "-9007199254740992"},
		{0x4430000000000000, "295147905179352830000"},
		{0x44b52d02c7e14af5, "9.999999999999997e+22"},
		{0x44b52d02c7e14af6, "1e+23"},
		{0x44b52d02c7e14af7, "1.0000000000000001e+23"},
		{0x444b1ae4d6e2ef4e, "999999999999999700000"},
		{0x444b1ae4d6e2ef4f, "999999999999999900000"},
		{0x444b1ae4d6e2ef50, "1e+21"},
		{0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"},
		{0x3eb0c6f7a0b5ed8d, "0.000001"},
		{0x41b3de4355555553, "333333333.3333332"},
		{0x41b3de4355555554, "333333333.33333325"},
		{0x41b3de4355555555, "333333333.3333333"},
		{0x41b3de4355555556, "333333333.3333334"},
		{0x41b3de4355555557, "333333333.33333343"},
		{0xbecbf647612f3696, "-0.0000033333333333333333"},
		{0x43143ff3c1cb0959, "1424953923781206.2"},
	}
	for _, tt := range tests {
		f := math.Float64frombits(tt.bits)
		if got := string(appendES6(nil, f)); got != tt.want {
			t.Errorf("%#016x: got %s, want %s", tt.bits, got, tt.want)
		}
		// The same value written as a JSON literal canonicalises alike.
		lit := string(appendES6(nil, f))
		if got, err := Canonical([]byte(lit)); err != nil || string(got) != tt.want {
			t.Errorf("Canonical(%s) = %s, %v", lit, got, err)
		}
	}
}

// TestCanonicalRejects checks that input without a single canonical form is
// refused with the byte offset of the problem.
func TestCanonicalRejects(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"a":1,"a":2}`, `byte offset 7: duplicate member name "a"`},
		{"\"\xff\"", "byte offset 1: invalid UTF-8"},
		{`"\ud800"`, "lone surrogate"},
		{`"\udc00\ud800"`, "lone surrogate"},
		{`1e400`, "outside the range"},
		{`[1,]`, "byte offset 3"},
		{`{"a":01}`, "leading zero"},
		{`{"a":1} x`, "after the JSON value"},
		{`NaN`, "unexpected character"},
		{strings.Repeat("[", 300) + strings.Repeat("]", 300), "nesting deeper"},
		{"\"a\tb\"", "control character"},
		{``, "unexpected end of input"},
	}
	for _, tt := range tests {
		_, err := Canonical([]byte(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Canonical(%q) error = %v, want one containing %q", tt.in, err, tt.want)
		}
	}
}

func TestCompareUTF16(t *testing.T) {
	// U+FB33 (one UTF-16 unit, 0xFB33) sorts after U+1F600 (0xD83D 0xDE00)
	// in UTF-16 order, although its UTF-8 bytes sort before.
	if compareUTF16("\ufb33", "😀") <= 0 {
		t.Error("U+FB33 must sort after U+1F600")
	}
	if compareUTF16("a", "ab") >= 0 || compareUTF16("ab", "ab") != 0 || compareUTF16("b", "a") <= 0 {
		t.Error("prefix and ASCII order wrong")
	}
	if compareUTF16("😀", "😁") >= 0 {
		t.Error("two supplementary characters must compare by their low surrogates")
	}
}

// TestCanonicalSplit checks the canonical form without one member, and the
// members picked, against Canonical of the object rebuilt without it.
func TestCanonicalSplit(t *testing.T) {
	raw := []byte(`{"z": 1.0, "sig": {"b": 2, "a": "\u0041"}, "id": "x--1", "a": [true, null]}`)
	got, picked, err := CanonicalSplit(raw, "sig", "sig", "id", "missing")
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"a":[true,null],"id":"x--1","z":1}`; string(got) != want {
		t.Errorf("canonical = %s, want %s", got, want)
	}
	if string(picked[0]) != `{"a":"A","b":2}` || string(picked[1]) != `"x--1"` || picked[2] != nil {
		t.Errorf("picked = %q", picked)
	}
	if got, _, err := CanonicalSplit([]byte(`{"a":1}`), "sig"); err != nil || string(got) != `{"a":1}` {
		t.Errorf("without the member: %s, %v", got, err)
	}
	for _, bad := range []string{`[1]`, `"s"`, `null`, `{"a":1,"a":2}`, `{"sig":1e400}`, `{"a":1`} {
		if _, _, err := CanonicalSplit([]byte(bad), "sig"); err == nil {
			t.Errorf("CanonicalSplit(%s) accepted it", bad)
		}
	}
}
