package pattern

import "testing"

func TestNormalizeNFC(t *testing.T) {
	cases := []struct{ in, want string }{
		{"abc", "abc"},
		{"e\u0301", "\u00e9"},
		{"\u1e0d\u0307", "\u1e0d\u0307"},
		{"d\u0323\u0307", "\u1e0d\u0307"},
		{"\u1e0b\u0323", "\u1e0d\u0307"},
		{"\u1100\u1161\u11a8", "\uac01"},
		{"\u212b", "\u00c5"}, // singleton: ANGSTROM SIGN
		{"a\u0308\u0301", "\u00e4\u0301"},
		{"\u0958", "\u0915\u093c"}, // composition exclusion stays decomposed
	}
	for _, c := range cases {
		if got := normalizeNFC(c.in); got != c.want {
			t.Errorf("normalizeNFC(%+q) = %+q, want %+q", c.in, got, c.want)
		}
	}
}
