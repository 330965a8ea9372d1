package sector

import (
	"embed"
	"sync"
)

// Defaults holds the shipped configuration: sectors.json (vocabularies,
// crosswalk, pivot), tiers.json (example priority tiers), profiles.json
// (example CSF target profiles) and the NIST CSF 2.0 catalog. Each is an
// editable default built from the public sources it names, not any
// government's position.
//
//go:embed defaults
var Defaults embed.FS

// DefaultsDir is the directory of Defaults that holds the files.
const DefaultsDir = "defaults"

var defaultCatalog = sync.OnceValues(func() (*Catalog, error) { return Load(Defaults, DefaultsDir+"/sectors.json") })

// DefaultCatalog returns the shipped sectors file, loaded once.
func DefaultCatalog() (*Catalog, error) { return defaultCatalog() }
