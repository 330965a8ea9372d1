package node

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/federation"
	"github.com/kizuna-dev/kizuna/store/postgres"
	"github.com/kizuna-dev/kizuna/store/sqlite"
)

// IsPostgres reports whether a --store value names a PostgreSQL database.
func IsPostgres(store string) bool {
	return strings.HasPrefix(store, "postgres://") || strings.HasPrefix(store, "postgresql://")
}

// checkStore validates a --store value: "" or "sqlite" for the data
// directory's embedded database, or a PostgreSQL URL.
func checkStore(store string) error {
	if store == "" || store == "sqlite" || IsPostgres(store) {
		return nil
	}
	return fmt.Errorf("--store: want sqlite or a postgres:// URL, not %q", RedactDSN(store))
}

// RedactDSN keeps a connection string's password out of messages.
func RedactDSN(s string) string {
	if at := strings.LastIndex(s, "@"); at >= 0 {
		if scheme := strings.Index(s, "://"); scheme >= 0 && scheme < at {
			return s[:scheme+3] + "…@" + s[at+1:]
		}
	}
	return s
}

// openStore opens the store cfg names and the node state that goes with
// it: on SQLite, the database file and the files of the data directory; on
// PostgreSQL, both in the database, with the private keys sealed under the
// key file (made when init is set and the node does not exist yet).
func openStore(ctx context.Context, cfg Config, init bool) (kizuna.Store, kizuna.StateStore, error) {
	if err := checkStore(cfg.Store); err != nil {
		return nil, nil, err
	}
	if !IsPostgres(cfg.Store) {
		dbPath := filepath.Join(cfg.Dir, SQLiteFile)
		if init {
			// Create the database file 0600 before SQLite does: its WAL and
			// shared memory files take the database file's mode.
			if err := writeFileExclusive(dbPath, nil, 0o600); err != nil && !errors.Is(err, fs.ErrExist) {
				return nil, nil, err
			}
		}
		db, err := sqlite.Open(ctx, dbPath)
		if err != nil {
			return nil, nil, err
		}
		return db, federation.DirState(cfg.Dir), nil
	}
	if cfg.KeyFile == "" {
		return nil, nil, errors.New("a node on PostgreSQL needs --key-file (or KIZUNA_KEY_FILE): the file whose key seals the node's private keys in the database")
	}
	db, err := postgres.Open(ctx, cfg.Store)
	if err != nil {
		return nil, nil, err
	}
	// The key file is made only with the node: an instance joining an
	// initialised node must be given the node's own.
	create := false
	if init {
		done, err := stateExists(ctx, db, IdentityFile)
		if err != nil {
			db.Close()
			return nil, nil, err
		}
		create = !done
	}
	aead, err := loadKeyFile(cfg.KeyFile, create)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, sealedState{StateStore: db, aead: aead}, nil
}

// stateExists reports whether the node state holds the named document.
func stateExists(ctx context.Context, st kizuna.StateStore, name string) (bool, error) {
	_, err := st.ReadState(ctx, name)
	if err == nil {
		return true, nil
	}
	if kizuna.ErrorCode(err) == kizuna.ENOTFOUND {
		return false, nil
	}
	return false, err
}
