package rowcodec

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/kizuna-dev/kizuna"
)

// Migration is one numbered SQL file. Migrations are plain SQL: they never
// use the domain types, whose later shape would otherwise change what an old
// migration does.
type Migration struct {
	Name   string // file name, e.g. "0001_init.sql"
	Number int    // its leading number
	SQL    string
}

// LoadMigrations reads the *.sql files of dir in fsys, ordered by number.
// Numbers must be unique and start every name ("0002_observables.sql").
// dialect names the store in errors.
func LoadMigrations(dialect string, fsys fs.FS, dir string) ([]Migration, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.sql"))
	if err != nil {
		return nil, kizuna.WrapError(kizuna.EINTERNAL, err, "%s: listing migrations", dialect)
	}
	var ms []Migration
	seen := map[int]string{}
	for _, name := range names {
		base := path.Base(name)
		n, ok := MigrationNumber(base)
		if !ok {
			return nil, kizuna.Errorf(kizuna.EINTERNAL, "%s: migration %q does not start with a number", dialect, base)
		}
		if other, dup := seen[n]; dup {
			return nil, kizuna.Errorf(kizuna.EINTERNAL, "%s: migrations %q and %q share number %d", dialect, other, base, n)
		}
		seen[n] = base
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, kizuna.WrapError(kizuna.EINTERNAL, err, "%s: reading migration %q", dialect, base)
		}
		ms = append(ms, Migration{Name: base, Number: n, SQL: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Number < ms[j].Number })
	return ms, nil
}

// MigrationNumber parses the leading decimal number of a migration name.
func MigrationNumber(name string) (int, bool) {
	digits, _, _ := strings.Cut(name, "_")
	n, err := strconv.Atoi(digits)
	return n, err == nil && n > 0
}

// CheckNotNewer fails with ESCHEMA when applied, the names recorded in the
// database's migrations table, holds one that is not in ms: that database
// was written by a newer kizuna, and an older one could corrupt it.
func CheckNotNewer(ms []Migration, applied []string) error {
	known := map[string]bool{}
	latest := 0
	for _, m := range ms {
		known[m.Name] = true
		latest = max(latest, m.Number)
	}
	newest, unknown := 0, ""
	for _, name := range applied {
		if known[name] {
			continue
		}
		n, _ := MigrationNumber(name)
		if unknown == "" || n > newest {
			newest, unknown = n, name
		}
	}
	if unknown != "" {
		return kizuna.WrapError(kizuna.ESCHEMA, fmt.Errorf("unknown migration %q", unknown),
			"data directory was written by a newer kizuna (schema %d > %d); upgrade kizuna",
			max(newest, latest+1), latest)
	}
	return nil
}
