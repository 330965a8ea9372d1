package stix

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// TestParseEnvelope checks every envelope field Parse fills.
func TestParseEnvelope(t *testing.T) {
	raw := MustReadFile(t, filepath.Join("valid", "indicator.json"))
	padded := append(append([]byte(" \n\t"), raw...), "\r\n "...)
	obj, err := Parse(padded)
	if err != nil {
		t.Fatal(err)
	}
	created := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	modified := time.Date(2026, 3, 2, 10, 30, 0, 123e6, time.UTC)
	if obj.ID != "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3e" || obj.Type != "indicator" || obj.SpecVersion != "2.1" {
		t.Errorf("id/type/spec_version = %s %s %s", obj.ID, obj.Type, obj.SpecVersion)
	}
	if !obj.Created.Equal(created) || !obj.Modified.Equal(modified) || !obj.Version.Equal(modified) {
		t.Errorf("created %v modified %v version %v", obj.Created, obj.Modified, obj.Version)
	}
	if obj.Revoked || obj.CreatedByRef != idIdentity {
		t.Errorf("revoked %v created_by_ref %q", obj.Revoked, obj.CreatedByRef)
	}
	if len(obj.MarkingRefs) != 1 || obj.MarkingRefs[0] != idTLPGreen {
		t.Errorf("MarkingRefs = %v", obj.MarkingRefs)
	}
	if !bytes.Equal(obj.Raw, bytes.TrimSpace(raw)) {
		t.Error("Raw is not the input trimmed of outer white space")
	}
	canon, err := Canonical(raw)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(canon)
	if obj.Hash != hex.EncodeToString(sum[:]) {
		t.Errorf("Hash = %s", obj.Hash)
	}
	if obj.Collection != "" || !obj.DateAdded.IsZero() || obj.Label != nil {
		t.Error("Parse must not set node fields")
	}

	// Reformatting does not change the hash; changing content does.
	compact, _ := Canonical(raw)
	again, err := Parse(compact)
	if err != nil || again.Hash != obj.Hash {
		t.Errorf("hash of the canonical form differs: %v", err)
	}
	changed := mutation{typ: "indicator", set: map[string]any{"name": "other"}}.build(t)
	if o, err := Parse(changed); err != nil || o.Hash == obj.Hash {
		t.Errorf("hash unchanged by a content change: %v", err)
	}
}

func TestParseVersionFallbacks(t *testing.T) {
	md, err := Parse(MustReadFile(t, filepath.Join("valid", "marking-definition.json")))
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2017, 1, 20, 0, 0, 0, 0, time.UTC)
	if !md.Modified.IsZero() || !md.Created.Equal(want) || !md.Version.Equal(want) {
		t.Errorf("marking-definition created %v modified %v version %v", md.Created, md.Modified, md.Version)
	}
	sco, err := Parse([]byte(`{"type":"url","id":"url--47c3cf9a-5027-5bf0-997a-017c7edc7c55","value":"https://example.com/research/index.html"}`))
	if err != nil {
		t.Fatal(err)
	}
	if sco.SpecVersion != "2.1" || !sco.Version.IsZero() || !sco.Created.IsZero() {
		t.Errorf("SCO without spec_version: %+v", sco)
	}
	rev := mutation{typ: "indicator", set: map[string]any{"revoked": true}}.build(t)
	if o, err := Parse(rev); err != nil || !o.Revoked {
		t.Errorf("revoked not read: %v", err)
	}
}

func TestParseRefusesBundle(t *testing.T) {
	_, err := Parse(MustReadFile(t, filepath.Join("bundle", "mixed.json")))
	if err == nil {
		t.Fatal("Parse accepted a bundle")
	}
}

func TestSCOID(t *testing.T) {
	tests := []struct{ in, want string }{
		// The specification's example, as other implementations compute it.
		{`{"type":"domain-name","value":"example.com"}`, "domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7"},
		{`{"type":"domain-name","value":"control.example.com"}`, "domain-name--427e3664-0043-5865-b454-97df26649bde"},
		// Non-contributing properties and key order do not matter.
		{`{"value":"example.com","resolves_to_refs":["ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd"],"type":"domain-name","id":"domain-name--x"}`, "domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7"},
		// One hash contributes, MD5 first.
		{`{"type":"file","hashes":{"SHA-256":"ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c","MD5":"0b2f5b3c8a9a1c9e3d9d3f0e5a6b7c8d"}}`, "file--" + uuid5(scoNamespace, []byte(`{"hashes":{"MD5":"0b2f5b3c8a9a1c9e3d9d3f0e5a6b7c8d"}}`))},
	}
	for _, tt := range tests {
		got, err := SCOID([]byte(tt.in))
		if err != nil || got != tt.want {
			t.Errorf("SCOID(%s) = %s, %v; want %s", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{`{"type":"process","pid":1}`, `{"type":"indicator"}`, `{"type":"url"}`, `[]`, `{`} {
		if id, err := SCOID([]byte(in)); err == nil {
			t.Errorf("SCOID(%s) = %s, want an error", in, id)
		}
	}
	// Every valid SCO example carries its deterministic id.
	for _, typ := range validTypes(t) {
		if s := specs[typ]; s == nil || s.class != classSCO || s.idProps == nil {
			continue
		}
		raw := MustReadFile(t, filepath.Join("valid", typ+".json"))
		id, err := SCOID(raw)
		if err != nil || id != MustValid(t, typ)["id"] {
			t.Errorf("%s: SCOID = %s, %v", typ, id, err)
		}
	}
}

// TestParseConcurrent parses from several goroutines at once, as ingest
// does; run it with -race.
func TestParseConcurrent(t *testing.T) {
	var raws [][]byte
	for _, typ := range validTypes(t) {
		raws = append(raws, MustReadFile(t, filepath.Join("valid", typ+".json")))
	}
	want := make([]string, len(raws))
	for i, raw := range raws {
		obj, err := Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		want[i] = obj.Hash
	}
	done := make(chan error, 4)
	for g := 0; g < 4; g++ {
		go func() {
			for n := 0; n < 50; n++ {
				for i, raw := range raws {
					obj, err := Parse(raw)
					if err != nil {
						done <- err
						return
					}
					if obj.Hash != want[i] {
						done <- fmt.Errorf("hash of %s changed under concurrency", obj.ID)
						return
					}
				}
			}
			done <- nil
		}()
	}
	for g := 0; g < 4; g++ {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

// TestParseStrings checks that the named top-level string properties come
// back with the object, "" for one absent or not a string, and that an
// invalid object gives the error Parse gives.
func TestParseStrings(t *testing.T) {
	m := MustValid(t, "indicator")
	m["pattern_type"] = "stix"
	obj, vals, err := ParseStrings(MustJSON(t, m), "pattern", "pattern_type", "no_such_property", "created", "labels")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{m["pattern"].(string), "stix", "", m["created"].(string), ""}
	if obj.Type != "indicator" || !reflect.DeepEqual(vals, want) {
		t.Errorf("ParseStrings = %s, %q; want indicator, %q", obj.Type, vals, want)
	}
	delete(m, "pattern")
	_, vals, err = ParseStrings(MustJSON(t, m), "pattern")
	_, perr := Parse(MustJSON(t, m))
	if err == nil || vals != nil || err.Error() != perr.Error() {
		t.Errorf("without a pattern: %q, %v; want Parse's error %v", vals, err, perr)
	}
}
