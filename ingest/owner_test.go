package ingest_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/ingest"
)

// TestRefusedMarkingRefusesWhatItMarks: a marking-definition of a request
// that is refused (its id means another definition on the node) takes the
// objects of the request that reference it with it, by
// object_marking_refs or by a granular marking, and only those.
func TestRefusedMarkingRefusesWhatItMarks(t *testing.T) {
	f := newFixture(t)
	ctx := kizuna.NewContextWithPrincipal(context.Background(), f.writer)
	const md = "marking-definition--7e000000-0000-4000-8000-000000000001"
	def := func(statement string) json.RawMessage {
		return json.RawMessage(`{"type":"marking-definition","spec_version":"2.1","id":"` + md + `","created":"2026-01-01T00:00:00.000Z","definition_type":"statement","definition":{"statement":"` + statement + `"}}`)
	}
	if rs, err := f.svc.Ingest(ctx, f.coll.ID, []json.RawMessage{def("first")}); err != nil || rs[0].Err != nil {
		t.Fatalf("%+v %v", rs, err)
	}
	rs, err := f.svc.Ingest(ctx, f.coll.ID, []json.RawMessage{
		indicator("indicator--7e000000-0000-4000-8000-000000000002", `,"object_marking_refs":["`+md+`"]`),
		def("second"),
		indicator("indicator--7e000000-0000-4000-8000-000000000003", `,"description":"d","granular_markings":[{"marking_ref":"`+md+`","selectors":["description"]}]`),
		indicator("indicator--7e000000-0000-4000-8000-000000000004", ""),
	})
	if err != nil {
		t.Fatal(err)
	}
	if kizuna.ErrorCode(rs[1].Err) != kizuna.EFORBIDDEN {
		t.Errorf("another definition: %v", rs[1].Err)
	}
	for i, path := range map[int]string{0: "$.object_marking_refs[0]", 2: "$.granular_markings[0].marking_ref"} {
		if kizuna.ErrorCode(rs[i].Err) != kizuna.EINVALID || !strings.Contains(kizuna.ErrorMessage(rs[i].Err), path+": "+md+" of this request was refused") {
			t.Errorf("object %d: %v, want refused with the marking at %s", i, rs[i].Err, path)
		}
	}
	if rs[3].Err != nil {
		t.Errorf("an object the refused marking does not mark: %v", rs[3].Err)
	}
}

// TestOperatorOwnsWhatItImports: the operator's imports make owner records
// where none exists: the creator, else the operator's organisation.
func TestOperatorOwnsWhatItImports(t *testing.T) {
	f := newFixture(t)
	const org = "identity--7e000000-0000-4000-8000-0000000000aa"
	f.svc.SetOperatorOrganization(org)
	ids := []string{"indicator--7e000000-0000-4000-8000-000000000005", "indicator--7e000000-0000-4000-8000-000000000006"}
	rs, err := f.svc.Ingest(ingest.AsOperator(context.Background()), f.coll.ID, []json.RawMessage{
		indicator(ids[0], ""), indicator(ids[1], `,"created_by_ref":"`+f.writer.Organization+`"`),
	})
	if err != nil || rs[0].Err != nil || rs[1].Err != nil {
		t.Fatalf("%+v %v", rs, err)
	}
	owners, err := f.db.FindOwners(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	if owners[ids[0]] == nil || owners[ids[0]].Organization != org || owners[ids[1]] == nil || owners[ids[1]].Organization != f.writer.Organization {
		t.Errorf("owner records %+v %+v, want %s and %s", owners[ids[0]], owners[ids[1]], org, f.writer.Organization)
	}
}
