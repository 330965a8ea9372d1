package policytest

import "testing"

// TestCleared pins the reference model's clearance rule on the cases the
// access model names, so that the model itself cannot drift.
func TestCleared(t *testing.T) {
	tests := []struct {
		clearances    [][2]string
		scheme, level string
		want          bool
	}{
		{[][2]string{{"JPN", "gokuhi"}}, "USA", "SECRET", true},
		{[][2]string{{"JPN", "極秘"}}, "USA", "CONFIDENTIAL", true},
		{[][2]string{{"JPN", "hi"}}, "USA", "SECRET", false},
		{[][2]string{{"USA", "SECRET"}}, "JPN", "kimitsu", false},
		{[][2]string{{"USA", "TOP SECRET"}}, "JPN", "tokutei-himitsu", true},
		{[][2]string{{"AUS", "TOP SECRET"}}, "USA", "CONFIDENTIAL", false},
		{nil, "USA", "UNCLASSIFIED", true},
		{nil, "USA", "CUI", false},
		{[][2]string{{"USA", "SECRET"}}, "USA", "ULTRA", false},
	}
	for _, tt := range tests {
		if got := Cleared(tt.clearances, tt.scheme, tt.level); got != tt.want {
			t.Errorf("%v for %s:%s = %v", tt.clearances, tt.scheme, tt.level, got)
		}
	}
}

// TestExpectRejectsUnknownMarkings: the model rejects what references a
// marking that was never stored, and the generator produces such objects.
func TestExpectRejectsUnknownMarkings(t *testing.T) {
	s := NewGen(1).Scenario(400, 1)
	rejected := 0
	for _, o := range s.Objects {
		if s.Expect(Reader{}, o).Rejected {
			rejected++
		}
	}
	if rejected == 0 || rejected == len(s.Objects) {
		t.Errorf("%d of %d objects rejected", rejected, len(s.Objects))
	}
}
