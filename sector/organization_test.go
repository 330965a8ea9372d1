package sector_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/sector"
	"github.com/kizuna-dev/kizuna/stix"
)

const portOperator = "identity--7d1e2c3b-4a5f-4e6d-8c7b-9a0f1e2d3c4b"

// portIdentity is a Japanese port operator as a peer would send it.
func portIdentity(ext string) []byte {
	return []byte(`{"type": "identity", "spec_version": "2.1", "id": "` + portOperator + `",
 "created": "2026-12-01T00:00:00.000Z", "modified": "2026-12-01T00:00:00.000Z",
 "name": "Yokohama Container Terminal Co.", "identity_class": "organization", "sectors": ["transportation"],
 "extensions": {"` + sector.ExtSectors + `": ` + ext + `}}`)
}

// TestExtensionDefinition: the sector extension-definition is valid STIX
// with the id the code uses, its schema is JSON, and docs/ holds an
// identical copy.
func TestExtensionDefinition(t *testing.T) {
	obj, err := stix.Parse(sector.ExtensionDefinition)
	if err != nil || obj.ID != sector.ExtSectors || obj.Type != "extension-definition" {
		t.Fatalf("definition: %v %+v", err, obj)
	}
	var d struct{ Schema string }
	if json.Unmarshal(sector.ExtensionDefinition, &d) != nil || !json.Valid([]byte(d.Schema)) {
		t.Error("the schema property is not a JSON document")
	}
	docs, err := os.ReadFile("../docs/kizuna-sector-extension.json")
	if err != nil || !bytes.Equal(docs, sector.ExtensionDefinition) {
		t.Errorf("docs/kizuna-sector-extension.json differs from the embedded definition (%v)", err)
	}
}

