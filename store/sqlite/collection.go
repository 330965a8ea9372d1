package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/store/internal/rowcodec"
)

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// collectionSeq returns the internal key and the id of the collection with
// the id or alias, inside a write transaction.
func (tx *writeTx) collectionSeq(ctx context.Context, idOrAlias string) (int64, string, error) {
	var seq int64
	var id string
	err := tx.QueryRowContext(ctx, `SELECT seq, id FROM collections WHERE id = ? OR alias = ?`, idOrAlias, idOrAlias).Scan(&seq, &id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", kizuna.Errorf(kizuna.ENOTFOUND, "collection %q not found", idOrAlias)
	} else if err != nil {
		return 0, "", formatError(err, "finding collection %q", idOrAlias)
	}
	return seq, id, nil
}

// collectionSeq returns the internal key of the collection with the id or
// alias.
func (p *readPool) collectionSeq(ctx context.Context, idOrAlias string) (int64, error) {
	var seq int64
	err := p.QueryRowContext(ctx, `SELECT seq FROM collections WHERE id = ? OR alias = ?`, idOrAlias, idOrAlias).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, kizuna.Errorf(kizuna.ENOTFOUND, "collection %q not found", idOrAlias)
	} else if err != nil {
		return 0, formatError(err, "finding collection %q", idOrAlias)
	}
	return seq, nil
}

// CreateCollection stores c, giving it a new UUID when its ID is empty and
// setting CreatedAt.
func (db *DB) CreateCollection(ctx context.Context, c *kizuna.Collection) error {
	if err := rowcodec.CheckCollection(c); err != nil {
		return err
	}
	id := c.ID
	if id == "" {
		id = newUUID()
	}
	canRead, canWrite, defaults := rowcodec.CollectionJSON(c)
	alias := sql.NullString{String: c.Alias, Valid: c.Alias != ""}

	tx, err := db.beginWrite(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// An alias must not shadow another collection's id, nor an id another's
	// alias: both name a collection in URLs.
	var clash int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM collections WHERE id = ? OR alias = ? OR id = ? OR alias = ?`,
		id, id, c.Alias, c.Alias).Scan(&clash); err != nil {
		return formatError(err, "creating collection %q", id)
	}
	if clash > 0 {
		return kizuna.Errorf(kizuna.ECONFLICT, "collection id %q or alias %q is already taken", id, c.Alias)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO collections (id, title, description, alias, can_read, can_write,
		default_marking_refs, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		id, c.Title, c.Description, alias, canRead, canWrite, defaults, rowcodec.Micros(tx.now)); err != nil {
		return formatError(err, "creating collection %q", id)
	}
	if err := tx.commit(); err != nil {
		return formatError(err, "creating collection %q", id)
	}
	c.ID, c.CreatedAt = id, rowcodec.FromMicros(rowcodec.Micros(tx.now))
	return nil
}

// FindCollectionByID returns the collection with the id or alias.
func (db *DB) FindCollectionByID(ctx context.Context, id string) (*kizuna.Collection, error) {
	c, err := rowcodec.ScanCollection("sqlite", db.read.QueryRowContext(ctx,
		`SELECT `+rowcodec.CollectionColumns+` FROM collections WHERE id = ? OR alias = ?`, id, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, kizuna.Errorf(kizuna.ENOTFOUND, "collection %q not found", id)
	} else if err != nil {
		return nil, formatError(err, "finding collection %q", id)
	}
	return c, nil
}

// FindCollections returns every collection in creation order.
func (db *DB) FindCollections(ctx context.Context) ([]*kizuna.Collection, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+rowcodec.CollectionColumns+` FROM collections ORDER BY seq`)
	if err != nil {
		return nil, formatError(err, "listing collections")
	}
	defer rows.Close()
	out := []*kizuna.Collection{}
	for rows.Next() {
		c, err := rowcodec.ScanCollection("sqlite", rows)
		if err != nil {
			return nil, formatError(err, "listing collections")
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, formatError(err, "listing collections")
	}
	return out, nil
}
