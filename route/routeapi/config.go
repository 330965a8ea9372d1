// Package routeapi wires the sector engine into a running node: it loads
// and validates the sector configuration at start, routes every version
// the node stores to the organisations of the sectors it concerns (an
// inbox per principal and signed webhooks whose queue the node persists),
// releases tearlines on a releaser's decision, and serves the sector
// vocabularies, crosswalk, tier diff and requirement comparison.
package routeapi

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/sector"
)

// ConfigDir is the directory of the data directory that holds the
// operator's sector configuration: sectors.json, tiers.json, profiles.json
// and the CSF catalog profiles.json names. A file it does not hold is the
// shipped default.
const ConfigDir = "sectors"

// overlay opens a file from top, or from base when top has none.
type overlay struct{ top, base fs.FS }

func (o overlay) Open(name string) (fs.File, error) {
	if o.top != nil {
		f, err := o.top.Open(name)
		if err == nil || !errors.Is(err, fs.ErrNotExist) {
			return f, err
		}
	}
	return o.base.Open(name)
}

// LoadConfig reads and validates the sector configuration of the data
// directory dir: each file of dir/sectors that exists, the shipped default
// for the others ("" for the defaults alone). An error names the file
// (its path when it is the operator's) and the JSON path of each problem.
func LoadConfig(dir string) (*sector.Config, error) {
	base, err := fs.Sub(sector.Defaults, sector.DefaultsDir)
	if err != nil {
		return nil, err
	}
	var top fs.FS
	cdir := ""
	if dir != "" {
		cdir = filepath.Join(dir, ConfigDir)
		if st, err := os.Stat(cdir); err == nil && st.IsDir() {
			top = os.DirFS(cdir)
		} else if err == nil {
			return nil, fmt.Errorf("%s: not a directory", cdir)
		}
	}
	cfg, err := sector.LoadDir(overlay{top: top, base: base}, ".")
	if err != nil {
		return nil, kizuna.Errorf(kizuna.EINVALID, "sector configuration: %s", where(kizuna.ErrorMessage(err), top, cdir))
	}
	return cfg, nil
}

// where replaces, in each line of msg, the name of a file the operator's
// directory holds by its path, and marks the others as shipped defaults.
func where(msg string, top fs.FS, cdir string) string {
	lines := strings.Split(msg, "\n")
	for i, l := range lines {
		name, rest, ok := strings.Cut(l, ": ")
		if !ok || strings.ContainsAny(name, " \t") {
			continue
		}
		if top != nil {
			if _, err := fs.Stat(top, name); err == nil {
				lines[i] = filepath.Join(cdir, name) + ": " + rest
				continue
			}
		}
		lines[i] = "shipped " + name + ": " + rest
	}
	return strings.Join(lines, "\n")
}
