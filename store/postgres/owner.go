package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/store/internal/rowcodec"
)

// FindOwners returns the owner records of the ids that have one.
func (db *DB) FindOwners(ctx context.Context, ids []string) (map[string]*kizuna.Owner, error) {
	rows, err := db.pool.Query(ctx, rowcodec.OwnersQueryPostgres, ids)
	if err != nil {
		return nil, formatError(err, "reading owner records")
	}
	defer rows.Close()
	out, err := rowcodec.ScanOwners(rows)
	if err != nil {
		return nil, formatError(err, "reading owner records")
	}
	return out, nil
}

// sameContent reports whether the collection holds a version of o's id
// with o's content.
func (p *putTx) sameContent(ctx context.Context, o *kizuna.Object) (bool, error) {
	var one int
	err := p.QueryRow(ctx, `SELECT 1 FROM objects WHERE collection = $1 AND id = $2 AND hash = $3 LIMIT 1`, p.seq, o.ID, o.Hash).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	return err == nil, formatError(err, "reading the stored versions")
}

// ownerClaims is the owner phase of a batch: the records as read (and
// locked) when it began, and those it inserted for ids that had none.
type ownerClaims struct {
	before  map[string]*kizuna.Owner
	claimed map[string]*kizuna.Owner
}

// claimOwners locks and reads the owner records of the batch's ids, adds
// to stale the objects those records refuse (a stale basis, another
// marking definition), and inserts the records the other objects would
// make for ids that have none. An id whose record another writer inserted
// meanwhile (it waits for that writer's commit) refuses its objects as
// stale when single: they are judged again on that record; otherwise the
// insert fails, and the batch with it (errAborted), to be stored again one
// object at a time. That race is rare, and a plain insert costs the
// server half what one with ON CONFLICT does. The records of the objects
// finally stored are settled by settleOwners.
func (p *putTx) claimOwners(ctx context.Context, objs []*kizuna.Object, stale map[int]kizuna.PutResult, single bool) (*ownerClaims, error) {
	rows, err := p.Query(ctx, rowcodec.OwnersLockQueryPostgres, rowcodec.IDs(objs))
	if err != nil {
		return nil, errors.Join(errAborted, err)
	}
	before, err := rowcodec.ScanOwners(rows)
	rows.Close()
	if err != nil {
		return nil, errors.Join(errAborted, err)
	}
	ot := rowcodec.NewOwnerTx(before)
	for i, o := range objs {
		if _, ok := stale[i]; ok || o == nil {
			continue
		}
		refusal, err := ot.Check(o, func(o *kizuna.Object) (bool, error) { return p.sameContent(ctx, o) })
		if err != nil {
			return nil, errors.Join(errAborted, err)
		}
		if refusal != nil {
			stale[i] = rowcodec.OwnerResult(o, refusal)
			continue
		}
		ot.Stored(o)
	}
	inserts, _ := ot.Changes()
	oc := &ownerClaims{before: before, claimed: map[string]*kizuna.Owner{}}
	if len(inserts) == 0 {
		return oc, nil
	}
	ids, orgs, contents := rowcodec.OwnerRows(inserts)
	insert := `INSERT INTO owners (id, organization, content)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) ORDER BY 1 RETURNING id`
	if single {
		insert = `INSERT INTO owners (id, organization, content)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) ORDER BY 1
		ON CONFLICT (id) DO NOTHING RETURNING id`
	}
	rows, err = p.Query(ctx, insert, ids, orgs, contents)
	if err != nil {
		return nil, errors.Join(errAborted, err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, errors.Join(errAborted, err)
		}
		oc.claimed[id] = nil
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, errors.Join(errAborted, err)
	}
	for _, r := range inserts {
		if _, ok := oc.claimed[r.ID]; ok {
			oc.claimed[r.ID] = r
			continue
		}
		for i, o := range objs {
			if _, done := stale[i]; !done && o != nil && o.ID == r.ID {
				stale[i] = rowcodec.OwnerResult(o, kizuna.WrapError(kizuna.ECONFLICT, kizuna.ErrStaleWrite,
					"%s: another version of this id was stored on this node while this one was being written; send it again", o.ID))
			}
		}
	}
	return oc, nil
}

// settleOwners makes the owner records match the objects the batch
// stored: it removes the records claimed for ids none of whose objects was
// stored, and writes those the stored objects make or change.
func (p *putTx) settleOwners(ctx context.Context, oc *ownerClaims, objs []*kizuna.Object, results []kizuna.PutResult) error {
	ot := rowcodec.NewOwnerTx(oc.before)
	for i, o := range objs {
		if o != nil && results[i].Err == nil && results[i].Created {
			ot.Stored(o)
		}
	}
	inserts, updates := ot.Changes()
	made := map[string]bool{}
	for _, r := range inserts {
		made[r.ID] = true
		if c, ok := oc.claimed[r.ID]; !ok {
			// Stored objects passed the owner phase, which claimed their ids.
			return kizuna.Errorf(kizuna.EINTERNAL, "postgres: %s was stored without its owner record", r.ID)
		} else if !kizuna.SameOwner(c, r) {
			updates = append(updates, r)
		}
	}
	var drop []string
	for id := range oc.claimed {
		if !made[id] {
			drop = append(drop, id)
		}
	}
	if len(drop) > 0 {
		if _, err := p.Exec(ctx, `DELETE FROM owners WHERE id = ANY($1)`, drop); err != nil {
			return errors.Join(errAborted, err)
		}
	}
	if len(updates) > 0 {
		ids, orgs, contents := rowcodec.OwnerRows(updates)
		if _, err := p.Exec(ctx, `UPDATE owners w SET organization = u.o, content = u.c
			FROM unnest($1::text[], $2::text[], $3::text[]) AS u(i, o, c) WHERE w.id = u.i`, ids, orgs, contents); err != nil {
			return errors.Join(errAborted, err)
		}
	}
	return nil
}
