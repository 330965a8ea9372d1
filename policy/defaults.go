package policy

import (
	"bytes"
	"crypto/sha1"
	_ "embed"
	"encoding/json"
	"fmt"

	"github.com/kizuna-dev/kizuna"
)

// ExtensionDefinition is the STIX 2.1 extension-definition of kizuna's
// access marking (ExtensionID), with the JSON Schema of its properties.
// Every node publishes it; docs/kizuna-access-extension.json is a copy.
//
//go:embed defaults/kizuna-access-extension.json
var ExtensionDefinition []byte

// ProjectIdentity is the STIX identity that ExtensionDefinition names as
// its creator.
//
//go:embed defaults/kizuna-identity.json
var ProjectIdentity []byte

// defaultsCreated is the creation time of the shipped marking-definitions:
// fixed, so that every node's copy is the same object version.
const defaultsCreated = "2026-11-01T00:00:00.000Z"

// ReleasableToMarkingID returns the id of the shipped marking-definition
// "REL TO <nation>": a UUIDv5 of the nation code, the same on every node.
func ReleasableToMarkingID(nation string) string {
	// UUIDv5 (RFC 9562) in the namespace of kizuna's extension UUID.
	ns := []byte{0xa6, 0xad, 0x3f, 0x01, 0xdc, 0xdd, 0x4b, 0xf5, 0x8b, 0x2f, 0x24, 0x2d, 0xe0, 0x41, 0x66, 0x4e}
	h := sha1.Sum(append(ns, "releasable_to:"+nation...))
	u := h[:16]
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("marking-definition--%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

// DefaultMarkings returns what a node stores at init so that its
// collections can carry the shipped default marking (TLP:AMBER, releasable
// to the operator's nation only): the "REL TO <nation>" marking-definition,
// the project identity and the extension definition, in an order that can
// be ingested one after the other into a collection whose
// DefaultMarkingRefs are the returned refs.
func DefaultMarkings(nation string) (objects []json.RawMessage, refs []string, err error) {
	if !isNationCode(nation) {
		return nil, nil, kizuna.Errorf(kizuna.EINVALID, "operator nation %q is not an ISO 3166-1 alpha-3 code", nation)
	}
	id := ReleasableToMarkingID(nation)
	md := map[string]any{
		"type":           "marking-definition",
		"spec_version":   "2.1",
		"id":             id,
		"created":        defaultsCreated,
		"created_by_ref": projectIdentityID(),
		"name":           "REL TO " + nation,
		"extensions": map[string]any{
			ExtensionID: map[string]any{"extension_type": "property-extension", "releasable_to": []string{nation}},
		},
	}
	raw, err := json.Marshal(md)
	if err != nil {
		return nil, nil, err
	}
	// The marking comes first: the other two carry no marking, so they
	// take the collection default, which is this marking.
	objects = []json.RawMessage{raw, bytes.Clone(ProjectIdentity), bytes.Clone(ExtensionDefinition)}
	return objects, []string{TLP2Amber, id}, nil
}

func projectIdentityID() string {
	var head struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(ProjectIdentity, &head) // embedded and tested
	return head.ID
}
