package postgres

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
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

// collectionLock serialises collection creation, so that the id/alias
// clash check and the insert are one step across instances.
const collectionLock = 0x6b7a636f6c6c

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
	var alias *string
	if c.Alias != "" {
		alias = &c.Alias
	}
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(collectionLock)); err != nil {
		return formatError(err, "creating collection %q", id)
	}
	// An alias must not shadow another collection's id, nor an id another's
	// alias: both name a collection in URLs.
	var clash int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM collections WHERE id = $1 OR alias = $1 OR id = $2 OR alias = $2`,
		id, c.Alias).Scan(&clash); err != nil {
		return formatError(err, "creating collection %q", id)
	}
	if clash > 0 {
		return kizuna.Errorf(kizuna.ECONFLICT, "collection id %q or alias %q is already taken", id, c.Alias)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO collections (id, title, description, alias, can_read, can_write,
		default_marking_refs, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		id, c.Title, c.Description, alias, canRead, canWrite, defaults, rowcodec.Micros(tx.now)); err != nil {
		return formatError(err, "creating collection %q", id)
	}
	if err := tx.Commit(ctx); err != nil {
		return formatError(err, "creating collection %q", id)
	}
	c.ID, c.CreatedAt = id, rowcodec.FromMicros(rowcodec.Micros(tx.now))
	return nil
}

// FindCollectionByID returns the collection with the id or alias.
func (db *DB) FindCollectionByID(ctx context.Context, id string) (*kizuna.Collection, error) {
	c, err := rowcodec.ScanCollection("postgres", db.pool.QueryRow(ctx, `SELECT `+rowcodec.CollectionColumns+` FROM collections WHERE id = $1 OR alias = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, kizuna.Errorf(kizuna.ENOTFOUND, "collection %q not found", id)
	} else if err != nil {
		return nil, formatError(err, "finding collection %q", id)
	}
	return c, nil
}

// FindCollections returns every collection in creation order.
func (db *DB) FindCollections(ctx context.Context) ([]*kizuna.Collection, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+rowcodec.CollectionColumns+` FROM collections ORDER BY seq`)
	if err != nil {
		return nil, formatError(err, "listing collections")
	}
	defer rows.Close()
	out := []*kizuna.Collection{}
	for rows.Next() {
		c, err := rowcodec.ScanCollection("postgres", rows)
		if err != nil {
			return nil, formatError(err, "listing collections")
		}
		out = append(out, c)
	}
	return out, formatError(rows.Err(), "listing collections")
}
