package postgres

import (
	"context"
	"encoding/json"

	"github.com/kizuna-dev/kizuna"
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
		l, err := decodeLabel(id, enc)
		if err != nil {
			return nil, err
		}
		out = append(out, &kizuna.StoredLabel{ID: id, Label: *l})
	}
	return out, formatError(rows.Err(), "listing access labels")
}

func decodeLabel(id int64, enc string) (*kizuna.AccessLabel, error) {
	var l kizuna.AccessLabel
	if err := json.Unmarshal([]byte(enc), &l); err != nil {
		return nil, kizuna.WrapError(kizuna.EINTERNAL, err, "postgres: stored access label %d is corrupt", id)
	}
	return &l, nil
}

// loadLabels returns the labels with the ids, from the cache or the
// database. The returned labels are shared and must not be modified.
func (db *DB) loadLabels(ctx context.Context, ids map[int64]bool) (map[int64]*kizuna.AccessLabel, error) {
	out := make(map[int64]*kizuna.AccessLabel, len(ids))
	var missing []int64
	db.labelMu.RLock()
	for id := range ids {
		if l, ok := db.labels[id]; ok {
			out[id] = l
		} else {
			missing = append(missing, id)
		}
	}
	db.labelMu.RUnlock()
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
		l, err := decodeLabel(id, enc)
		if err != nil {
			return nil, err
		}
		out[id] = l
	}
	if err := rows.Err(); err != nil {
		return nil, formatError(err, "reading access labels")
	}
	db.labelMu.Lock()
	for _, id := range missing {
		if l, ok := out[id]; ok {
			db.labels[id] = l
		}
	}
	db.labelMu.Unlock()
	for _, id := range missing {
		if out[id] == nil {
			return nil, kizuna.Errorf(kizuna.EINTERNAL, "postgres: access label %d is missing", id)
		}
	}
	return out, nil
}

// FindMarkingDefinition returns the earliest stored version of the
// marking-definition with the id, whatever collection holds it.
func (db *DB) FindMarkingDefinition(ctx context.Context, id string) (*kizuna.Object, error) {
	objs, err := db.queryObjects(ctx, `SELECT `+objectColumns(true)+` FROM collections c
		JOIN objects o ON o.collection = c.seq AND o.id = $1
		WHERE o.type = 'marking-definition'
		ORDER BY o.version, o.date_added LIMIT 1`, []any{id}, true)
	if err != nil {
		return nil, err
	}
	if len(objs) == 0 {
		return nil, kizuna.Errorf(kizuna.ENOTFOUND, "marking-definition %q not found", id)
	}
	return objs[0], nil
}

func portionLabels(ps []kizuna.Portion) []*kizuna.AccessLabel {
	out := make([]*kizuna.AccessLabel, len(ps))
	for i, pt := range ps {
		out[i] = pt.Label
	}
	return out
}

func (p *putTx) cachedLabel(enc string) (int64, bool) {
	if id, ok := p.newLabels[enc]; ok {
		return id, true
	}
	p.db.labelMu.RLock()
	defer p.db.labelMu.RUnlock()
	id, ok := p.db.labelIDs[enc]
	return id, ok
}
