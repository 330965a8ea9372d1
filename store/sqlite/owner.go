package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/store/internal/rowcodec"
)

// ownersQuery reads the owner records of a JSON list of ids: the table
// owners where it holds one, else the record the id's first stored row
// carries (migration 0005_owners): its owner, else its created_by_ref, and
// its hash for a marking-definition. The first row is found through the
// (collection, id, ...) index of each collection, whose entries hold the
// pk.
const ownersQuery = `SELECT j.value, COALESCE(w.organization, o.owner, o.created_by_ref),
		COALESCE(w.content, CASE WHEN o.type = 'marking-definition' THEN o.hash ELSE '' END)
	FROM json_each(?) j
	LEFT JOIN owners w ON w.id = j.value
	LEFT JOIN objects o ON w.id IS NULL AND o.pk = (
		SELECT MIN(f.pk) FROM collections c CROSS JOIN objects f ON f.collection = c.seq AND f.id = j.value)
	WHERE w.id IS NOT NULL OR o.pk IS NOT NULL`

// queryer is a transaction or a pool.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// FindOwners returns the owner records of the ids that have one. It is
// served by the lookup connections: the write rules and deletions ask it.
func (db *DB) FindOwners(ctx context.Context, ids []string) (map[string]*kizuna.Owner, error) {
	out := map[string]*kizuna.Owner{}
	for len(ids) > 0 {
		n := min(len(ids), 5000)
		if err := findOwners(ctx, db.lookup, ids[:n], out); err != nil {
			return nil, err
		}
		ids = ids[n:]
	}
	return out, nil
}

// findOwners adds to out the records of the ids.
func findOwners(ctx context.Context, q queryer, ids []string, out map[string]*kizuna.Owner) error {
	rows, err := q.QueryContext(ctx, ownersQuery, jsonList(ids))
	if err != nil {
		return formatError(err, "reading owner records")
	}
	defer rows.Close()
	got, err := rowcodec.ScanOwners(rows)
	if err != nil {
		return formatError(err, "reading owner records")
	}
	for id, o := range got {
		out[id] = o
	}
	return nil
}

// ownerTx reads, inside the write transaction, the owner records that
// the batch's versions are checked against or may change: those of the
// ids of versions judged by the write rules, of marking-definitions, and of
// versions that would make a record no row carries (an observable's). The
// other versions (the operator's imports of other objects) need none: if
// their id has a record already, the row they add is not its first.
func (tx *writeTx) ownerTx(ctx context.Context, objs []*kizuna.Object) (*rowcodec.OwnerTx, error) {
	var ids []string
	seen := map[string]bool{}
	for _, o := range objs {
		if o != nil && !seen[o.ID] && (o.WriteBasis != nil || o.Type == "marking-definition" || !carried(rowcodec.MadeRecord(o), o)) {
			seen[o.ID] = true
			ids = append(ids, o.ID)
		}
	}
	recs := map[string]*kizuna.Owner{}
	if len(ids) > 0 {
		if err := findOwners(ctx, tx, ids, recs); err != nil {
			return nil, err
		}
	}
	return rowcodec.NewOwnerTx(recs), nil
}

// carried reports whether the row of o, as the first of its id, carries
// the record r: its organisation is the row's owner column or
// created_by_ref, its content the row's hash for a marking-definition, else
// none.
func carried(r *kizuna.Owner, o *kizuna.Object) bool {
	return r.Content == "" || (o.Type == "marking-definition" && r.Content == o.Hash)
}

// ownerColumn returns the owner column of o's row: the organisation of the
// record it makes as the first of its id, when that is not its
// created_by_ref (NULL otherwise, and on rows that are not their id's
// first, where it is never read).
func ownerColumn(o *kizuna.Object) sql.NullString {
	if org := rowcodec.MadeRecord(o).Organization; org != o.CreatedByRef {
		return sql.NullString{String: org, Valid: true}
	}
	return sql.NullString{}
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

// ownerRowsPerInsert is how many records one INSERT writes: a statement a
// record spent more on the driver than on the B-tree.
const ownerRowsPerInsert = 200

// writeOwners writes, in the batch's transaction, the records it made or
// replaced that no row carries. A record replaced (an observable's new
// content, a settled marking) goes into the table whether or not it was
// carried by a row.
func (tx *writeTx) writeOwners(ctx context.Context, ot *rowcodec.OwnerTx) error {
	inserts, updates := ot.Changes()
	var recs []*kizuna.Owner
	for _, r := range inserts {
		if m := ot.Maker(r.ID); m == nil || !carried(r, m) {
			recs = append(recs, r)
		}
	}
	recs = append(recs, updates...)
	for len(recs) > 0 {
		n := min(len(recs), ownerRowsPerInsert)
		args := make([]any, 0, 3*n)
		for _, r := range recs[:n] {
			args = append(args, r.ID, r.Organization, r.Content)
		}
		q := `INSERT INTO owners (id, organization, content) VALUES (?, ?, ?)` + strings.Repeat(`, (?, ?, ?)`, n-1) +
			` ON CONFLICT (id) DO UPDATE SET organization = excluded.organization, content = excluded.content`
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return formatError(err, "writing owner records")
		}
		recs = recs[n:]
	}
	return nil
}

// pinOwner copies into the table owners the record of id that its first
// row carries, before versions of id are deleted: the record stays the
// same whichever rows remain.
func (tx *writeTx) pinOwner(ctx context.Context, id string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO owners (id, organization, content)
		SELECT o.id, COALESCE(o.owner, o.created_by_ref), CASE WHEN o.type = 'marking-definition' THEN o.hash ELSE '' END
		FROM objects o WHERE o.pk = (SELECT MIN(f.pk) FROM collections c CROSS JOIN objects f ON f.collection = c.seq AND f.id = ?)
		ON CONFLICT (id) DO NOTHING`, id)
	return formatError(err, "recording the owner of %s", id)
}
