package ingest_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/ingest"
	"github.com/kizuna-dev/kizuna/node/nodetest"
	"github.com/kizuna-dev/kizuna/policy"
)

const (
	tlpGreen = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
	kzExt    = "extension-definition--a6ad3f01-dcdd-4bf5-8b2f-242de041664e"
)

type fixture struct {
	db      kizuna.Store
	svc     *ingest.Service
	coll    *kizuna.Collection
	stored  [][]*kizuna.Object
	writer  *kizuna.Principal
	outside *kizuna.Principal
	guard   *policy.Guard
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	n := nodetest.New(t, nodetest.Options{Bare: true})
	db := n.Store
	f := &fixture{db: db, svc: n.Ingest, guard: n.Guard}
	f.svc.Subscribe(func(objs []*kizuna.Object) { f.stored = append(f.stored, objs) })
	f.coll = &kizuna.Collection{
		Title: "test", CanRead: kizuna.AccessRule{Roles: []string{"reader", "publisher", "peer"}},
		CanWrite: kizuna.AccessRule{Roles: []string{"publisher", "peer"}}, DefaultMarkingRefs: []string{tlpGreen},
	}
	if err := db.CreateCollection(ctx, f.coll); err != nil {
		t.Fatal(err)
	}
	f.writer = &kizuna.Principal{ID: "principal--" + kizuna.NewUUID(), Name: "writer", Nation: "USA",
		Organization: "identity--" + kizuna.NewUUID(), Roles: []string{"publisher"}, Clearances: []kizuna.Classification{{Scheme: "USA", Level: "SECRET"}}}
	f.outside = &kizuna.Principal{ID: "principal--" + kizuna.NewUUID(), Name: "outside", Nation: "USA",
		Organization: "identity--" + kizuna.NewUUID(), Roles: []string{"reader"}}
	return f
}

func indicator(id, extra string) json.RawMessage {
	return json.RawMessage(`{"type":"indicator","spec_version":"2.1","id":"` + id + `","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","pattern":"[ipv4-addr:value = '192.0.2.1']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"` + extra + `}`)
}

func TestMarkingsInTheSameBatchComeFirst(t *testing.T) {
	f := newFixture(t)
	md := "marking-definition--" + kizuna.NewUUID()
	raws := []json.RawMessage{
		indicator("indicator--"+kizuna.NewUUID(), `,"object_marking_refs":["`+md+`"]`),
		json.RawMessage(`{"type":"marking-definition","spec_version":"2.1","id":"` + md + `","created":"2026-01-01T00:00:00.000Z","name":"REL TO USA, JPN","extensions":{"` + kzExt + `":{"extension_type":"property-extension","releasable_to":["USA","JPN"]}}}`),
	}
	results, err := f.svc.Ingest(ingest.AsOperator(context.Background()), f.coll.ID, raws)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range results {
		if r.Err != nil || !r.Created {
			t.Errorf("object %d: %+v", i, r)
		}
	}
}

func TestRejectedObjectLeavesOnlyTheAuditRecord(t *testing.T) {
	f := newFixture(t)
	ctx := kizuna.NewContextWithPrincipal(context.Background(), f.writer)
	bad := "indicator--" + kizuna.NewUUID()
	raws := []json.RawMessage{
		indicator("indicator--"+kizuna.NewUUID(), ""),
		indicator(bad, `,"valid_until":"2025-01-01T00:00:00Z"`),
		json.RawMessage(`{"type": 5}`),
		json.RawMessage(strings.Replace(string(indicator("indicator--"+kizuna.NewUUID(), "")), "[ipv4-addr:value = '192.0.2.1']", "[ipv4-addr:value = '192.0.2.1'", 1)),
	}
	results, err := f.svc.Ingest(ctx, f.coll.ID, raws)
	if err != nil {
		t.Fatal(err)
	}
	if results[0].Err != nil {
		t.Fatalf("valid object rejected: %v", results[0].Err)
	}
	msg := kizuna.ErrorMessage(results[1].Err)
	if kizuna.ErrorCode(results[1].Err) != kizuna.EINVALID || !strings.Contains(msg, bad) || !strings.Contains(msg, "$.valid_until") {
		t.Errorf("invalid object: want EINVALID naming %s and $.valid_until, got %v", bad, results[1].Err)
	}
	if !strings.Contains(kizuna.ErrorMessage(results[2].Err), "index 2") {
		t.Errorf("object without an id: want its index named, got %v", results[2].Err)
	}
	if msg := kizuna.ErrorMessage(results[3].Err); !strings.Contains(msg, "$.pattern: offset 30") {
		t.Errorf("unparsable pattern: want $.pattern and the offset named, got %q", msg)
	}
	page, err := f.db.FindObjects(context.Background(), kizuna.ObjectFilter{Collection: f.coll.ID,
		Versions: kizuna.VersionMatch{All: true}, Access: kizuna.AccessScope{Unrestricted: true}})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Objects) != 1 {
		t.Errorf("stored %d objects, want only the valid one", len(page.Objects))
	}
	events, _ := f.db.FindAudit(context.Background(), 0, 100)
	rejects := 0
	for _, e := range events {
		if e.Action == "ingest.reject" {
			rejects++
		}
	}
	if rejects != 3 {
		t.Errorf("audit has %d ingest.reject records, want 3", rejects)
	}
}

