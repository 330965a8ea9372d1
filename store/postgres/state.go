package postgres

import (
	"context"
	"errors"
	"hash/fnv"

	"github.com/jackc/pgx/v5"

	"github.com/kizuna-dev/kizuna"
)

var _ kizuna.StateStore = (*DB)(nil)

// ReadState returns the node's document of that name.
func (db *DB) ReadState(ctx context.Context, name string) ([]byte, error) {
	var data []byte
	err := db.pool.QueryRow(ctx, `SELECT data FROM node_state WHERE name = $1`, name).Scan(&data)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, kizuna.Errorf(kizuna.ENOTFOUND, "node state %q not found", name)
	}
	if err != nil {
		return nil, formatError(err, "reading node state %q", name)
	}
	return data, nil
}

// WriteState replaces the node's document of that name.
func (db *DB) WriteState(ctx context.Context, name string, data []byte) error {
	if name == "" {
		return kizuna.Errorf(kizuna.EINVALID, "node state: a document needs a name")
	}
	_, err := db.pool.Exec(ctx, `INSERT INTO node_state (name, data, updated) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO UPDATE SET data = EXCLUDED.data, updated = EXCLUDED.updated`,
		name, data, db.now().UnixNano())
	return formatError(err, "writing node state %q", name)
}

// UpdateState rewrites the node's document of that name with what fn makes
// of it, in one transaction that holds a transaction-scoped advisory lock
// on the name: updates from every instance apply one after the other.
func (db *DB) UpdateState(ctx context.Context, name string, fn func(old []byte) ([]byte, error)) error {
	if name == "" {
		return kizuna.Errorf(kizuna.EINVALID, "node state: a document needs a name")
	}
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, stateLockKey(name)); err != nil {
		return formatError(err, "locking node state %q", name)
	}
	var old []byte
	err = tx.QueryRow(ctx, `SELECT data FROM node_state WHERE name = $1`, name).Scan(&old)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return formatError(err, "reading node state %q", name)
	}
	data, err := fn(old)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO node_state (name, data, updated) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO UPDATE SET data = EXCLUDED.data, updated = EXCLUDED.updated`,
		name, data, tx.now.UnixNano()); err != nil {
		return formatError(err, "writing node state %q", name)
	}
	return formatError(tx.Commit(ctx), "writing node state %q", name)
}

// stateLockKey is the advisory lock key of a node state document: a
// 64-bit FNV-1a hash of its name under a prefix of its own, so that it
// does not meet the keys of other locks.
func stateLockKey(name string) int64 {
	return LockKey("kizuna node_state " + name)
}

// LockKey is the advisory lock key of a name: its 64-bit FNV-1a hash.
func LockKey(name string) int64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return int64(h.Sum64())
}
