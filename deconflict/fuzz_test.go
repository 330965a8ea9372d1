package deconflict_test

import (
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/deconflict"
)

// FuzzNormalise: targets of any kind and value never panic; accepted ones
// have exact keys among their keys, at most eight address pieces, and
// meet themselves.
func FuzzNormalise(f *testing.F) {
	for _, s := range []string{"ip|203.0.113.0/22", "ip|::ffff:1.2.3.4/120", "ip|2001:db8::/33", "domain|Ｅｖｉｌ.example", "domain|xn--n3h.example",
		"url|https://[2001:db8::1]:8443/a?b", "url|http://évil.example/%zz", "asn|AS4294967295", "stix|infrastructure--2d6a1f0e-4c7b-4e8a-9f3d-1b2c3d4e5f60"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		kind, value, _ := strings.Cut(s, "|")
		k, err := deconflict.Normalise(kizuna.ActionTarget{Kind: kind, Value: value})
		if err != nil {
			return
		}
		if len(k.Exact) == 0 || len(k.Exact) > 8 {
			t.Fatalf("%q: %d exact keys", s, len(k.Exact))
		}
		for _, e := range k.Exact {
			found := false
			for _, u := range k.Up {
				found = found || u == e
			}
			if !found {
				t.Fatalf("%q: exact key %s is not among its keys %v", s, e, k.Up)
			}
		}
	})
}

// FuzzParseRules: rule files never panic; errors name file and path.
func FuzzParseRules(f *testing.F) {
	base, _ := deconflict.Defaults.ReadFile(deconflict.DefaultRules)
	f.Add(base)
	f.Add([]byte(`{"version":"1","rules":[{"name":"a","severity":"low","description":{"en":"x"},"a":{"max_category":7},"b":{}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := deconflict.ParseRules(data, "r.json")
		if err != nil {
			if !strings.Contains(err.Error(), "r.json: $") {
				t.Fatalf("error without file and path: %v", err)
			}
			return
		}
		for _, c := range deconflict.Classes() {
			r.Conflicting(c, false)
		}
	})
}