func TestSubscribersSeeOnlyNewVersions(t *testing.T) {
	f := newFixture(t)
	ctx := kizuna.NewContextWithPrincipal(context.Background(), f.writer)
	raw := indicator("indicator--"+kizuna.NewUUID(), "")
	for i := 0; i < 2; i++ {
		results, err := f.svc.Ingest(ctx, f.coll.ID, []json.RawMessage{raw})
		if err != nil {
			t.Fatalf("ingest %d: %v", i, err)
		} else if results[0].Err != nil {
			t.Fatalf("ingest %d: %v", i, results[0].Err)
		}
		if results[0].Created != (i == 0) {
			t.Errorf("ingest %d: Created=%t", i, results[0].Created)
		}
	}
	if len(f.stored) != 1 || len(f.stored[0]) != 1 || f.stored[0][0].DateAdded.IsZero() {
		t.Errorf("subscribers got %v, want one batch with the one new version", f.stored)
	}
}

func TestWriteRulesApplyToPrincipals(t *testing.T) {
	f := newFixture(t)
	ctx := kizuna.NewContextWithPrincipal(context.Background(), f.outside)
	_, err := f.svc.Ingest(ctx, f.coll.ID, []json.RawMessage{indicator("indicator--"+kizuna.NewUUID(), "")})
	if c := kizuna.ErrorCode(err); c != kizuna.EFORBIDDEN {
		t.Errorf("reader writing: got %v, want EFORBIDDEN", err)
	}
	if _, err := f.svc.Ingest(context.Background(), f.coll.ID, nil); kizuna.ErrorCode(err) != kizuna.EUNAUTHORIZED {
		t.Errorf("no principal: got %v, want EUNAUTHORIZED", err)
	}
}

// stripVerifier accepts objects that carry x_test_sig = "ok" and removes it.
type stripVerifier struct{}

func (stripVerifier) Verify(ctx context.Context, peer *kizuna.Principal, raw json.RawMessage) (json.RawMessage, error) {
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	if m["x_test_sig"] != "ok" {
		return nil, kizuna.Errorf(kizuna.EFORBIDDEN, "%v: bad signature", m["id"])
	}
	delete(m, "x_test_sig")
	return json.Marshal(m)
}

func TestPeersNeedAVerifier(t *testing.T) {
	f := newFixture(t)
	peer := &kizuna.Principal{ID: "principal--" + kizuna.NewUUID(), Name: "jpn-node", Nation: "JPN",
		Organization: "identity--" + kizuna.NewUUID(), Roles: []string{"peer"}}
	ctx := kizuna.NewContextWithPrincipal(context.Background(), peer)
	signed := indicator("indicator--"+kizuna.NewUUID(), `,"x_test_sig":"ok"`)
	results, err := f.svc.Ingest(ctx, f.coll.ID, []json.RawMessage{signed})
	if err != nil {
		t.Fatal(err)
	}
	if kizuna.ErrorCode(results[0].Err) != kizuna.EFORBIDDEN {
		t.Fatalf("peer object without a verifier: got %v, want EFORBIDDEN", results[0].Err)
	}
	f.svc.SetVerifier(stripVerifier{})
	forged := indicator("indicator--"+kizuna.NewUUID(), `,"x_test_sig":"forged"`)
	results, err = f.svc.Ingest(ctx, f.coll.ID, []json.RawMessage{signed, forged})
	if err != nil {
		t.Fatal(err)
	}
	if results[0].Err != nil || kizuna.ErrorCode(results[1].Err) != kizuna.EFORBIDDEN {
		t.Fatalf("signed: %v; forged: %v", results[0].Err, results[1].Err)
	}
	got := f.stored[len(f.stored)-1][0]
	if strings.Contains(string(got.Raw), "x_test_sig") || got.Origin != "jpn-node" {
		t.Errorf("stored object keeps the signature or lost its origin: origin=%q raw=%s", got.Origin, got.Raw)
	}
}
