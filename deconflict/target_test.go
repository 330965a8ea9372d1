package deconflict_test

import (
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/deconflict"
)

func meet(a, b deconflict.Keys) bool {
	for _, e := range a.Exact {
		if slices.Contains(b.Up, e) {
			return true
		}
	}
	for _, e := range b.Exact {
		if slices.Contains(a.Up, e) {
			return true
		}
	}
	return false
}

func mustKeys(t *testing.T, tg kizuna.ActionTarget) deconflict.Keys {
	t.Helper()
	k, err := deconflict.Normalise(tg)
	if err != nil {
		t.Fatalf("%v: %v", tg, err)
	}
	return k
}

// TestTargetsMeet: targets meet exactly when they overlap: a range and an
// address inside it, a domain and its subdomains, a URL and its host.
func TestTargetsMeet(t *testing.T) {
	cases := []struct {
		a, b kizuna.ActionTarget
		meet bool
	}{
		{ip("203.0.113.0/24"), ip("203.0.113.45"), true},
		{ip("203.0.113.0/22"), ip("203.0.114.7"), true},
		{ip("203.0.113.0/24"), ip("203.0.112.0/24"), false},
		{ip("203.0.113.0/26"), ip("203.0.113.64/26"), false},
		{ip("203.0.113.0/23"), ip("203.0.112.128/25"), true},
		{ip("2001:db8:1::/48"), ip("2001:db8:1:2::1"), true},
		{ip("::ffff:203.0.113.9"), ip("203.0.113.0/24"), true},
		{ip("2001:db8::/32"), ip("203.0.113.0/24"), false},
		{dns("Evil.Example."), dns("c2.evil.example"), true},
		{dns("c2.evil.example"), dns("www.evil.example"), false},
		{dns("port-update.co.jp"), dns("x.port-update.co.jp"), true},
		{dns("a.example.co.jp"), dns("b.example.co.jp"), false},
		{kizuna.ActionTarget{Kind: kizuna.TargetURL, Value: "HTTPS://C2.Evil.example:443/gate.php?id=1"}, dns("evil.example"), true},
		{kizuna.ActionTarget{Kind: kizuna.TargetURL, Value: "http://203.0.113.45/x"}, ip("203.0.113.0/24"), true},
		{kizuna.ActionTarget{Kind: kizuna.TargetURL, Value: "https://c2.evil.example/gate.php?id=1"},
			kizuna.ActionTarget{Kind: kizuna.TargetURL, Value: "https://c2.evil.example/gate.php?id=2"}, false},
		{kizuna.ActionTarget{Kind: kizuna.TargetASN, Value: "AS64500"}, kizuna.ActionTarget{Kind: kizuna.TargetASN, Value: "64500"}, true},
		{kizuna.ActionTarget{Kind: kizuna.TargetObject, Value: "infrastructure--2d6a1f0e-4c7b-4e8a-9f3d-1b2c3d4e5f60"},
			kizuna.ActionTarget{Kind: kizuna.TargetObject, Value: "infrastructure--2d6a1f0e-4c7b-4e8a-9f3d-1b2c3d4e5f60"}, true},
	}
	for _, c := range cases {
		if got := meet(mustKeys(t, c.a), mustKeys(t, c.b)); got != c.meet {
			t.Errorf("%v and %v: meet %v, want %v", c.a, c.b, got, c.meet)
		}
	}
	for _, bad := range []kizuna.ActionTarget{ip("10.0.0.0/7"), ip("2001::/12"), ip("fe80::1%eth0"), dns("co.jp"), dns("ev il.example"),
		{Kind: kizuna.TargetURL, Value: "/relative"}, {Kind: kizuna.TargetASN, Value: "AS0"}, {Kind: "mac", Value: "x"}} {
		if _, err := deconflict.Normalise(bad); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
	// A /22 lies between the /20 and /24 levels: it is tiled by four /24s.
	if k := mustKeys(t, ip("203.0.112.0/22")); !slices.Equal(k.Exact, []string{"ip4:203.0.112.0/24", "ip4:203.0.113.0/24", "ip4:203.0.114.0/24", "ip4:203.0.115.0/24"}) {
		t.Errorf("exact keys of a /22: %v", k.Exact)
	}
}

// TestRangesMeetExactlyWhenTheyOverlap compares the keys with
// netip.Prefix.Overlaps on random ranges of one small region, so that
// nesting and neighbours are frequent.
func TestRangesMeetExactlyWhenTheyOverlap(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	random := func(v6 bool) netip.Prefix {
		if v6 {
			var b [16]byte
			copy(b[:], []byte{0x20, 0x01, 0x0d, 0xb8})
			b[4], b[5], b[15] = byte(r.IntN(4)), byte(r.IntN(256)), byte(r.IntN(256))
			p, _ := netip.AddrFrom16(b).Prefix(16 + r.IntN(113))
			return p
		}
		a := netip.AddrFrom4([4]byte{203, 0, byte(112 + r.IntN(4)), byte(r.IntN(256))})
		p, _ := a.Prefix(8 + r.IntN(25))
		return p
	}
	for i := 0; i < 20000; i++ {
		v6 := i%2 == 1
		a, b := random(v6), random(v6)
		ka := mustKeys(t, ip(a.String()))
		kb := mustKeys(t, ip(b.String()))
		if len(ka.Exact) > 8 {
			t.Fatalf("%s: %d exact keys", a, len(ka.Exact))
		}
		if got := meet(ka, kb); got != a.Overlaps(b) {
			t.Fatalf("%s and %s: meet %v, overlap %v", a, b, got, a.Overlaps(b))
		}
	}
}
