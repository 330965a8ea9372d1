package uuidv5

import "testing"

// TestKnownVector checks the example of RFC 9562 appendix A.4: the DNS
// namespace and the name "www.example.com".
func TestKnownVector(t *testing.T) {
	dns := MustParse("6ba7b810-9dad-11d1-80b4-00c04fd430c8")
	if got, want := New(dns, "www.example.com"), "2ed6657d-e927-568b-95e1-2665a8aea6a2"; got != want {
		t.Fatalf("New = %s, want %s", got, want)
	}
}

func TestParseRejects(t *testing.T) {
	for _, s := range []string{"", "6ba7b810-9dad-11d1-80b4-00c04fd430c", "6ba7b810x9dad-11d1-80b4-00c04fd430c8", "zba7b810-9dad-11d1-80b4-00c04fd430c8"} {
		if _, err := Parse(s); err == nil {
			t.Errorf("Parse(%q) accepted", s)
		}
	}
}
