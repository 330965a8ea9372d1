package pattern

import (
	"errors"
	"testing"
	"unicode/utf8"
)

// FuzzParse checks that no input makes the parser panic, that errors carry an
// offset inside the pattern, and that validation only narrows parsing.
func FuzzParse(f *testing.F) {
	f.Add("[ipv4-addr:value = '198.51.100.1']")
	f.Add("([a:b[*].c_ref.d NOT LIKE 'x%'] AND NOT EXISTS [x:y]) WITHIN 5 SECONDS")
	f.Fuzz(func(t *testing.T, src string) {
		for _, v := range []Version{V21, V20} {
			p, err := ParseVersion(src, v)
			if err != nil {
				var se *SyntaxError
				if !errors.As(err, &se) {
					if utf8.ValidString(src) {
						t.Fatalf("ParseVersion(%q): error %v is not a *SyntaxError", src, err)
					}
					continue
				}
				if se.Offset < 0 || se.Offset > utf8.RuneCountInString(src) {
					t.Fatalf("ParseVersion(%q): offset %d outside the pattern", src, se.Offset)
				}
				if _, verr := Validate(src, v); verr == nil {
					t.Fatalf("Validate(%q) accepts what ParseVersion rejects", src)
				}
				continue
			}
			if p.String() != src {
				t.Fatalf("String() = %q, want %q", p.String(), src)
			}
			if err := p.Check(); err != nil {
				var se *SyntaxError
				if !errors.As(err, &se) {
					t.Fatalf("Check(%q): error %v is not a *SyntaxError", src, err)
				}
			}
			// Reparsing the same text must give the same verdict.
			if _, err := ParseVersion(src, v); err != nil {
				t.Fatalf("second parse of %q failed: %v", src, err)
			}
		}
	})
}

// FuzzMatch evaluates patterns on observations and checks that the index,
// a prefilter, never changes an answer of the evaluator.
func FuzzMatch(f *testing.F) {
	f.Add("[ipv4-addr:value = '198.51.100.7']", []byte(`{"type":"bundle","objects":[{"type":"observed-data","id":"observed-data--1","first_observed":"2024-01-01T00:00:00Z","last_observed":"2024-01-01T00:00:00Z","number_observed":1,"object_refs":["ipv4-addr--1"]},{"type":"ipv4-addr","id":"ipv4-addr--1","value":"198.51.100.7"}]}`))
	f.Fuzz(func(t *testing.T, src string, data []byte) {
		p, err := Parse(src)
		if err != nil {
			return
		}
		obs, err := ParseObservations(data, V21)
		if err != nil || len(obs) > 64 {
			return
		}
		r, err := p.Match(obs)
		if err != nil {
			var ee *EvalError
			if !errors.As(err, &ee) {
				t.Fatalf("Match: error %v is not an *EvalError", err)
			}
			return
		}
		if r.Matched != (len(r.ObservedData) > 0) {
			t.Fatalf("Match: matched=%v with observed data %v", r.Matched, r.ObservedData)
		}
		ix := NewIndex()
		ix.Add("indicator--x", p)
		if got := len(ix.MatchSet(obs)) == 1; got != r.Matched {
			t.Fatalf("index says %v, evaluator says %v for %q", got, r.Matched, src)
		}
		for _, o := range obs {
			one, err := p.Match([]*Observation{o})
			if err != nil {
				continue
			}
			if got := len(ix.MatchObservation(o)) == 1; got != one.Matched {
				t.Fatalf("index says %v, evaluator says %v for %q on %s", got, one.Matched, src, o.ID)
			}
		}
		ix.Remove("indicator--x")
		if ix.Len() != 0 || len(ix.MatchSet(obs)) != 0 {
			t.Fatalf("Remove left the pattern in the index")
		}
	})
}

// FuzzReadBundles checks that reading a list of bundles in parallel batches
// gives the observations ParseObservations gives, or an error when it fails.
func FuzzReadBundles(f *testing.F) {
	for _, c := range bundleCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkReadBundles(t, data) })
}
