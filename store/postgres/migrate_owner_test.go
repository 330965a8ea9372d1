package postgres

import (
	"context"
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/store/internal/rowcodec"
	"github.com/kizuna-dev/kizuna/store/storetest"
)

// TestMigrateOwners: migration 0002 gives every id stored before it an
// owner record from its first stored version; a marking-definition id
// stored with two contents is contested and resolves to no definition.
func TestMigrateOwners(t *testing.T) {
	ctx := context.Background()
	dsn := MustSchema(t)
	ms, err := embeddedMigrations()
	if err != nil {
		t.Fatal(err)
	}
	older, err := open(ctx, dsn, func() ([]migration, error) { return ms[:1], nil })
	if err != nil {
		t.Fatal(err)
	}
	a, b := storetest.MustCollection(t, older), storetest.MustCollection(t, older)
	m := storetest.NewOwnerMigration(t)
	// As a binary without owner records stored them: rows and labels only.
	var added int64
	put := func(coll string, objs ...*kizuna.Object) {
		for _, o := range objs {
			encs, err := rowcodec.LabelEncodings(o)
			if err != nil {
				t.Fatal(err)
			}
			var label int64
			if err := older.pool.QueryRow(ctx, `WITH ins AS (INSERT INTO labels (encoding) VALUES ($1) ON CONFLICT (encoding) DO NOTHING RETURNING id)
				SELECT id FROM ins UNION ALL SELECT id FROM labels WHERE encoding = $1 LIMIT 1`, encs[0]).Scan(&label); err != nil {
				t.Fatal(err)
			}
			added++
			version := rowcodec.Micros(o.Version)
			if o.Version.IsZero() {
				version = added
			}
			if _, err := older.pool.Exec(ctx, `INSERT INTO objects (collection, date_added, id, version, type, spec_version, created, modified,
				revoked, created_by_ref, label_id, hash, origin, raw)
				SELECT seq, $2, $3, $4, $5, $6, $7, $8, false, $9, $10, $11, '', $12 FROM collections WHERE id = $1`,
				coll, added, o.ID, version, o.Type, o.SpecVersion, nullMicros(o.Created), nullMicros(o.Modified),
				o.CreatedByRef, label, o.Hash, []byte(o.Raw)); err != nil {
				t.Fatal(err)
			}
		}
	}
	put(a, m.First...)
	put(b, m.Second...)
	older.Close()

	db, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	m.Check(t, db)
}
