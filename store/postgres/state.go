package postgres

import (
	"context"
	"errors"

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
