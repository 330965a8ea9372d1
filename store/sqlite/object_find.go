package sqlite

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/store/internal/rowcodec"
)

// MaxPageSize is the largest page FindObjects returns; a zero or larger
// ObjectFilter.Limit gets this many.
const MaxPageSize = rowcodec.MaxPageSize

// FindObjects returns a page of the versions that match the filter, in
// date_added order.
//
// The version selection (first, last) is made among the versions that the
// access scope, the ids, the types and the spec versions admit, so that a
// reader never learns of a version it may not see; added_after and the
// cursor then restrict the selected versions. The access scope is a
// condition of the query itself, so Limit, More and Next count visible
// versions only.
func (db *DB) FindObjects(ctx context.Context, f kizuna.ObjectFilter) (*kizuna.ObjectPage, error) {
	limit, after, err := rowcodec.PageBounds(f)
	if err != nil {
		return nil, err
	}
	pool := db.read
	if f.ForWrite {
		pool = db.lookup
	}
	seq, err := pool.collectionSeq(ctx, f.Collection)
	if err != nil {
		return nil, err
	}
	page := &kizuna.ObjectPage{Objects: []*kizuna.Object{}, Fresh: true} // queryObjects makes new objects
	if !f.Access.Unrestricted && len(f.Access.LabelIDs) == 0 {
		return page, nil // fail closed: the zero scope sees nothing
	}

	sparse := false
	if !f.Access.Unrestricted && len(f.IDs) == 0 && db.sparseBelow > 0 {
		n, err := pool.countAdmitted(ctx, seq, f.Access.LabelIDs, after, db.sparseBelow)
		if err != nil {
			return nil, err
		}
		sparse = n < db.sparseBelow
	}
	sqlText, args := findQuery(seq, f, after, limit+1, sparse)
	rd := &objectReader{raw: f.IncludeRaw, rawOnly: f.IncludeRaw && f.RawOnly, collection: f.Collection}
	objs, err := db.queryObjects(ctx, pool, sqlText, args, rd)
	if err != nil {
		return nil, err
	}
	if len(objs) > limit {
		objs = objs[:limit]
		page.More = true
		page.Next = rowcodec.EncodeCursor(objs[limit-1].DateAdded)
	}
	page.Objects = objs
	return page, nil
}

// sparseRows is the bound below which a scoped page reads the admitted rows
// through objects_label_page and sorts them, rather than walking the
// collection in date_added order. Walking skips an invisible row for about
// 0.2 µs, so a reader who may see almost nothing of a million rows would
// pay some 200 ms per page; reading and sorting fewer than sparseRows rows
// costs a few milliseconds at most. Counting them (index only, stopping at
// the bound) costs well under a millisecond.
const sparseRows = 2000

// countAdmittedSQL counts from the label index alone.
const countAdmittedSQL = `SELECT COUNT(*) FROM (SELECT 1 FROM objects INDEXED BY objects_label_page
	WHERE collection = ? AND label_id IN (SELECT value FROM json_each(?)) AND date_added > ? LIMIT ?)`

// countAdmitted counts, up to bound, the rows of the collection with key
// seq added after the position after whose label is in labels.
func (p *readPool) countAdmitted(ctx context.Context, seq int64, labels []int64, after int64, bound int) (int, error) {
	stmt, once, err := p.stmt(ctx, countAdmittedSQL)
	if err != nil {
		return 0, err
	}
	if once {
		defer stmt.Close()
	}
	var n int
	if err := stmt.QueryRowContext(ctx, seq, jsonList(labels), after, bound).Scan(&n); err != nil {
		return 0, formatError(err, "counting admitted objects")
	}
	return n, nil
}

// findQuery returns the query of a page: the versions of the collection
// with key seq added after the position after, at most limit of them.
// sparse reads the rows of the scope's labels directly (see sparseRows).
func findQuery(seq int64, f kizuna.ObjectFilter, after int64, limit int, sparse bool) (string, []any) {
	var q selectQuery
	q.where(`o.collection = ?`, seq)
	q.where(`o.date_added > ?`, after)
	q.objectConditions(f.IDs, f.Types, f.SpecVersions, f.Access, f.Versions, "o")
	cols, args := rawOnlyColumns, []any{}
	if !f.IncludeRaw || !f.RawOnly {
		cols, args = objectColumns("?", f.IncludeRaw), []any{f.Collection}
	}
	sqlText := `SELECT ` + cols + ` FROM objects o` + q.indexHint(f.IDs, f.Types, sparse) +
		` WHERE ` + q.conds() + ` ORDER BY o.date_added LIMIT ?`
	args = append(args, q.args...)
	return sqlText, append(args, limit)
}

// selectQuery accumulates the WHERE conditions of a query and their
// arguments, in order.
type selectQuery struct {
	conditions []string
	args       []any
}

