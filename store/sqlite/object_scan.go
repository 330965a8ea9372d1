package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/store/internal/rowcodec"
)

// objectColumns lists the columns scanObject reads, in its order. coll is
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

// rawOnlyColumns lists the columns scanRawOnly reads, in its order: what an
// ObjectFilter with RawOnly needs. Each column read costs a driver call
// and often a copy, so a TAXII objects page reads 7 columns instead of 17.
const rawOnlyColumns = `o.date_added, o.id, o.version, o.type, o.label_id, o.portions, o.raw`

// objectReader reads the rows of one query into objects. The objects of a
// query share one backing array and their raw JSON one buffer, instead of
// two allocations per row.
type objectReader struct {
	raw        bool   // read the raw JSON
	rawOnly    bool   // the columns are rawOnlyColumns
	collection string // the collection of rawOnly rows, which do not name it

	objs  []kizuna.Object
	arena []byte

	// The scan destinations of scanRawOnly, reused from row to row.
	added, version, labelID int64
	portions, rawJSON       sql.RawBytes
	dest                    []any
}

// add returns a new zero object of the query, its address stable.
func (r *objectReader) add() *kizuna.Object {
	if len(r.objs) == cap(r.objs) {
		// A new block; objects already returned keep theirs.
		r.objs = make([]kizuna.Object, 0, min(max(2*cap(r.objs), 16), 256))
	}
	r.objs = r.objs[:len(r.objs)+1]
	return &r.objs[len(r.objs)-1]
}

// keep copies the driver's bytes of the raw JSON, valid only until the next
// row, into the query's buffer.
func (r *objectReader) keep(b sql.RawBytes) json.RawMessage {
	if len(r.arena)+len(b) > cap(r.arena) {
		// A new buffer; slices already returned keep the old one.
		r.arena = make([]byte, 0, max(128<<10, len(b)))
	}
	start := len(r.arena)
	r.arena = append(r.arena, b...)
	return json.RawMessage(r.arena[start:len(r.arena):len(r.arena)])
}

// queryObjects runs a query whose columns are objectColumns (rawOnlyColumns
// when rd.rawOnly) and fills in the labels of the rows.
func (db *DB) queryObjects(ctx context.Context, pool *readPool, query string, args []any, rd *objectReader) ([]*kizuna.Object, error) {
	stmt, once, err := pool.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if once {
		defer stmt.Close()
	}
	rows, err := stmt.QueryContext(ctx, args...)
	if err != nil {
		return nil, formatError(err, "querying objects")
	}
	defer rows.Close()
	objs := []*kizuna.Object{}
	scan := rd.scanObject
	if rd.rawOnly {
		scan = rd.scanRawOnly
	}
	for rows.Next() {
		o, err := scan(rows)
		if err != nil {
			return nil, err
		}
		objs = append(objs, o)
	}
	if err := rows.Err(); err != nil {
		return nil, formatError(err, "querying objects")
	}
	if len(objs) == 0 {
		return objs, nil
	}
	labelIDs := map[int64]bool{}
	rowcodec.LabelIDs(objs, labelIDs)
	labels, err := db.loadLabels(ctx, pool, labelIDs)
	if err != nil {
		return nil, err
	}
	rowcodec.AttachLabels(objs, labels)
	return objs, nil
}

func (rd *objectReader) scanObject(rows *sql.Rows) (*kizuna.Object, error) {
	var (
		o                  = rd.add()
		added, version     int64
		created, modified  sql.NullInt64
		markings, granular sql.NullString
		portions, rawJSON  sql.RawBytes
	)
	if err := rows.Scan(&o.Collection, &added, &o.ID, &version, &o.Type, &o.SpecVersion, &created, &modified,
		&o.Revoked, &o.CreatedByRef, &markings, &granular, &o.LabelID, &portions, &o.Hash, &o.Origin, &rawJSON); err != nil {
		return nil, formatError(err, "reading an object")
	}
	o.Created, o.Modified = timeOrZero(created), timeOrZero(modified)
	if markings.Valid {
		if err := decodeStrings(markings.String, &o.MarkingRefs); err != nil {
			return nil, kizuna.WrapError(kizuna.EINTERNAL, err, "sqlite: stored markings of %s are corrupt", o.ID)
		}
	}
	if granular.Valid {
		if err := json.Unmarshal([]byte(granular.String), &o.GranularMarkings); err != nil {
			return nil, kizuna.WrapError(kizuna.EINTERNAL, err, "sqlite: stored granular markings of %s are corrupt", o.ID)
		}
	}
	return o, rd.fill(o, added, version, portions, rawJSON)
}

// scanRawOnly reads a row of rawOnlyColumns.
func (rd *objectReader) scanRawOnly(rows *sql.Rows) (*kizuna.Object, error) {
	o := rd.add()
	if rd.dest == nil {
		rd.dest = make([]any, 7)
		rd.dest[0], rd.dest[2], rd.dest[4], rd.dest[5], rd.dest[6] = &rd.added, &rd.version, &rd.labelID, &rd.portions, &rd.rawJSON
	}
	rd.dest[1], rd.dest[3] = &o.ID, &o.Type
	if err := rows.Scan(rd.dest...); err != nil {
		return nil, formatError(err, "reading an object")
	}
	o.Collection, o.LabelID = rd.collection, rd.labelID
	return o, rd.fill(o, rd.added, rd.version, rd.portions, rd.rawJSON)
}

// fill sets the columns both scans read: the dates, the raw JSON and the
// portions (NULL when the version has none).
func (rd *objectReader) fill(o *kizuna.Object, added, version int64, portions, rawJSON sql.RawBytes) error {
	o.DateAdded, o.Version = rowcodec.FromMicros(added), rowcodec.FromMicros(version)
	if rd.raw {
		o.Raw = rd.keep(rawJSON)
	}
	if portions == nil {
		return nil
	}
	var ps []rowcodec.StoredPortion
	if err := json.Unmarshal(portions, &ps); err != nil {
		return kizuna.WrapError(kizuna.EINTERNAL, err, "sqlite: stored portions of %s are corrupt", o.ID)
	}
	o.Portions = rowcodec.Portions(ps)
	return nil
}

// decodeStrings decodes a JSON array of strings as json.Marshal wrote it.
// The common case (no escapes, so no quote inside a string) is parsed
// directly, which is several times faster than encoding/json; anything
// else goes to encoding/json.
func decodeStrings(s string, dst *[]string) error {
	if strings.IndexByte(s, '\\') >= 0 || len(s) < 2 || s[0] != '[' || s[len(s)-1] != ']' {
		return json.Unmarshal([]byte(s), dst)
	}
	body := s[1 : len(s)-1]
	if body == "" {
		*dst = []string{}
		return nil
	}
	out := make([]string, 0, strings.Count(body, `","`)+1)
	for {
		if len(body) < 2 || body[0] != '"' {
			return json.Unmarshal([]byte(s), dst)
		}
		end := strings.IndexByte(body[1:], '"') + 1
		if end == 0 {
			return json.Unmarshal([]byte(s), dst)
		}
		out = append(out, body[1:end])
		body = body[end+1:]
		if body == "" {
			*dst = out
			return nil
		}
		if body[0] != ',' {
			return json.Unmarshal([]byte(s), dst)
		}
		body = body[1:]
	}
}
