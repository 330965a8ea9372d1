package policy

import (
	"testing"

	"github.com/kizuna-dev/kizuna"
)

func TestValidTLP(t *testing.T) {
	for _, s := range []string{kizuna.TLPClear, kizuna.TLPGreen, kizuna.TLPAmber, kizuna.TLPAmberStrict, kizuna.TLPRed} {
		if !ValidTLP(s) {
			t.Errorf("ValidTLP(%q) = false", s)
		}
	}
	for _, s := range []string{"", "white", "AMBER", "amber+", "black"} {
		if ValidTLP(s) {
			t.Errorf("ValidTLP(%q) = true", s)
		}
	}
}

func TestWithinTLP(t *testing.T) {
	levels := []string{kizuna.TLPClear, kizuna.TLPGreen, kizuna.TLPAmber, kizuna.TLPAmberStrict, kizuna.TLPRed}
	for i, ceiling := range levels {
		for j, tlp := range levels {
			if got, want := WithinTLP(tlp, ceiling), j <= i; got != want {
				t.Errorf("WithinTLP(%q, %q) = %v, want %v", tlp, ceiling, got, want)
			}
		}
		// No TLP ranks as CLEAR: within every ceiling, CLEAR's included.
		if !WithinTLP("", ceiling) {
			t.Errorf("WithinTLP(\"\", %q) = false", ceiling)
		}
		if WithinTLP("black", ceiling) {
			t.Errorf("an unknown TLP is within %q", ceiling)
		}
	}
	for _, bad := range []string{"", "black"} {
		if WithinTLP(kizuna.TLPClear, bad) || WithinTLP("", bad) {
			t.Errorf("ceiling %q admits something", bad)
		}
	}
}