// TestOrganizationCarriesSectors: an identity carries its STIX industry
// sectors and its national sector ids; WithSectors writes both, and the
// result is a valid STIX identity that parses back to the same ids.
func TestOrganizationCarriesSectors(t *testing.T) {
	c := mustCatalog(t)
	o, err := sector.ParseOrganization(portIdentity(`{"extension_type": "property-extension", "national_sectors": ["jp.ports", "jp.logistics"]}`))
	if err != nil {
		t.Fatal(err)
	}
	if o.ID != portOperator || o.IdentityClass != "organization" || !slices.Equal(o.Sectors, []string{"jp.ports", "jp.logistics"}) || !slices.Equal(o.Industries, []string{"transportation"}) {
		t.Errorf("organisation %+v", o)
	}
	if err := c.CheckSectors(o.ID, o.Sectors); err != nil {
		t.Error(err)
	}
	plain := []byte(`{"type": "identity", "spec_version": "2.1", "id": "` + portOperator + `",
 "created": "2026-12-01T00:00:00.000Z", "modified": "2026-12-01T00:00:00.000Z", "name": "Kansai Electric", "identity_class": "organization"}`)
	raw, err := c.WithSectors(plain, []string{"jp.electricity", "jp.gas", "jp.electricity"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stix.Parse(raw); err != nil {
		t.Errorf("the identity with sectors is not valid STIX: %v\n%s", err, raw)
	}
	o, err = sector.ParseOrganization(raw)
	if err != nil || !slices.Equal(o.Sectors, []string{"jp.electricity", "jp.gas"}) || !slices.Equal(o.Industries, []string{"energy", "utilities"}) {
		t.Errorf("round trip: %+v %v\n%s", o, err, raw)
	}
	if _, err := c.WithSectors(plain, []string{"jp.harbours"}); err == nil || !strings.Contains(kizuna.ErrorMessage(err), `national_sectors[0]: "jp.harbours" is not a configured sector id`) {
		t.Errorf("unknown sector: %v", err)
	}
	id, ids, err := sector.ObjectSectors([]byte(`{"type": "report", "id": "report--6f1c0a2e-5b3d-4c8e-9f7a-1d2e3f4a5b6c",
 "extensions": {"` + sector.ExtSectors + `": {"extension_type": "property-extension", "national_sectors": ["us.transportation"]}}}`))
	if err != nil || id != "report--6f1c0a2e-5b3d-4c8e-9f7a-1d2e3f4a5b6c" || !slices.Equal(ids, []string{"us.transportation"}) {
		t.Errorf("object sectors %s %v %v", id, ids, err)
	}
}

// TestOrganizationErrors: each fault names the identity and the JSON path.
func TestOrganizationErrors(t *testing.T) {
	p := portOperator + ": $.extensions['" + sector.ExtSectors + "']"
	for _, tc := range []struct{ ext, want string }{
		{`{"extension_type": "property-extension", "national_sectors": ["jp.ports", "Ports"]}`, p + `.national_sectors[1]: "Ports" is not a national sector id`},
		{`{"extension_type": "property-extension", "national_sectors": ["jp.ports", "jp.ports"]}`, p + `.national_sectors[1]: "jp.ports" is listed twice`},
		{`{"extension_type": "property-extension"}`, p + `.national_sectors: is required`},
		{`{"extension_type": "property-extension", "national_sectors": []}`, p + `.national_sectors: must name at least one sector`},
		{`{"extension_type": "property-extension", "national_sectors": "jp.ports"}`, p + `.national_sectors: must be a list of strings`},
		{`{"extension_type": "toplevel-property-extension", "national_sectors": ["jp.ports"]}`, p + `.extension_type: must be "property-extension"`},
		{`{"extension_type": "property-extension", "national_sectors": ["jp.ports"], "tier": 1}`, p + `.tier: is not a property of the sector extension`},
		{`[]`, p + `: must be an object`},
	} {
		_, err := sector.ParseOrganization(portIdentity(tc.ext))
		if err == nil || kizuna.ErrorCode(err) != kizuna.EINVALID || !strings.Contains(kizuna.ErrorMessage(err), tc.want) {
			t.Errorf("%s: err = %v\nwant %q", tc.ext, err, tc.want)
		}
	}
	for _, tc := range []struct{ raw, want string }{
		{`{"type": "identity", "id": "identity--1"}`, `"identity--1": $.id: not an identity id`},
		{`{"type": "indicator", "id": "` + portOperator + `"}`, portOperator + `: $.type: "indicator" is not identity`},
		{`{"type": "identity", "id": "` + portOperator + `", "sectors": ["Transportation"]}`, portOperator + `: $.sectors[0]: "Transportation" is not an industry-sector-ov value`},
		{`{"type": "identity", "id": "` + portOperator + `", "sectors": "transportation"}`, portOperator + `: $.sectors: must be a list of strings`},
		{`{"type": "identity", "id": "` + portOperator + `", "extensions": []}`, portOperator + `: $.extensions: must be an object`},
		{`[1]`, `an identity must be one JSON object`},
	} {
		_, err := sector.ParseOrganization([]byte(tc.raw))
		if err == nil || !strings.Contains(kizuna.ErrorMessage(err), tc.want) {
			t.Errorf("%s: err = %v\nwant %q", tc.raw, err, tc.want)
		}
	}
}

// TestExtensionMatchesSchema checks what WithSectors writes against the
// JSON Schema the extension-definition publishes, with Python's jsonschema
// when the machine has it, and that the schema refuses a bad sector id.
func TestExtensionMatchesSchema(t *testing.T) {
	py := "/usr/bin/python3"
	if exec.Command(py, "-c", "import jsonschema; jsonschema.Draft202012Validator").Run() != nil {
		t.Skip("python3 with jsonschema (Draft 2020-12) is not installed")
	}
	var d struct{ Schema string }
	json.Unmarshal(sector.ExtensionDefinition, &d)
	raw, err := mustCatalog(t).WithSectors(portIdentity(`{"extension_type": "property-extension", "national_sectors": ["jp.ports"]}`), []string{"jp.ports", "au.transport"})
	if err != nil {
		t.Fatal(err)
	}
	var obj struct{ Extensions map[string]json.RawMessage }
	json.Unmarshal(raw, &obj)
	instance := string(obj.Extensions[sector.ExtSectors])
	script := `import json,sys,jsonschema
s=json.loads(sys.argv[1]); i=json.loads(sys.argv[2])
errs=[e.message for e in jsonschema.Draft202012Validator(s).iter_errors(i)]
print("\n".join(errs)); sys.exit(1 if errs else 0)`
	if out, err := exec.Command(py, "-c", script, d.Schema, instance).CombinedOutput(); err != nil {
		t.Errorf("the extension does not match its schema:\n%s\n%s", out, instance)
	}
	if exec.Command(py, "-c", script, d.Schema, strings.Replace(instance, "jp.ports", "Ports", 1)).Run() == nil {
		t.Error("the schema accepts a malformed sector id")
	}
}
