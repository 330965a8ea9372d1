package sqlite

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/kizuna-dev/kizuna"
)

// MaxPageSize is the largest page FindObjects returns; a zero or larger
// ObjectFilter.Limit gets this many.
const MaxPageSize = 10000

// cursorPrefix tags the cursor format, so that a later format can be told
// apart from this one.
const cursorPrefix = "1."

// encodeCursor returns the opaque cursor that continues after the version
// added at added. date_added is strictly increasing per collection, so it
// alone is a position: the cursor needs no server state and stays valid
// across restarts and processes.
func encodeCursor(added time.Time) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + strconv.FormatInt(micros(added), 10)))
}

// decodeCursor returns the date_added position in a cursor.
func decodeCursor(next string) (int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(next)
	if err == nil {
		if rest, ok := strings.CutPrefix(string(b), cursorPrefix); ok {
			if us, perr := strconv.ParseInt(rest, 10, 64); perr == nil && us >= 0 {
				return us, nil
			}
		}
	}
	return 0, kizuna.Errorf(kizuna.EINVALID, "malformed next cursor %q", next)
}

// objectColumns lists the columns queryObjects scans, in its order. coll is
// the SQL expression for the collection id; raw is false to leave the raw
// JSON unread.
func objectColumns(coll string, raw bool) string {
	cols := coll + `, o.date_added, o.id, o.version, o.type, o.spec_version, o.created, o.modified, o.revoked,
		o.created_by_ref, o.marking_refs, o.granular_markings, o.label_id, o.portions, o.hash, o.origin`
	if raw {
		return cols + ", o.raw"
	}
	return cols + ", NULL"
}

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
	if f.Limit < 0 {
		return nil, kizuna.Errorf(kizuna.EINVALID, "limit %d is negative", f.Limit)
	}
	limit := f.Limit
	if limit == 0 || limit > MaxPageSize {
		limit = MaxPageSize
	}
	after := int64(-1)
	if f.Next != "" {
		us, err := decodeCursor(f.Next)
		if err != nil {
			return nil, err
		}
		after = us
	}
	if f.AddedAfter != nil {
		after = max(after, micros(f.AddedAfter.Truncate(time.Microsecond)))
	}
	seq, err := db.readCollectionSeq(ctx, f.Collection)
	if err != nil {
		return nil, err
	}
	page := &kizuna.ObjectPage{Objects: []*kizuna.Object{}}
	if !f.Access.Unrestricted && len(f.Access.LabelIDs) == 0 {
		return page, nil // fail closed: the zero scope sees nothing
	}

	sqlText, args := findQuery(seq, f, after, limit+1)
	objs, err := db.queryObjects(ctx, sqlText, args, f.IncludeRaw)
	if err != nil {
		return nil, err
	}
	if len(objs) > limit {
		objs = objs[:limit]
		page.More = true
		page.Next = encodeCursor(objs[limit-1].DateAdded)
	}
	page.Objects = objs
	return page, nil
}

// findQuery returns the query of a page: the versions of the collection
// with key seq added after the position after, at most limit of them.
func findQuery(seq int64, f kizuna.ObjectFilter, after int64, limit int) (string, []any) {
	var q selectQuery
	q.where(`o.collection = ?`, seq)
	q.where(`o.date_added > ?`, after)
	q.objectConditions(f.IDs, f.Types, f.SpecVersions, f.Access, f.Versions, "o")
	sqlText := `SELECT ` + objectColumns("?", f.IncludeRaw) + ` FROM objects o` + q.indexHint(f.IDs, f.Types) +
		` WHERE ` + q.conds() + ` ORDER BY o.date_added LIMIT ?`
	args := append([]any{f.Collection}, q.args...)
	return sqlText, append(args, limit)
}

// selectQuery accumulates the WHERE conditions of a query and their
// arguments, in order.
type selectQuery struct {
	where_ []string
	args   []any
}

func (q *selectQuery) where(cond string, args ...any) {
	q.where_ = append(q.where_, cond)
	q.args = append(q.args, args...)
}

func (q *selectQuery) conds() string { return strings.Join(q.where_, " AND ") }

