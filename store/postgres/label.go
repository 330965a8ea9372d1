package postgres

import (
	"context"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/store/internal/rowcodec"
)

// FindLabels returns every label with an id greater than afterID, in id
// order.
func (db *DB) FindLabels(ctx context.Context, afterID int64) ([]*kizuna.StoredLabel, error) {
	rows, err := db.pool.Query(ctx, `SELECT id, encoding FROM labels WHERE id > $1 ORDER BY id`, afterID)
	if err != nil {
		return nil, formatError(err, "listing access labels")
	}
	defer rows.Close()
	var out []*kizuna.StoredLabel
	for rows.Next() {
		var id int64
		var enc string
		if err := rows.Scan(&id, &enc); err != nil {
			return nil, formatError(err, "listing access labels")
		}
		l, err := rowcodec.DecodeLabel("postgres", id, []byte(enc))
		if err != nil {
			return nil, err
		}
		out = append(out, &kizuna.StoredLabel{ID: id, Label: *l})
	}
	return out, formatError(rows.Err(), "listing access labels")
}

// loadLabels returns the labels with the ids, from the cache or the
// database. The returned labels are shared and must not be modified.
func (db *DB) loadLabels(ctx context.Context, ids map[int64]bool) (map[int64]*kizuna.AccessLabel, error) {
	out := make(map[int64]*kizuna.AccessLabel, len(ids))
	missing := db.labelCache.Lookup(ids, out)
	if len(missing) == 0 {
		return out, nil
	}
	rows, err := db.pool.Query(ctx, `SELECT id, encoding FROM labels WHERE id = ANY($1::bigint[])`, missing)
	if err != nil {
		return nil, formatError(err, "reading access labels")
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var enc string
		if err := rows.Scan(&id, &enc); err != nil {
			return nil, formatError(err, "reading access labels")
		}
		l, err := rowcodec.DecodeLabel("postgres", id, []byte(enc))
		if err != nil {
			return nil, err
		}
		out[id] = l
	}
	if err := rows.Err(); err != nil {
		return nil, formatError(err, "reading access labels")
	}
	if err := db.labelCache.AddLoaded("postgres", out, missing); err != nil {
		return nil, err
	}
	return out, nil
}

// FindMarkingDefinition returns a stored copy of the one definition the
// id's owner record names, whatever collection holds it.
func (db *DB) FindMarkingDefinition(ctx context.Context, id string) (*kizuna.Object, error) {
	objs, err := db.queryObjects(ctx, `SELECT `+objectColumns(true)+` FROM owners w
		JOIN collections c ON true
		JOIN objects o ON o.collection = c.seq AND o.id = w.id
		WHERE w.id = $1 AND o.type = 'marking-definition' AND o.hash = w.content
		ORDER BY o.date_added LIMIT 1`, []any{id}, true)
	if err != nil {
		return nil, err
	}
	if len(objs) == 0 {
		return nil, kizuna.Errorf(kizuna.ENOTFOUND, "marking-definition %q not found", id)
	}
	return objs[0], nil
}

func (p *putTx) cachedLabel(enc string) (int64, bool) {
	if id, ok := p.newLabels[enc]; ok {
		return id, true
	}
	return p.db.labelCache.ID(enc)
}
