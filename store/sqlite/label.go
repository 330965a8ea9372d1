package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/store/internal/rowcodec"
)

// FindLabels returns every label with an id greater than afterID, in id
// order.
func (db *DB) FindLabels(ctx context.Context, afterID int64) ([]*kizuna.StoredLabel, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, encoding FROM labels WHERE id > ? ORDER BY id`, afterID)
	if err != nil {
		return nil, formatError(err, "listing access labels")
	}
	defer rows.Close()
	var out []*kizuna.StoredLabel
	for rows.Next() {
		var (
			id  int64
			enc []byte
		)
		if err := rows.Scan(&id, &enc); err != nil {
			return nil, formatError(err, "listing access labels")
		}
		l, err := rowcodec.DecodeLabel("sqlite", id, enc)
		if err != nil {
			return nil, err
		}
		out = append(out, &kizuna.StoredLabel{ID: id, Label: *l})
	}
	if err := rows.Err(); err != nil {
		return nil, formatError(err, "listing access labels")
	}
	return out, nil
}

// loadLabels returns the labels with the ids, from the cache or else
// through pool. The returned labels are shared and must not be modified.
func (db *DB) loadLabels(ctx context.Context, pool *readPool, ids map[int64]bool) (map[int64]*kizuna.AccessLabel, error) {
	out := make(map[int64]*kizuna.AccessLabel, len(ids))
	missing := db.labelCache.Lookup(ids, out)
	if len(missing) == 0 {
		return out, nil
	}
	arg, _ := json.Marshal(missing)
	rows, err := pool.QueryContext(ctx, `SELECT id, encoding FROM labels WHERE id IN (SELECT value FROM json_each(?))`, string(arg))
	if err != nil {
		return nil, formatError(err, "reading access labels")
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id  int64
			enc []byte
		)
		if err := rows.Scan(&id, &enc); err != nil {
			return nil, formatError(err, "reading access labels")
		}
		l, err := rowcodec.DecodeLabel("sqlite", id, enc)
		if err != nil {
			return nil, err
		}
		out[id] = l
	}
	if err := rows.Err(); err != nil {
		return nil, formatError(err, "reading access labels")
	}
	if err := db.labelCache.AddLoaded("sqlite", out, missing); err != nil {
		return nil, err
	}
	return out, nil
}

// FindMarkingDefinition returns a stored copy of the one definition the
// id's owner record names, whatever collection holds it.
func (db *DB) FindMarkingDefinition(ctx context.Context, id string) (*kizuna.Object, error) {
	// The join walks the (few) collections and looks the id up in each
	// one's (collection, id, version) index.
	q := `SELECT ` + objectColumns("c.id", true) + ` FROM owners w
		JOIN collections c
		JOIN objects o ON o.collection = c.seq AND o.id = w.id
		WHERE w.id = ? AND o.type = 'marking-definition' AND o.hash = w.content
		ORDER BY o.date_added LIMIT 1`
	objs, err := db.queryObjects(ctx, db.read, q, []any{id}, &objectReader{raw: true})
	if err != nil {
		return nil, err
	}
	if len(objs) == 0 {
		return nil, kizuna.Errorf(kizuna.ENOTFOUND, "marking-definition %q not found", id)
	}
	return objs[0], nil
}

// cachedLabel returns the id of a label known to be stored.
func (p *putTx) cachedLabel(enc string) (int64, bool) {
	if id, ok := p.newLabels[enc]; ok {
		return id, true
	}
	return p.db.labelCache.ID(enc)
}

// insertWithLabels stores the missing labels, then the object row.
func (p *putTx) insertWithLabels(ctx context.Context, o *kizuna.Object, res *kizuna.PutResult,
	encs []string, ids []int64, missing []int, inserted *[]string, sf *storedFields) (bool, error) {
	for _, j := range missing {
		if id, ok := p.newLabels[encs[j]]; ok { // the object repeats a label
			ids[j] = id
			continue
		}
		err := p.findLabel.QueryRowContext(ctx, encs[j]).Scan(&ids[j])
		if errors.Is(err, sql.ErrNoRows) {
			r, err := p.insertLabel.ExecContext(ctx, encs[j])
			if err != nil {
				return false, err
			}
			if ids[j], err = r.LastInsertId(); err != nil {
				return false, err
			}
			p.newLabels[encs[j]] = ids[j]
			*inserted = append(*inserted, encs[j])
		} else if err != nil {
			return false, err
		} else {
			// Stored by another process since this one cached labels:
			// committed, so it may join the cache at commit.
			p.newLabels[encs[j]] = ids[j]
		}
	}
	return p.insertRow(ctx, o, res, ids, sf)
}
