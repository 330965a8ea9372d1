package main

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna/node"
)

// TestImportAgreesWithOASISValidator imports through the CLI objects on
// which kizuna's validation was aligned with the OASIS stix2-validator: the
// four it accepts are stored, the two it refuses are rejected, each named
// with its id and JSON path (docs/interop.md).
func TestImportAgreesWithOASISValidator(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	MustRunCLI(t, "init", "--data", data)
	bundle := `{"type":"bundle","id":"bundle--7a1d3f5e-2c4b-4d8e-9f0a-1b2c3d4e5f60","objects":[
	{"type":"x-mitre-asset","spec_version":"2.1","id":"x-mitre-asset--75f810ad-b678-4c57-b93b-fdc79bba0c04","created":"2023-09-28T14:44:54.756Z","modified":"2025-04-16T20:37:11.765Z","name":"Jump Host","x_mitre_related_assets":[{"name":"Bastion Host","related_asset_sectors":[],"description":"x"}]},
	{"type":"relationship","spec_version":"2.1","id":"relationship--81f12913-1372-4c96-85ec-E9034ac98aba","created":"2016-05-07T11:22:30.000Z","modified":"2016-05-07T11:22:30.000Z","relationship_type":"uses","source_ref":"x-mitre-asset--75f810ad-b678-4c57-b93b-fdc79bba0c04","target_ref":"x-mitre-asset--75f810ad-b678-4c57-b93b-fdc79bba0c04"},
	{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--a1b2c3d4-0000-4000-8000-000000000001","created":"2017-06-01T00:00:00Z","definition_type":"statement","definition":{"statement":"Copyright ACME"}},
	{"type":"indicator","spec_version":"2.1","id":"indicator--0f3b2f43-4a0e-4c55-9d3e-1c2b3a4d5e6f","created":"2026-01-01T00:00:00.0000000001Z","modified":"2026-01-01T00:00:00.0000000001Z","pattern":"[domain-name:value = 'a.example']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"},
	{"type":"indicator","spec_version":"2.1","id":"indicator--1f3b2f43-4a0e-4c55-9d3e-1c2b3a4d5e6f","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","pattern":"[ab:value = 'a.example']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"},
	{"type":"vulnerability","spec_version":"2.1","id":"vulnerability--2f3b2f43-4a0e-4c55-9d3e-1c2b3a4d5e6f","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"x","external_references":[{"source_name":"cve","external_id":"CVE-2016-123"}]}
	]}`
	out, errOut, err := runWithInput(t, bundle, "import", "--data", data, "--collection", node.DefaultAlias, "-")
	var xe *exitError
	if !errors.As(err, &xe) || xe.code != 1 {
		t.Fatalf("import: err %v, want exit code 1 (two rejections)\nstderr:\n%s", err, errOut)
	}
	if !strings.Contains(out, "4 accepted") || !strings.Contains(out, "2 rejected") {
		t.Errorf("summary %q, want 4 accepted and 2 rejected\nstderr:\n%s", out, errOut)
	}
	for _, want := range []string{
		"indicator--1f3b2f43-4a0e-4c55-9d3e-1c2b3a4d5e6f: $.pattern",
		"vulnerability--2f3b2f43-4a0e-4c55-9d3e-1c2b3a4d5e6f: $.external_references[0].external_id",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
}