func (q *selectQuery) where(cond string, args ...any) {
	q.conditions = append(q.conditions, cond)
	q.args = append(q.args, args...)
}

func (q *selectQuery) conds() string { return strings.Join(q.conditions, " AND ") }

// indexHint fixes the index of a page query, so that the plan does not
// depend on table statistics: an id list looks its ids up (few rows, cheap
// to sort); a sparse scope reads its labels' rows from objects_label_page
// and sorts them; one type walks objects_type_page, already in date_added
// order; anything else filters a walk of objects_page. A walk stops after
// limit+1 matching rows.
func (q *selectQuery) indexHint(ids, types []string, sparse bool) string {
	switch {
	case len(ids) > 0:
		return " INDEXED BY objects_version"
	case sparse:
		return " INDEXED BY objects_label_page"
	case len(types) == 1:
		return " INDEXED BY objects_type_page"
	default:
		return " INDEXED BY objects_page"
	}
}

// jsonList encodes a list parameter for json_each.
func jsonList(v any) string {
	b, _ := json.Marshal(v) // strings and integers always encode
	return string(b)
}

// objectConditions adds the id, type, spec version, access and version
// conditions on the objects row aliased a.
func (q *selectQuery) objectConditions(ids, types, specs []string, access kizuna.AccessScope, vm kizuna.VersionMatch, a string) {
	if len(ids) > 0 {
		q.where(a+`.id IN (SELECT value FROM json_each(?))`, jsonList(ids))
	}
	if len(types) == 1 {
		q.where(a+`.type = ?`, types[0])
	} else if len(types) > 1 {
		q.where(a+`.type IN (SELECT value FROM json_each(?))`, jsonList(types))
	}
	// The scope and spec version also bound the first/last subqueries
	// below, so they are kept as (condition, args) on the alias v too.
	var vconds []string
	var vargs []any
	add := func(cond string, arg any) {
		q.where(strings.ReplaceAll(cond, "$", a), arg)
		vconds = append(vconds, strings.ReplaceAll(cond, "$", "v"))
		vargs = append(vargs, arg)
	}
	if len(specs) > 0 {
		add(`$.spec_version IN (SELECT value FROM json_each(?))`, jsonList(specs))
	}
	if !access.Unrestricted {
		add(`$.label_id IN (SELECT value FROM json_each(?))`, jsonList(access.LabelIDs))
	}
	if vm.All {
		return
	}
	var alts []string
	var altArgs []any
	// The first (last) version the reader may see is the one with no
	// admitted version of the same id before (after) it. NOT EXISTS stops
	// at the first index entry past the version, which for an id of one
	// version is the next id; MIN or MAX reads the id's every entry.
	extreme := func(cmp string) {
		sub := `NOT EXISTS (SELECT 1 FROM objects v WHERE v.collection = ` + a + `.collection AND v.id = ` + a + `.id AND v.version ` + cmp + ` ` + a + `.version`
		for _, c := range vconds {
			sub += " AND " + c
		}
		alts = append(alts, sub+`)`)
		altArgs = append(altArgs, vargs...)
	}
	last := vm.Last || (!vm.First && len(vm.At) == 0)
	if last {
		extreme(">")
	}
	if vm.First {
		extreme("<")
	}
	if len(vm.At) > 0 {
		at := make([]int64, len(vm.At))
		for i, t := range vm.At {
			at[i] = rowcodec.Micros(t.Truncate(time.Microsecond))
		}
		alts = append(alts, a+`.version IN (SELECT value FROM json_each(?))`)
		altArgs = append(altArgs, jsonList(at))
	}
	q.where("("+strings.Join(alts, " OR ")+")", altArgs...)
}

// DeleteObject removes the selected versions of one object that the scope
// admits, and returns how many it removed.
func (db *DB) DeleteObject(ctx context.Context, collection, id string, versions kizuna.VersionMatch, access kizuna.AccessScope) (int, error) {
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	seq, _, err := tx.collectionSeq(ctx, collection)
	if err != nil {
		return 0, err
	}
	n := int64(0)
	if access.Unrestricted || len(access.LabelIDs) > 0 {
		var q selectQuery
		q.where(`o.collection = ?`, seq)
		q.objectConditions([]string{id}, nil, nil, access, versions, "o")
		if err := tx.pinOwner(ctx, id); err != nil {
			return 0, err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM objects WHERE pk IN (SELECT o.pk FROM objects o WHERE `+q.conds()+`)`, q.args...)
		if err != nil {
			return 0, formatError(err, "deleting object %s", id)
		}
		if n, err = res.RowsAffected(); err != nil {
			return 0, formatError(err, "deleting object %s", id)
		}
	}
	if n == 0 {
		return 0, kizuna.Errorf(kizuna.ENOTFOUND, "object %s not found in collection %s", id, collection)
	}
	if err := tx.commit(); err != nil {
		return 0, formatError(err, "deleting object %s", id)
	}
	return int(n), nil
}
