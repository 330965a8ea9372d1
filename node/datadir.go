package node

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/federation"
)

// Files in a data directory.
const (
	// SQLiteFile is the embedded store's database.
	SQLiteFile = "kizuna.db"
	// IdentityFile holds the node's identity; its presence marks a
	// complete initialisation.
	IdentityFile = "node.json"
	// AdminTokenFile holds the token of the admin principal Init creates.
	AdminTokenFile = "admin.token"
)

// AdminName is the name of the admin principal Init creates.
const AdminName = "admin"

// Identity is the node's own identity, written once at initialisation.
type Identity struct {
	ID           string    `json:"id"`           // the node's STIX identity id
	Name         string    `json:"name"`         // a display name
	Nation       string    `json:"nation"`       // ISO 3166-1 alpha-3 of the operator
	Organization string    `json:"organization"` // identity id of the operating organisation
	Created      time.Time `json:"created"`
}

// InitOptions are what the first start of a node decides.
type InitOptions struct {
	Name   string
	Nation string
}

// InitResult reports what initialisation created.
type InitResult struct {
	Created    bool   // false when the directory was already initialised
	AdminToken string // set only when Created
}

// Init initialises the node's data directory on first use: the store, the
// node identity and keys, and an admin principal whose token is written
// once to admin.token (0600). On a directory already initialised it does
// nothing and reports Created false.
func Init(ctx context.Context, cfg Config, opt InitOptions) (*InitResult, error) {
	dir := cfg.Dir
	if err := privateDir(dir); err != nil {
		return nil, err
	}
	db, state, err := openStore(ctx, cfg, true)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	if done, err := stateExists(ctx, state, IdentityFile); err != nil || done {
		return &InitResult{}, err
	}
	if opt.Nation == "" {
		opt.Nation = "USA"
	}
	if !IsNationCode(opt.Nation) {
		return nil, fmt.Errorf("--nation %q: want an ISO 3166-1 alpha-3 code such as USA or JPN", opt.Nation)
	}

	now := time.Now().UTC()
	id := Identity{
		ID: "identity--" + kizuna.NewUUID(), Name: opt.Name, Nation: opt.Nation,
		Organization: "identity--" + kizuna.NewUUID(), Created: now,
	}
	if id.Name == "" {
		id.Name = "kizuna node (" + opt.Nation + ")"
	}
	token := kizuna.NewToken()
	admin := &kizuna.Principal{
		ID: "principal--" + kizuna.NewUUID(), Name: AdminName, Organization: id.Organization,
		Nation: opt.Nation, Roles: []string{kizuna.RoleAdmin, kizuna.RolePublisher, kizuna.RoleReader},
		CreatedAt: now,
	}
	if err := db.CreatePrincipal(ctx, admin, kizuna.HashToken(token)); err != nil {
		return nil, err
	}
	if err := writeFileExclusive(filepath.Join(dir, AdminTokenFile), []byte(token+"\n"), 0o600); err != nil {
		return nil, err
	}
	if err := federation.GenerateKeys(ctx, state, nil); err != nil {
		return nil, err
	}
	b, _ := json.MarshalIndent(id, "", "  ")
	// The identity is written last: its presence marks a complete
	// initialisation.
	if err := state.WriteState(ctx, IdentityFile, append(b, '\n')); err != nil {
		return nil, err
	}
	return &InitResult{Created: true, AdminToken: token}, nil
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

// ReadIdentity reads the node's identity from its state; ENOTFOUND before
// initialisation.
func ReadIdentity(ctx context.Context, st kizuna.StateStore) (*Identity, error) {
	b, err := st.ReadState(ctx, IdentityFile)
	if err != nil {
		return nil, err
	}
	var id Identity
	if err := json.Unmarshal(b, &id); err != nil {
		return nil, fmt.Errorf("%s: %v", federation.Where(st, IdentityFile), err)
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

// IsNationCode reports whether s has the form of an ISO 3166-1 alpha-3 code.
func IsNationCode(s string) bool {
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
