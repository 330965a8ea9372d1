package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/federation"
	"github.com/kizuna-dev/kizuna/store/sqlite"
)

// Files in a data directory.
const (
	storeFile      = "kizuna.db"
	identityFile   = "node.json"
	adminTokenFile = "admin.token"
	adminName      = "admin"
)

// identity is the node's own identity, written once at initialisation.
type identity struct {
	ID           string    `json:"id"`           // the node's STIX identity id
	Name         string    `json:"name"`         // a display name
	Nation       string    `json:"nation"`       // ISO 3166-1 alpha-3 of the operator
	Organization string    `json:"organization"` // identity id of the operating organisation
	Created      time.Time `json:"created"`
}

// initOptions are what the first start of a node decides.
type initOptions struct {
	Name   string
	Nation string
}

// initResult reports what initialisation created.
type initResult struct {
	Created    bool   // false when the directory was already initialised
	AdminToken string // set only when Created
}

// ensureDataDir initialises dir on first use: the store, the node identity
// and an admin principal whose token is written once to admin.token (0600).
func ensureDataDir(ctx context.Context, dir string, opt initOptions) (*initResult, error) {
	if _, err := os.Stat(filepath.Join(dir, identityFile)); err == nil {
		return &initResult{}, privateDir(dir)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if opt.Nation == "" {
		opt.Nation = "USA"
	}
	if !isNationCode(opt.Nation) {
		return nil, fmt.Errorf("--nation %q: want an ISO 3166-1 alpha-3 code such as USA or JPN", opt.Nation)
	}
	if err := privateDir(dir); err != nil {
		return nil, err
	}
	dbPath := filepath.Join(dir, storeFile)
	// Create the database file 0600 before SQLite does: its WAL and shared
	// memory files take the database file's mode.
	if err := writeFileExclusive(dbPath, nil, 0o600); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, err
	}
	db, err := sqlite.Open(ctx, dbPath)
	if err != nil {
		return nil, err
	}
	defer db.Close()

	now := time.Now().UTC()
	id := identity{
		ID: "identity--" + kizuna.NewUUID(), Name: opt.Name, Nation: opt.Nation,
		Organization: "identity--" + kizuna.NewUUID(), Created: now,
	}
	if id.Name == "" {
		id.Name = "kizuna node (" + opt.Nation + ")"
	}
	token := kizuna.NewToken()
	admin := &kizuna.Principal{
		ID: "principal--" + kizuna.NewUUID(), Name: adminName, Organization: id.Organization,
		Nation: opt.Nation, Roles: []string{kizuna.RoleAdmin, kizuna.RolePublisher, kizuna.RoleReader},
		CreatedAt: now,
	}
	if err := db.CreatePrincipal(ctx, admin, kizuna.HashToken(token)); err != nil {
		return nil, err
	}
	if err := writeFileExclusive(filepath.Join(dir, adminTokenFile), []byte(token+"\n"), 0o600); err != nil {
		return nil, err
	}
	if err := federation.GenerateKeys(dir, nil); err != nil {
		return nil, err
	}
	b, _ := json.MarshalIndent(id, "", "  ")
	// The identity file is written last: its presence marks a complete
	// initialisation.
	if err := writeFileExclusive(filepath.Join(dir, identityFile), append(b, '\n'), 0o600); err != nil {
		return nil, err
	}
	return &initResult{Created: true, AdminToken: token}, nil
}

// privateDir creates the data directory if needed and makes it 0700: what
// it holds (objects, the audit log, tokens, keys, import spools) is for the
// node's own user only, and every file in it is created 0600.
func privateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	st, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if st.Mode().Perm() != 0o700 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("data directory %s has mode %v and cannot be made private: %w", dir, st.Mode().Perm(), err)
		}
	}
	return nil
}

// readIdentity reads the node identity of an initialised data directory.
func readIdentity(dir string) (*identity, error) {
	b, err := os.ReadFile(filepath.Join(dir, identityFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s is not an initialised kizuna data directory (run 'kizuna serve --data %s' once)", dir, dir)
	} else if err != nil {
		return nil, err
	}
	var id identity
	if err := json.Unmarshal(b, &id); err != nil {
		return nil, fmt.Errorf("%s: %v", filepath.Join(dir, identityFile), err)
	}
	return &id, nil
}

// writeFileExclusive creates path with perm, failing if it exists, and syncs
// it to disk.
func writeFileExclusive(path string, data []byte, perm os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func isNationCode(s string) bool {
	if len(s) != 3 {
		return false
	}
	for _, r := range s {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}

// defaultDataDir is where every command finds the node's data by default.
const defaultDataDir = "./kizuna-data"

// dataFlag registers the --data flag every command that opens a node takes.
func dataFlag(fs *flag.FlagSet) *string {
	return fs.String("data", defaultDataDir, "data directory")
}
