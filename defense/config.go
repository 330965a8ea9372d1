// Package defense is kizuna's collective-defense engine: it derives an
// incident's facts from the incident and its current impacts, scores its
// severity under each nation's scoring model, runs each nation's threshold
// policy, explains where two allies' conclusions diverge, and links
// incidents into campaigns assessed together.
//
// Everything it reads and writes is a STIX object (package defense/defstix)
// so that the node marks, access-checks, signs and federates it like any
// other; the engine itself is pure and holds no state but its
// configuration. It reports what each nation's configured policy
// concludes and why; it never declares that a treaty article is met.
package defense

import (
	"embed"
	"errors"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/defense/internal/conf"
	"github.com/kizuna-dev/kizuna/defense/score"
	"github.com/kizuna-dev/kizuna/defense/threshold"
	"github.com/kizuna-dev/kizuna/sector"
)

// Defaults holds the shipped configuration: defense.json, the notional
// NCISS scoring model, the example policies of USA, JPN and AUS, and the
// consultation deadlines. All of it is an editable default, not any
// government's position. The sector vocabularies and their crosswalk are
// package sector's.
//
//go:embed defaults
var Defaults embed.FS

// DefaultsDir is the directory of Defaults that holds defense.json.
const DefaultsDir = "defaults"

// fileConfig is the shape of defense.json.
type fileConfig struct {
	Version string `json:"version"`
	// Sectors names a sectors file in package sector's format, relative to
	// the directory; without it the engine uses the shipped one.
	Sectors string `json:"sectors,omitempty"`
	// Expand lists the crosswalk relations through which an incident's
	// sectors are extended into the configured nations' vocabularies; all
	// relations when absent. Weak mappings never extend facts.
	Expand  []sector.Relation     `json:"expand,omitempty"`
	Nations map[string]nationFile `json:"nations"`
	// Consultation names the consultation configuration (package
	// defense/consult reads it).
	Consultation string `json:"consultation,omitempty"`
}

type nationFile struct {
	Scoring string `json:"scoring"`
	Policy  string `json:"policy"`
}

// Nation is one nation's configuration: its scoring model and its policy.
type Nation struct {
	Code   string
	Model  *score.Model
	Policy *threshold.Policy
}

// Load reads defense.json in dir of fsys and every file it names (paths
// relative to dir), and returns the engine. Every problem is reported with
// its file and JSON path.
func Load(fsys fs.FS, dir string) (*Engine, error) {
	name := path.Join(dir, "defense.json")
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, kizuna.WrapError(kizuna.EINVALID, err, "%s: %v", name, err)
	}
	var fc fileConfig
	if err := conf.Decode(data, name, &fc); err != nil {
		return nil, kizuna.WrapError(kizuna.EINVALID, err, "%v", err)
	}
	errs := &conf.Errors{File: name}
	var sectors *sector.Catalog
	if fc.Sectors == "" {
		sectors, err = sector.DefaultCatalog()
	} else {
		sectors, err = sector.Load(fsys, path.Join(dir, fc.Sectors))
	}
	if err != nil {
		return nil, err
	}
	for i, r := range fc.Expand {
		if !r.Valid() {
			errs.Addf(conf.Index("$.expand", i), "%q is not a crosswalk relation", r)
		}
	}
	if len(fc.Nations) == 0 {
		errs.Addf("$.nations", "at least one nation is required")
	}
	codes := make([]string, 0, len(fc.Nations))
	for code := range fc.Nations {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	var nations []*Nation
	var loadErrs []error
	for _, code := range codes {
		nf := fc.Nations[code]
		p := "$.nations." + code
		if !conf.Nation(code) {
			errs.Addf(p, "%q is not an ISO 3166-1 alpha-3 code", code)
			continue
		}
		n := &Nation{Code: code}
		if data, err := fs.ReadFile(fsys, path.Join(dir, nf.Scoring)); err != nil {
			errs.Addf(p+".scoring", "%v", err)
		} else if n.Model, err = score.Load(data, path.Join(dir, nf.Scoring)); err != nil {
			loadErrs = append(loadErrs, err)
		}
		if data, err := fs.ReadFile(fsys, path.Join(dir, nf.Policy)); err != nil {
			errs.Addf(p+".policy", "%v", err)
		} else if n.Policy, err = threshold.Load(data, path.Join(dir, nf.Policy)); err != nil {
			loadErrs = append(loadErrs, err)
		} else if n.Policy.Nation != code {
			errs.Addf(p+".policy", "%s is the policy of %s, not of %s", nf.Policy, n.Policy.Nation, code)
		}
		nations = append(nations, n)
	}
	if err := errs.Err(); err != nil {
		loadErrs = append(loadErrs, err)
	}
	if len(loadErrs) > 0 {
		msgs := make([]string, len(loadErrs))
		for i, e := range loadErrs {
			msgs[i] = kizuna.ErrorMessage(e)
			if kizuna.ErrorCode(e) == kizuna.EINTERNAL {
				msgs[i] = e.Error() // a conf.Errors list: file and path, safe to show
			}
		}
		return nil, kizuna.WrapError(kizuna.EINVALID, errors.Join(loadErrs...), "%s", strings.Join(msgs, "\n"))
	}
	e, err := New(sectors, nations...)
	if err != nil {
		return nil, err
	}
	e.expand.Relations = fc.Expand
	return e, nil
}

// LoadDefaults returns the engine of the shipped configuration.
func LoadDefaults() (*Engine, error) { return Load(Defaults, DefaultsDir) }
