package sector

import (
	"embed"
	"io/fs"
	"path"
	"sync"
)

// Defaults holds the shipped configuration: sectors.json (vocabularies,
// crosswalk, pivot), tiers.json (example priority tiers), profiles.json
// (example CSF target profiles) and the NIST CSF 2.0 catalog (csf/, with
// its provenance). Each is an editable default built from the public
// sources it names, not any government's position.
//
//go:embed defaults
var Defaults embed.FS

// DefaultsDir is the directory of Defaults that holds the files.
const DefaultsDir = "defaults"

// Config is a node's whole sector configuration.
type Config struct {
	Catalog  *Catalog
	Tiers    *Tiers
	Profiles *Profiles
}

// The file names LoadDir reads.
const (
	SectorsFile  = "sectors.json"
	TiersFile    = "tiers.json"
	ProfilesFile = "profiles.json"
)

// LoadDir reads sectors.json, tiers.json and profiles.json (and the CSF
// catalog profiles.json names) from dir of fsys, validating each against
// the others. Errors: EINVALID, naming the file and the JSON path.
func LoadDir(fsys fs.FS, dir string) (*Config, error) {
	c, err := Load(fsys, path.Join(dir, SectorsFile))
	if err != nil {
		return nil, err
	}
	t, err := LoadTiers(fsys, path.Join(dir, TiersFile), c)
	if err != nil {
		return nil, err
	}
	p, err := LoadProfiles(fsys, path.Join(dir, ProfilesFile), c)
	if err != nil {
		return nil, err
	}
	return &Config{Catalog: c, Tiers: t, Profiles: p}, nil
}

var defaultConfig = sync.OnceValues(func() (*Config, error) { return LoadDir(Defaults, DefaultsDir) })

// DefaultConfig returns the shipped configuration, loaded once.
func DefaultConfig() (*Config, error) { return defaultConfig() }

// DefaultCatalog returns the shipped sectors file, loaded once.
func DefaultCatalog() (*Catalog, error) {
	cfg, err := defaultConfig()
	if err != nil {
		return nil, err
	}
	return cfg.Catalog, nil
}
