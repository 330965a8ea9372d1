package match_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/ingest"
	"github.com/kizuna-dev/kizuna/match"
	"github.com/kizuna-dev/kizuna/node/nodetest"
)

const tlpGreen = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"

func indicator(pattern, validUntil string) (string, json.RawMessage) {
	id := "indicator--" + kizuna.NewUUID()
	extra := ""
	if validUntil != "" {
		extra = `,"valid_until":"` + validUntil + `"`
	}
	return id, json.RawMessage(`{"type":"indicator","spec_version":"2.1","id":"` + id + `","created":"2020-01-01T00:00:00.000Z","modified":"2020-01-01T00:00:00.000Z","pattern":"` + pattern + `","pattern_type":"stix","valid_from":"2020-01-01T00:00:00Z"` + extra + `}`)
}

// TestExpiredIndicatorsDoNotMatch checks valid_until at match time, and that
// Load indexes what is already stored.
func TestExpiredIndicatorsDoNotMatch(t *testing.T) {
	ctx := context.Background()
	n := nodetest.New(t, nodetest.Options{Bare: true})
	db, guard, ing, pol := n.Store, n.Guard, n.Ingest, n.Policy
	c := &kizuna.Collection{Title: "t", CanRead: kizuna.AccessRule{Roles: []string{"reader"}},
		CanWrite: kizuna.AccessRule{Roles: []string{"publisher"}}, DefaultMarkingRefs: []string{tlpGreen}}
	if err := db.CreateCollection(ctx, c); err != nil {
		t.Fatal(err)
	}
	expired, raw1 := indicator("[domain-name:value = 'old.example']", "2021-01-01T00:00:00Z")
	current, raw2 := indicator("[domain-name:value = 'new.example']", "2999-01-01T00:00:00Z")
	if res, err := ing.Ingest(ingest.AsOperator(ctx), c.ID, []json.RawMessage{raw1, raw2}); err != nil || res[0].Err != nil || res[1].Err != nil {
		t.Fatalf("ingest: %v %+v", err, res)
	}
	m := match.New(db, guard, ing, pol, nil)
	if err := m.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if m.Len() != 2 {
		t.Fatalf("indexed %d indicators, want 2", m.Len())
	}
	reader := &kizuna.Principal{ID: "principal--" + kizuna.NewUUID(), Name: "r", Nation: "USA", Roles: []string{"reader"}}
	res, err := m.Match(kizuna.NewContextWithPrincipal(ctx, reader), &kizuna.MatchRequest{Values: []string{"old.example", "new.example"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Matches) != 1 || res.Matches[0].Indicator != current {
		t.Errorf("matches %+v: want only %s (not the expired %s)", res.Matches, current, expired)
	}
	if _, err := m.Match(ctx, &kizuna.MatchRequest{Values: []string{"new.example"}}); kizuna.ErrorCode(err) != kizuna.EUNAUTHORIZED {
		t.Errorf("no principal: %v", err)
	}
}
