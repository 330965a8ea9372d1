// Package defstix is the STIX 2.1 representation of collective defense:
// incidents with the OASIS incident-core extension and kizuna's alliance
// extension, OASIS impacts, and kizuna's new object types for factor
// answers, threshold assessments, consultations, consultation responses,
// joint positions and campaign assessments, each defined by an
// extension-definition kizuna publishes. Being STIX, they are marked,
// access-checked, signed and federated by the node like any other object.
//
// Decode functions validate: every problem is named with the object id
// and the JSON path ("$.extensions['extension-definition--…'].sectors[0]"),
// and the envelope is checked by package stix as at ingest. Encode
// functions write the objects the engine produces.
package defstix

import (
	"embed"

	"github.com/kizuna-dev/kizuna"
	"io/fs"
	"path"
	"sort"
)

// Extension-definition ids kizuna publishes.
const (
	ExtAlliance           = "extension-definition--24d52822-20a1-4bf2-97ca-1018826ff47a" // property-extension of incident
	ExtFactorAnswers      = "extension-definition--44d15f78-4ded-4ab1-ae1a-e8db0eb951cc" // new-sdo x-kizuna-factor-answers
	ExtAssessment         = "extension-definition--f5dd5c64-1e9d-4655-81c3-9d850b80cca1" // new-sdo x-kizuna-threshold-assessment
	ExtConsultation       = "extension-definition--6b837deb-3c05-4c0c-8a65-35f74b5d54bd" // new-sdo x-kizuna-consultation
	ExtResponse           = "extension-definition--368e40ae-8e40-4996-b8fc-5d549548fed8" // new-sdo x-kizuna-consultation-response
	ExtJointPosition      = "extension-definition--f9078f19-54ef-4230-b08b-a550ec76db95" // new-sdo x-kizuna-joint-position
	ExtCampaignAssessment = "extension-definition--939391b7-a7ee-4381-a58a-083e6bdbe917" // new-sdo x-kizuna-campaign-assessment
)

// Object types kizuna defines.
const (
	TypeFactorAnswers      = "x-kizuna-factor-answers"
	TypeAssessment         = "x-kizuna-threshold-assessment"
	TypeConsultation       = "x-kizuna-consultation"
	TypeResponse           = "x-kizuna-consultation-response"
	TypeJointPosition      = "x-kizuna-joint-position"
	TypeCampaignAssessment = "x-kizuna-campaign-assessment"
)

// KizunaIdentity is the identity that creates kizuna's
// extension-definitions (as for the access marking).
const KizunaIdentity = "identity--4f0c6a52-7c1e-4d5e-9a0b-2b5f3e8d1c77"

//go:embed extensions/*.json
var extensions embed.FS

// ExtensionDefinitions returns the extension-definition objects kizuna
// publishes for collective defense, by file name
// (kizuna-defense-*.json); docs/ holds copies.
func ExtensionDefinitions() map[string][]byte {
	out := map[string][]byte{}
	names, _ := fs.Glob(extensions, "extensions/*.json")
	sort.Strings(names)
	for _, n := range names {
		b, _ := extensions.ReadFile(n)
		out[path.Base(n)] = b
	}
	return out
}

// namespace is the UUIDv5 namespace of the ids kizuna derives.
var namespace = [16]byte{0x2d, 0x8e, 0x41, 0x6a, 0xc3, 0x5f, 0x4b, 0x19, 0x9e, 0x07, 0x7a, 0x52, 0xd1, 0xe4, 0x38, 0x6c}

// FactorAnswersID returns the id of a nation's answers to the factors for
// an incident: one object per nation and incident, the same on every node,
// so that a node finds a nation's answers by id, whichever node they were
// written on, and each change is a new version of it.
func FactorAnswersID(incidentRef, nation string) string {
	return TypeFactorAnswers + "--" + kizuna.NameUUID(namespace, "factor-answers|"+incidentRef+"|"+nation)
}
