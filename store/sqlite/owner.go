package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/store/internal/rowcodec"
)

// FindOwners returns the owner records of the ids that have one. It is
// served by the lookup connections: the write rules and deletions ask it.
func (db *DB) FindOwners(ctx context.Context, ids []string) (map[string]*kizuna.Owner, error) {
	out := map[string]*kizuna.Owner{}
	for len(ids) > 0 {
		n := min(len(ids), 5000)
		got, err := db.findOwners(ctx, ids[:n])
		if err != nil {
			return nil, err
		}
		for id, o := range got {
			out[id] = o
		}
		ids = ids[n:]
	}
	return out, nil
}

func (db *DB) findOwners(ctx context.Context, ids []string) (map[string]*kizuna.Owner, error) {
	stmt, once, err := db.lookup.stmt(ctx, rowcodec.OwnersQuerySQLite)
	if err != nil {
		return nil, err
	}
	if once {
		defer stmt.Close()
	}
	rows, err := stmt.QueryContext(ctx, jsonList(ids))
	if err != nil {
		return nil, formatError(err, "reading owner records")
	}
	defer rows.Close()
	got, err := rowcodec.ScanOwners(rows)
	if err != nil {
		return nil, formatError(err, "reading owner records")
	}
	return got, nil
}

// ownerTx reads, inside the write transaction, the owner records of the
// batch's ids.
func (tx *writeTx) ownerTx(ctx context.Context, objs []*kizuna.Object) (*rowcodec.OwnerTx, error) {
	rows, err := tx.QueryContext(ctx, rowcodec.OwnersQuerySQLite, jsonList(rowcodec.IDs(objs)))
	if err != nil {
		return nil, formatError(err, "reading owner records")
	}
	recs, err := rowcodec.ScanOwners(rows)
	rows.Close()
	if err != nil {
		return nil, formatError(err, "reading owner records")
	}
	return rowcodec.NewOwnerTx(recs), nil
}

// sameContent reports whether the collection holds a version of o's id
// with o's content.
func (tx *writeTx) sameContent(ctx context.Context, seq int64, o *kizuna.Object) (bool, error) {
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM objects WHERE collection = ? AND id = ? AND hash = ? LIMIT 1`, seq, o.ID, o.Hash).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, formatError(err, "reading the stored versions")
}

// writeOwners writes the records a batch made, in its transaction.
func (tx *writeTx) writeOwners(ctx context.Context, ot *rowcodec.OwnerTx) error {
	inserts, updates := ot.Changes()
	for _, w := range []struct {
		recs []*kizuna.Owner
		sql  string
	}{
		{inserts, `INSERT INTO owners (id, organization, content)
			SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]') FROM json_each(?)`},
		{updates, `UPDATE owners SET organization = json_extract(u.value, '$[1]'), content = json_extract(u.value, '$[2]')
			FROM json_each(?) u WHERE owners.id = json_extract(u.value, '$[0]')`},
	} {
		if len(w.recs) == 0 {
			continue
		}
		rows := make([][3]string, len(w.recs))
		for i, r := range w.recs {
			rows[i] = [3]string{r.ID, r.Organization, r.Content}
		}
		if _, err := tx.ExecContext(ctx, w.sql, jsonList(rows)); err != nil {
			return formatError(err, "writing owner records")
		}
	}
	return nil
}
