package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"

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

// ownerTx reads, inside the write transaction, the owner records that
// the batch's versions are checked against: those of the ids of versions
// judged by the write rules, and of marking-definitions. The records of
// the other ids (the operator's imports) are only made where missing,
// which writeOwners leaves to the database.
func (tx *writeTx) ownerTx(ctx context.Context, objs []*kizuna.Object) (*rowcodec.OwnerTx, error) {
	var checked []*kizuna.Object
	for _, o := range objs {
		if o != nil && (o.WriteBasis != nil || o.Type == "marking-definition") {
			checked = append(checked, o)
		}
	}
	if len(checked) == 0 {
		return rowcodec.NewOwnerTx(nil), nil
	}
	rows, err := tx.QueryContext(ctx, rowcodec.OwnersQuerySQLite, jsonList(rowcodec.IDs(checked)))
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

// ownerRowsPerInsert is how many records one INSERT writes. One statement
// a record spent more on the driver's round trip than on the B-tree, and
// one INSERT ... SELECT FROM json_each of the whole batch more still:
// SQLite allocates and frees each row's JSON values.
const ownerRowsPerInsert = 200

// writeOwners writes the records a batch made, in its transaction: new
// ones (where the id still has none: the operator's imports do not read
// the records they make) by multi-row INSERTs, replaced ones one by one.
func (tx *writeTx) writeOwners(ctx context.Context, ot *rowcodec.OwnerTx) error {
	inserts, updates := ot.Changes()
	var full *sql.Stmt
	for len(inserts) > 0 {
		n := min(len(inserts), ownerRowsPerInsert)
		q := `INSERT INTO owners (id, organization, content) VALUES (?, ?, ?)` + strings.Repeat(`, (?, ?, ?)`, n-1) + ` ON CONFLICT (id) DO NOTHING`
		stmt := full
		if stmt == nil || n < ownerRowsPerInsert {
			var err error
			if stmt, err = tx.PrepareContext(ctx, q); err != nil {
				return formatError(err, "writing owner records")
			}
			if n == ownerRowsPerInsert {
				full = stmt
				defer full.Close()
			} else {
				defer stmt.Close()
			}
		}
		args := make([]any, 0, 3*n)
		for _, r := range inserts[:n] {
			args = append(args, r.ID, r.Organization, r.Content)
		}
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return formatError(err, "writing owner records")
		}
		inserts = inserts[n:]
	}
	for _, r := range updates {
		if _, err := tx.ExecContext(ctx, `UPDATE owners SET organization = ?, content = ? WHERE id = ?`, r.Organization, r.Content, r.ID); err != nil {
			return formatError(err, "writing owner records")
		}
	}
	return nil
}
