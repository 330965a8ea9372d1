package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/store/internal/rowcodec"
)

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

// queryObjects runs a query whose columns are objectColumns and fills in the
// labels of the rows.
func (db *DB) queryObjects(ctx context.Context, query string, args []any, raw bool) ([]*kizuna.Object, error) {
	stmt, once, err := db.readStmt(ctx, query)
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
	for rows.Next() {
		o, err := scanObject(rows, raw)
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
	labels, err := db.loadLabels(ctx, labelIDs)
	if err != nil {
		return nil, err
	}
	rowcodec.AttachLabels(objs, labels)
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
	o.DateAdded, o.Version = rowcodec.FromMicros(added), rowcodec.FromMicros(version)
	o.Created, o.Modified = timeOrZero(created), timeOrZero(modified)
	if raw {
		o.Raw = json.RawMessage(rawJSON)
	}
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
	if portions.Valid {
		var ps []rowcodec.StoredPortion
		if err := json.Unmarshal([]byte(portions.String), &ps); err != nil {
			return nil, kizuna.WrapError(kizuna.EINTERNAL, err, "sqlite: stored portions of %s are corrupt", o.ID)
		}
		o.Portions = rowcodec.Portions(ps)
	}
	return &o, nil
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
