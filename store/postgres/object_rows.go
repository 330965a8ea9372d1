package postgres

import (
	"context"
)

// rowColumns holds the rows of a batch column by column, the arguments of
// insertRowsSQL: one statement inserts every row of the batch.
type rowColumns struct {
	collection                   int64
	added, version               []int64
	id, typ, spec                []string
	created, modified            []*int64
	revoked                      []bool
	createdBy                    []string
	markings, granular, portions []*string
	label                        []int64
	hash, origin                 []string
	raw                          [][]byte
}

// add appends the row of rowArgs's arguments.
func (c *rowColumns) add(args []any) {
	c.collection = args[0].(int64)
	c.added = append(c.added, args[1].(int64))
	c.id = append(c.id, args[2].(string))
	c.version = append(c.version, args[3].(int64))
	c.typ = append(c.typ, args[4].(string))
	c.spec = append(c.spec, args[5].(string))
	c.created = append(c.created, args[6].(*int64))
	c.modified = append(c.modified, args[7].(*int64))
	c.revoked = append(c.revoked, args[8].(bool))
	c.createdBy = append(c.createdBy, args[9].(string))
	c.markings = append(c.markings, args[10].(*string))
	c.granular = append(c.granular, args[11].(*string))
	c.label = append(c.label, args[12].(int64))
	c.portions = append(c.portions, args[13].(*string))
	c.hash = append(c.hash, args[14].(string))
	c.origin = append(c.origin, args[15].(string))
	c.raw = append(c.raw, args[16].([]byte))
}

// insertRowsSQL inserts the rows of a batch and returns the date_added of
// each. The rows are those of rowColumns; unnest reads the arrays in order.
const insertRowsSQL = `INSERT INTO objects (collection, date_added, id, version, type, spec_version, created, modified,
	revoked, created_by_ref, marking_refs, granular_markings, label_id, portions, hash, origin, raw)
	SELECT $1::bigint, * FROM unnest($2::bigint[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::bigint[], $8::bigint[],
		$9::boolean[], $10::text[], $11::text[], $12::text[], $13::bigint[], $14::text[], $15::text[], $16::text[], $17::bytea[])`

// insertRows inserts the rows and returns the date_added of those it
// inserted. Unless allNew, a row whose (id, version) is stored (before,
// or by an earlier row of the batch) is skipped; when allNew, the caller
// knows none is, and the rows are inserted without the check ON CONFLICT
// makes before each row (a lookup in objects_version, a fifth of the
// server's time in an import).
func (p *putTx) insertRows(ctx context.Context, c *rowColumns, allNew bool) (map[int64]bool, error) {
	sql := insertRowsSQL + ` RETURNING date_added`
	if !allNew {
		sql = insertRowsSQL + ` ON CONFLICT (collection, id, version) DO NOTHING RETURNING date_added`
	}
	rows, err := p.Query(ctx, sql, c.collection, c.added, c.id, c.version, c.typ, c.spec, c.created, c.modified,
		c.revoked, c.createdBy, c.markings, c.granular, c.label, c.portions, c.hash, c.origin, c.raw)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	inserted := make(map[int64]bool, len(c.added))
	for rows.Next() {
		var added int64
		if err := rows.Scan(&added); err != nil {
			return nil, err
		}
		inserted[added] = true
	}
	return inserted, rows.Err()
}
