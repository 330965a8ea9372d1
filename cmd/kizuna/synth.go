package main

import (
	"io"
	"math/rand/v2"

	"github.com/kizuna-dev/kizuna/internal/synth"
)

// writeSyntheticBundle writes a STIX bundle of n indicator-sized objects,
// streaming, so that benchmarks and crash tests can use bundles far larger
// than memory would like. The same seed gives the same bundle.
func writeSyntheticBundle(w io.Writer, n int, seed uint64) error {
	return synth.Bundle(w, n, seed)
}

// synthUUID returns a version 4 UUID drawn from r.
func synthUUID(r *rand.Rand) string { return synth.UUID(r) }
