package feed

import (
	"testing"
	"time"
)

// The salt of a spec, and so a feed's tag, depends on its search, and on
// the hour for a search by duration: within an hour it stays, across one
// it moves with the earliest version kept.
func TestSearchSalt(t *testing.T) {
	now := time.Date(2026, 5, 1, 10, 5, 0, 0, time.UTC)
	plain := Spec{Format: "blocklist-domain"}
	labelled := Spec{Format: "blocklist-domain", Search: &Search{Labels: []string{"phishing"}}}
	if plain.Salt(now, "") == labelled.Salt(now, "") {
		t.Error("a search does not change the salt")
	}
	recent := Spec{Format: "blocklist-domain", Search: &Search{ModifiedSince: "720h"}}
	if recent.Salt(now, "") != recent.Salt(now.Add(50*time.Minute), "") {
		t.Error("a search by duration changes the salt within the hour")
	}
	if recent.Salt(now, "") == recent.Salt(now.Add(time.Hour), "") {
		t.Error("a search by duration keeps the salt across hours")
	}
	since, err := recent.Search.since(now)
	if want := time.Date(2026, 4, 1, 10, 0, 0, 0, time.UTC); err != nil || !since.Equal(want) {
		t.Errorf("720h before 10:05: %v %v, want %v", since, err, want)
	}
	fixed := Spec{Format: "blocklist-domain", Search: &Search{ModifiedSince: "2026-01-31T00:00:00Z"}}
	if err := fixed.Validate(); err != nil || fixed.Salt(now, "") != fixed.Salt(now.Add(24*time.Hour), "") {
		t.Errorf("a search from a fixed time: %v, or its salt moves with the clock", err)
	}
	ok := Spec{Format: "csv", Observables: true, Search: &Search{Types: []string{"indicator", "domain-name"},
		Markings: []string{"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"}, CreatedBy: "identity--11111111-1111-4111-8111-111111111111"}}
	if err := ok.Validate(); err != nil {
		t.Errorf("csv with observables of two types: %v", err)
	}
	if q := ok.Query("c"); len(q.Types) != 2 || !q.Versions.Last {
		t.Errorf("the query of a search by type: %+v", q)
	}
}
