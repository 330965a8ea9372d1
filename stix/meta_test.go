package stix

import (
	"fmt"
	"strings"
	"testing"
)

// TestTLPMarkings accepts the predefined TLP 1.0 markings exactly as STIX
// 2.1 defines them and the OASIS TLP 2.0 markings, and refuses look-alikes.
func TestTLPMarkings(t *testing.T) {
	for id, canon := range tlp1 {
		if _, err := Parse([]byte(canon)); err != nil {
			t.Errorf("%s: %v", id, err)
		}
	}
	tlp2Object := func(id, color string) []byte {
		return fmt.Appendf(nil, `{"type":"marking-definition","spec_version":"2.1","id":%q,"created":"2022-10-01T00:00:00.000Z","name":"TLP:%s","extensions":{%q:{"extension_type":"property-extension","tlp_2_0":%q}}}`,
			id, strings.ToUpper(color), tlp2Extension, color)
	}
	for id, color := range tlp2 {
		if _, err := Parse(tlp2Object(id, color)); err != nil {
			t.Errorf("%s: %v", id, err)
		}
	}
	// TLP:RED's id claiming to be CLEAR.
	_, errs := Validate(tlp2Object("marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", "clear"))
	if len(errs) != 1 || errs[0].Path != "$.extensions" || !strings.Contains(errs[0].Message, `must be "red"`) {
		t.Errorf("errors = %v", errs)
	}
	// A marking with neither a definition nor extensions.
	_, errs = Validate([]byte(`{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--4e9b6b1e-4c34-4b5c-9ac1-a6b1c0d1e2f3","created":"2022-10-01T00:00:00.000Z","name":"x"}`))
	if len(errs) != 1 || errs[0].Path != "$" || !strings.Contains(errs[0].Message, "definition_type and definition, or extensions") {
		t.Errorf("errors = %v", errs)
	}
	// A statement marking.
	st := `{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--4e9b6b1e-4c34-4b5c-9ac1-a6b1c0d1e2f3","created":"2022-10-01T00:00:00.000Z","definition_type":"statement","definition":{"statement":"Copyright 2026, Example Corp"}}`
	if _, err := Parse([]byte(st)); err != nil {
		t.Errorf("statement marking: %v", err)
	}
}
