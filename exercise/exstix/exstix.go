// Package exstix is the STIX 2.1 representation of exercises: the
// exercise itself, inject release records, after-action reports and
// corrective actions, each a new object type defined by an
// extension-definition kizuna publishes (docs/kizuna-exercise-*.json).
// Decoders name every problem with the object id and JSON path.
package exstix

import (
	"embed"

	"github.com/kizuna-dev/kizuna/internal/newsdo"
)

// Extension-definition ids.
const (
	ExtExercise   = "extension-definition--0d3c7a1e-5b2f-4c8e-9a61-7f4e2b8c9d10"
	ExtRelease    = "extension-definition--4a9e6b2c-1d7f-4e3a-8b5c-2f6d9e1a7c34"
	ExtReport     = "extension-definition--8c2f5d1a-6e3b-4a9c-b7d4-1e5f8a2c6b93"
	ExtCorrective = "extension-definition--e6b1d4a7-3c9f-4d2e-a8b5-9f2c7e1d4a56"
)

// Object types.
const (
	TypeExercise   = "x-kizuna-exercise"
	TypeRelease    = "x-kizuna-inject-release"
	TypeReport     = "x-kizuna-after-action-report"
	TypeCorrective = "x-kizuna-corrective-action"
)

//go:embed extensions/*.json
var extensions embed.FS

// ExtensionDefinitions returns the extension-definitions by file name
// (kizuna-exercise-*.json); docs/ holds copies.
func ExtensionDefinitions() map[string][]byte { return newsdo.Definitions(extensions, "extensions") }
