package rowcodec

import (
	"sort"
	"time"

	"github.com/kizuna-dev/kizuna"
)

// OwnersQuerySQLite and OwnersQueryPostgres read the owner records of a
// list of ids (a JSON list for SQLite, an array for PostgreSQL), for
// ScanOwners. OwnersLockQueryPostgres also locks the records it reads until
// the transaction ends, in id order, so that writers of the same ids in
// other collections wait rather than judge on a record about to change.
// Both look each id up in the key's index (OFFSET 0 and FOR UPDATE keep
// the subquery a lookup per id): written as "id = ANY($1)", the
// planner read the whole table for every batch of an import (its
// statistics lag a table that grows by thousands of rows a second), 15 µs
// per object at 100,000 records.
const (
	OwnersQuerySQLite   = `SELECT id, organization, content FROM owners WHERE id IN (SELECT value FROM json_each(?))`
	OwnersQueryPostgres = `SELECT w.id, w.organization, w.content
		FROM (SELECT DISTINCT id FROM unnest($1::text[]) AS u (id)) u,
		LATERAL (SELECT id, organization, content FROM owners WHERE id = u.id OFFSET 0) w`
	OwnersLockQueryPostgres = `SELECT w.id, w.organization, w.content
		FROM (SELECT DISTINCT id FROM unnest($1::text[]) AS u (id) ORDER BY id) u,
		LATERAL (SELECT id, organization, content FROM owners WHERE id = u.id FOR UPDATE) w`
)

// ScanOwners reads the rows of an owners query.
func ScanOwners(rows Rows) (map[string]*kizuna.Owner, error) {
	out := map[string]*kizuna.Owner{}
	for rows.Next() {
		var o kizuna.Owner
		if err := rows.Scan(&o.ID, &o.Organization, &o.Content); err != nil {
			return nil, err
		}
		out[o.ID] = &o
	}
	return out, rows.Err()
}

// IDs returns the distinct ids of the objects, sorted.
func IDs(objs []*kizuna.Object) []string {
	seen := map[string]bool{}
	var ids []string
	for _, o := range objs {
		if o != nil && !seen[o.ID] {
			seen[o.ID] = true
			ids = append(ids, o.ID)
		}
	}
	sort.Strings(ids)
	return ids
}

// OwnerTx follows the owner records of a batch's ids inside the write
// transaction that stores the batch: as read when it began, and as the
// batch changes them.
type OwnerTx struct {
	before  map[string]*kizuna.Owner
	current map[string]*kizuna.Owner
	makers  map[string]*kizuna.Object // the version that made each new record
}

// NewOwnerTx starts from the records read inside the transaction.
func NewOwnerTx(records map[string]*kizuna.Owner) *OwnerTx {
	current := make(map[string]*kizuna.Owner, len(records))
	for id, r := range records {
		current[id] = r
	}
	return &OwnerTx{before: records, current: current, makers: map[string]*kizuna.Object{}}
}

// Check returns the error that refuses o given the id's record as the
// batch proceeds, or nil: ECONFLICT wrapping kizuna.ErrStaleWrite when the
// write rules judged o on another record (kizuna.WriteBasis), ECONFLICT
// when o is a marking-definition whose content is not the id's recorded
// definition. A version whose content is already stored in the collection
// (stored reports it) is left to the store's no-op, however the record
// changed.
func (t *OwnerTx) Check(o *kizuna.Object, stored func(o *kizuna.Object) (bool, error)) (refusal *kizuna.Error, err error) {
	rec := t.current[o.ID]
	stale := o.WriteBasis != nil && !kizuna.SameOwner(o.WriteBasis.Owner, rec)
	conflict := o.Type == "marking-definition" && rec != nil && rec.Content != o.Hash && !settles(o, rec)
	if !stale && !conflict {
		return nil, nil
	}
	if same, err := stored(o); err != nil {
		return nil, err
	} else if same {
		return nil, nil
	}
	if stale {
		return kizuna.WrapError(kizuna.ECONFLICT, kizuna.ErrStaleWrite,
			"%s: another version of this id was stored on this node while this one was being written; send it again", o.ID), nil
	}
	return kizuna.Errorf(kizuna.ECONFLICT, "%s: this node holds another definition under this marking-definition id", o.ID), nil
}

// Stored records that o was stored: the id gets o's owner record when it
// had none (kizuna.DefaultOwner when o carries none), and o's record
// replaces the one its WriteBasis names.
func (t *OwnerTx) Stored(o *kizuna.Object) {
	rec := t.current[o.ID]
	switch {
	case rec == nil:
		t.current[o.ID] = MadeRecord(o)
		t.makers[o.ID] = o
	case o.Owner != nil && o.WriteBasis != nil && !kizuna.SameOwner(o.Owner, rec):
		r := *o.Owner
		r.ID = o.ID
		t.current[o.ID] = &r
	case settles(o, rec):
		r := kizuna.Owner{ID: o.ID, Organization: rec.Organization, Content: o.Hash}
		if o.Owner != nil && o.Owner.Organization != "" {
			r.Organization = o.Owner.Organization
		}
		t.current[o.ID] = &r
	}
}

// settles reports whether o, stored without a WriteBasis (the host
// operator's import), settles the contested definition of its marking id:
// the definition the operator imports is the one that stands.
func settles(o *kizuna.Object, rec *kizuna.Owner) bool {
	return o.WriteBasis == nil && o.Type == "marking-definition" && rec != nil && rec.Content == kizuna.ContestedContent
}

// MadeRecord is the record o makes as the first version of its id: the
// one it carries, else kizuna.DefaultOwner.
func MadeRecord(o *kizuna.Object) *kizuna.Owner {
	if o.Owner == nil {
		return kizuna.DefaultOwner(o)
	}
	r := *o.Owner
	r.ID = o.ID
	return &r
}

// Maker returns the version whose storing made the id's record in this
// batch, or nil.
func (t *OwnerTx) Maker(id string) *kizuna.Object { return t.makers[id] }

// Changes returns the records the batch made, in id order: those of ids
// that had none when the transaction began, and those it replaced.
func (t *OwnerTx) Changes() (inserts, updates []*kizuna.Owner) {
	for id, r := range t.current {
		before := t.before[id]
		switch {
		case before == nil:
			inserts = append(inserts, r)
		case !kizuna.SameOwner(before, r):
			updates = append(updates, r)
		}
	}
	byID := func(s []*kizuna.Owner) {
		sort.Slice(s, func(i, j int) bool { return s[i].ID < s[j].ID })
	}
	byID(inserts)
	byID(updates)
	return inserts, updates
}

// OwnerRows returns the records as three parallel columns, for a
// statement that writes many rows at once.
func OwnerRows(recs []*kizuna.Owner) (ids, orgs, contents []string) {
	for _, r := range recs {
		ids = append(ids, r.ID)
		orgs = append(orgs, r.Organization)
		contents = append(contents, r.Content)
	}
	return ids, orgs, contents
}

// OwnerResult is the result of an object the owner records refuse.
func OwnerResult(o *kizuna.Object, err error) kizuna.PutResult {
	return kizuna.PutResult{ID: o.ID, Version: o.Version.UTC().Truncate(time.Microsecond), Err: err}
}
