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
	"slices"
	"sort"
	"strings"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/defense/internal/conf"
	"github.com/kizuna-dev/kizuna/defense/score"
	"github.com/kizuna-dev/kizuna/defense/threshold"
)

// Defaults holds the shipped configuration: defense.json, the notional
// NCISS scoring model, the example policies of USA, JPN and AUS, the sector
// lists and crosswalk, and the consultation deadlines. All of it is an
// editable default, not any government's position.
//
//go:embed defaults
var Defaults embed.FS

// DefaultsDir is the directory of Defaults that holds defense.json.
const DefaultsDir = "defaults"

// fileConfig is the shape of defense.json.
type fileConfig struct {
	Version string                `json:"version"`
	Sectors string                `json:"sectors"`
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
	var sectors *Sectors
	if fc.Sectors == "" {
		errs.Addf("$.sectors", "is required")
	} else if sectors, err = loadSectors(fsys, path.Join(dir, fc.Sectors)); err != nil {
		return nil, err
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
	return New(sectors, nations...)
}

// LoadDefaults returns the engine of the shipped configuration.
func LoadDefaults() (*Engine, error) { return Load(Defaults, DefaultsDir) }

// Sectors is the configured sector vocabulary: each nation's sector ids,
// and the crosswalk that relates them.
type Sectors struct {
	Version     string                   `json:"version"`
	Description string                   `json:"description,omitempty"`
	Expand      []string                 `json:"expand"`
	Nations     map[string][]SectorEntry `json:"nations"`
	Crosswalk   []CrosswalkGroup         `json:"crosswalk"`

	known map[string]bool
	equiv map[string][]string
}

// SectorEntry is one national sector.
type SectorEntry struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// CrosswalkGroup relates sectors of several nations.
type CrosswalkGroup struct {
	Sectors  []string `json:"sectors"`
	Relation string   `json:"relation"`
}

func loadSectors(fsys fs.FS, name string) (*Sectors, error) {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, kizuna.WrapError(kizuna.EINVALID, err, "%s: %v", name, err)
	}
	s := &Sectors{}
	if err := conf.Decode(data, name, s); err != nil {
		return nil, kizuna.WrapError(kizuna.EINVALID, err, "%v", err)
	}
	errs := &conf.Errors{File: name}
	s.known, s.equiv = map[string]bool{}, map[string][]string{}
	for nation, list := range s.Nations {
		for i, e := range list {
			if e.ID == "" || s.known[e.ID] {
				errs.Addf(conf.Index("$.nations."+nation, i)+".id", "must be present and unique, not %q", e.ID)
			}
			s.known[e.ID] = true
		}
	}
	for i, g := range s.Crosswalk {
		for j, id := range g.Sectors {
			if !s.known[id] {
				errs.Addf(conf.Index(conf.Index("$.crosswalk", i)+".sectors", j), "%q is not a sector of any nation", id)
			}
		}
		if !slices.Contains(s.Expand, g.Relation) {
			continue
		}
		// Equivalents are the other nations' sectors of the group: two
		// sectors of one nation in a one-to-many group are not alike.
		for _, a := range g.Sectors {
			for _, b := range g.Sectors {
				if nationOf(a) != nationOf(b) && !slices.Contains(s.equiv[a], b) {
					s.equiv[a] = append(s.equiv[a], b)
				}
			}
		}
	}
	if err := errs.Err(); err != nil {
		return nil, kizuna.WrapError(kizuna.EINVALID, err, "%v", err)
	}
	return s, nil
}

// nationOf returns the nation prefix of a sector id ("jp" of "jp.ports").
func nationOf(id string) string {
	n, _, _ := strings.Cut(id, ".")
	return n
}

// Known reports whether id is a configured sector.
func (s *Sectors) Known(id string) bool { return s != nil && s.known[id] }

// Expand returns ids with their crosswalk equivalents, each once, in a
// stable order.
func (s *Sectors) ExpandAll(ids []string) []string {
	var out []string
	for _, id := range ids {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	if s == nil {
		return out
	}
	for _, id := range ids {
		for _, e := range s.equiv[id] {
			if !slices.Contains(out, e) {
				out = append(out, e)
			}
		}
	}
	return out
}
