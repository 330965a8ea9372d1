package policy

import "github.com/kizuna-dev/kizuna"

// ValidTLP reports whether s names a TLP 2.0 level (clear, green, amber,
// amber+strict, red).
func ValidTLP(s string) bool {
	_, ok := tlpRank[s]
	return ok && s != ""
}

// WithinTLP reports whether a label's TLP is no more restrictive than the
// ceiling (an agreement's highest TLP). An object without a TLP marking is
// within every ceiling, as CLEAR is: its other markings still bind. An
// unknown TLP or ceiling is within nothing (fail closed).
func WithinTLP(tlp, ceiling string) bool {
	if !ValidTLP(ceiling) {
		return false
	}
	r, ok := tlpRank[tlp]
	if !ok {
		return false
	}
	if tlp == "" {
		r = tlpRank[kizuna.TLPClear]
	}
	return r <= tlpRank[ceiling]
}