// indexHint fixes the index of a page query, so that the plan does not
// depend on table statistics: an id list looks its ids up (few rows, cheap
// to sort); one type reads the (collection, type, date_added) index, already
// in date_added order; anything else filters a walk of (collection,
// date_added), which stops after limit+1 matching rows.
func (q *selectQuery) indexHint(ids, types []string) string {
	switch {
	case len(ids) > 0:
		return " INDEXED BY objects_collection_id_version"
	case len(types) == 1:
		return " INDEXED BY zz_type"
	default:
		return " INDEXED BY zz_date"
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
	extreme := func(fn string) {
		sub := `SELECT ` + fn + `(v.version) FROM objects v WHERE v.collection = ` + a + `.collection AND v.id = ` + a + `.id`
		for _, c := range vconds {
			sub += " AND " + c
		}
		alts = append(alts, a+`.version = (`+sub+`)`)
		altArgs = append(altArgs, vargs...)
	}
	last := vm.Last || (!vm.First && len(vm.At) == 0)
	if last {
		extreme("MAX")
	}
	if vm.First {
		extreme("MIN")
	}
	if len(vm.At) > 0 {
		at := make([]int64, len(vm.At))
		for i, t := range vm.At {
			at[i] = micros(t.Truncate(time.Microsecond))
		}
		alts = append(alts, a+`.version IN (SELECT value FROM json_each(?))`)
		altArgs = append(altArgs, jsonList(at))
	}
	q.where("("+strings.Join(alts, " OR ")+")", altArgs...)
}

// queryObjects runs a query whose columns are objectColumns and fills in the
// labels of the rows.
func (db *DB) queryObjects(ctx context.Context, query string, args []any, raw bool) ([]*kizuna.Object, error) {
	rows, err := db.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, formatError(err, "querying objects")
	}
	defer rows.Close()
	objs := []*kizuna.Object{}
	labelIDs := map[int64]bool{}
	for rows.Next() {
		o, err := scanObject(rows, raw)
		if err != nil {
			return nil, err
		}
		labelIDs[o.LabelID] = true
		for _, p := range o.Portions {
			labelIDs[p.LabelID] = true
		}
		objs = append(objs, o)
	}
	if err := rows.Err(); err != nil {
		return nil, formatError(err, "querying objects")
	}
	if len(objs) == 0 {
		return objs, nil
	}
	labels, err := db.loadLabels(ctx, labelIDs)
	if err != nil {
		return nil, err
	}
	for _, o := range objs {
		o.Label = labels[o.LabelID]
		for i := range o.Portions {
			o.Portions[i].Label = labels[o.Portions[i].LabelID]
		}
	}
	return objs, nil
}

func scanObject(rows *sql.Rows, raw bool) (*kizuna.Object, error) {
	var (
		o                            kizuna.Object
		added, version               int64
		created, modified            sql.NullInt64
		markings, granular, portions sql.NullString
		rawJSON                      []byte
	)
	if err := rows.Scan(&o.Collection, &added, &o.ID, &version, &o.Type, &o.SpecVersion, &created, &modified,
		&o.Revoked, &o.CreatedByRef, &markings, &granular, &o.LabelID, &portions, &o.Hash, &o.Origin, &rawJSON); err != nil {
		return nil, formatError(err, "reading an object")
	}
	o.DateAdded, o.Version = fromMicros(added), fromMicros(version)
	o.Created, o.Modified = timeOrZero(created), timeOrZero(modified)
	if raw {
		o.Raw = json.RawMessage(rawJSON)
	}
	if markings.Valid {
		if err := json.Unmarshal([]byte(markings.String), &o.MarkingRefs); err != nil {
			return nil, kizuna.WrapError(kizuna.EINTERNAL, err, "sqlite: stored markings of %s are corrupt", o.ID)
		}
	}
	if granular.Valid {
		if err := json.Unmarshal([]byte(granular.String), &o.GranularMarkings); err != nil {
			return nil, kizuna.WrapError(kizuna.EINTERNAL, err, "sqlite: stored granular markings of %s are corrupt", o.ID)
		}
	}
	if portions.Valid {
		var ps []storedPortion
		if err := json.Unmarshal([]byte(portions.String), &ps); err != nil {
			return nil, kizuna.WrapError(kizuna.EINTERNAL, err, "sqlite: stored portions of %s are corrupt", o.ID)
		}
		o.Portions = make([]kizuna.Portion, len(ps))
		for i, p := range ps {
			o.Portions[i] = kizuna.Portion{Selectors: p.Selectors, LabelID: p.LabelID}
		}
	}
	return &o, nil
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
	if err := tx.Commit(); err != nil {
		return 0, formatError(err, "deleting object %s", id)
	}
	return int(n), nil
}
