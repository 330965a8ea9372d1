// Package storetest is the acceptance suite every kizuna.Store
// implementation must pass. store/sqlite and store/postgres run it from
// their tests:
//
//	func TestStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) kizuna.Store { return MustOpen(t) })
//	}
package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
)

// Run runs the acceptance suite. open must return a new, empty store for
// each call; Run closes it when the subtest ends.
func Run(t *testing.T, open func(t *testing.T) kizuna.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s kizuna.Store)
	}{
		{"PutAndFind", testPutAndFind},
		{"Versions", testVersions},
		{"VersionInstants", testVersionInstants},
		{"Idempotent", testIdempotent},
		{"Conflict", testConflict},
		{"Unversioned", testUnversioned},
		{"WriteBasis", testWriteBasis},
		{"WriteBasisIdentical", testWriteBasisIdentical},
		{"Refused", testRefused},
		{"BatchAtomicity", testBatchAtomicity},
		{"RepeatsInBatch", testRepeatsInBatch},
		{"UnstorableInBatch", testUnstorableInBatch},
		{"DateAddedIncreasing", testDateAddedIncreasing},
		{"Paging", testPaging},
		{"MalformedCursor", testMalformedCursor},
		{"PagingUnderConcurrentWrites", testPagingUnderConcurrentWrites},
		{"AddedAfter", testAddedAfter},
		{"Filters", testFilters},
		{"AccessScope", testAccessScope},
		{"AccessScopePaging", testAccessScopePaging},
		{"VersionsWithinScope", testVersionsWithinScope},
		{"Model", testModel},
		{"Delete", testDelete},
		{"Labels", testLabels},
		{"MarkingDefinition", testMarkingDefinition},
		{"Collections", testCollections},
		{"Principals", testPrincipals},
		{"Statuses", testStatuses},
		{"Audit", testAudit},
		{"AuditHeads", testAuditHeads},
		{"Witness", testWitness},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			tt.fn(t, s)
		})
	}
}

// Common labels of the suite.
var (
	LabelGreen = &kizuna.AccessLabel{TLP: kizuna.TLPGreen}
	LabelAmber = &kizuna.AccessLabel{TLP: kizuna.TLPAmber, Releasable: true, ReleasableTo: []string{"JPN", "USA"}}
	LabelRed   = &kizuna.AccessLabel{TLP: kizuna.TLPRed, Audience: []string{"identity--7d3a0c4e-7a57-4c8e-9f4b-2b0f0c1a9e01"}}
)

// MustCollection creates a collection and returns its id.
func MustCollection(tb testing.TB, s kizuna.Store) string {
	tb.Helper()
	c := &kizuna.Collection{Title: "test", CanRead: kizuna.AccessRule{Roles: []string{kizuna.RoleReader}}}
	if err := s.CreateCollection(context.Background(), c); err != nil {
		tb.Fatalf("CreateCollection: %v", err)
	}
	return c.ID
}

// MustTime parses an RFC 3339 timestamp.
func MustTime(tb testing.TB, s string) time.Time {
	tb.Helper()
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		tb.Fatalf("parse time %q: %v", s, err)
	}
	return t
}

// NewObject returns an indicator version with the label; name varies its
// content. Raw and Hash are consistent with each other.
func NewObject(id string, modified time.Time, label *kizuna.AccessLabel, name string) *kizuna.Object {
	created := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	raw, _ := json.Marshal(map[string]any{
		"type": "indicator", "spec_version": "2.1", "id": id,
		"created": created.Format(time.RFC3339Nano), "modified": modified.Format(time.RFC3339Nano),
		"name": name, "pattern": "[ipv4-addr:value = '198.51.100.7']", "pattern_type": "stix",
		"valid_from": created.Format(time.RFC3339Nano),
	})
	return &kizuna.Object{
		ID: id, Type: "indicator", SpecVersion: "2.1",
		Created: created, Modified: modified, Version: modified,
		Raw: raw, Hash: hashOf(raw), Label: label,
	}
}

// NewSCO returns an unversioned ipv4-addr object.
func NewSCO(id, value string, label *kizuna.AccessLabel) *kizuna.Object {
	raw, _ := json.Marshal(map[string]any{"type": "ipv4-addr", "spec_version": "2.1", "id": id, "value": value})
	return &kizuna.Object{ID: id, Type: "ipv4-addr", SpecVersion: "2.1", Raw: raw, Hash: hashOf(raw), Label: label}
}

func hashOf(raw []byte) string {
	h := sha256.Sum256(raw)
	return hex.EncodeToString(h[:])
}

// ObjectID returns a deterministic STIX id of the type for n.
func ObjectID(typ string, n int) string {
	return fmt.Sprintf("%s--00000000-0000-4000-8000-%012d", typ, n)
}

// MustPut stores the objects and fails the test on any error.
func MustPut(tb testing.TB, s kizuna.Store, collection string, objs ...*kizuna.Object) []kizuna.PutResult {
	tb.Helper()
	rs, err := s.PutObjects(context.Background(), collection, objs)
	if err != nil {
		tb.Fatalf("PutObjects: %v", err)
	}
	if len(rs) != len(objs) {
		tb.Fatalf("PutObjects returned %d results for %d objects", len(rs), len(objs))
	}
	for i, r := range rs {
		if r.Err != nil {
			tb.Fatalf("PutObjects: object %d (%s): %v", i, r.ID, r.Err)
		}
	}
	return rs
}

// MustFind runs FindObjects and fails the test on error.
func MustFind(tb testing.TB, s kizuna.Store, f kizuna.ObjectFilter) *kizuna.ObjectPage {
	tb.Helper()
	p, err := s.FindObjects(context.Background(), f)
	if err != nil {
		tb.Fatalf("FindObjects(%+v): %v", f, err)
	}
	return p
}

// MustFindAll pages through every version the filter matches.
func MustFindAll(tb testing.TB, s kizuna.Store, f kizuna.ObjectFilter) []*kizuna.Object {
	tb.Helper()
	var out []*kizuna.Object
	for i := 0; ; i++ {
		if i > 100000 {
			tb.Fatalf("paging does not end")
		}
		p := MustFind(tb, s, f)
		out = append(out, p.Objects...)
		if !p.More {
			if p.Next != "" {
				tb.Fatalf("last page has Next %q", p.Next)
			}
			return out
		}
		if p.Next == "" {
			tb.Fatalf("page with More has no Next")
		}
		f.Next = p.Next
	}
}

// all is the unrestricted scope of the node's own work.
var all = kizuna.AccessScope{Unrestricted: true}

// versionsOf lists the versions of objs as RFC 3339 strings.
func versionsOf(objs []*kizuna.Object) []string {
	out := make([]string, len(objs))
	for i, o := range objs {
		out[i] = o.Version.UTC().Format(time.RFC3339Nano)
	}
	return out
}

// wantCode fails unless err carries the code.
func wantCode(tb testing.TB, err error, code, what string) {
	tb.Helper()
	if got := kizuna.ErrorCode(err); got != code {
		tb.Fatalf("%s: error code %q (%v), want %q", what, got, err, code)
	}
}
