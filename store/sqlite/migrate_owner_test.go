package sqlite

import (
	"path/filepath"
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/store/internal/rowcodec"
	"github.com/kizuna-dev/kizuna/store/storetest"
)

// putOlder stores objects as a binary without owner records did: rows and
// labels only, in date_added order after the collection's last.
func putOlder(t *testing.T, db *DB, coll string, objs ...*kizuna.Object) {
	t.Helper()
	var seq, last int64
	if err := db.write.QueryRow(`SELECT seq, last_added FROM collections WHERE id = ?`, coll).Scan(&seq, &last); err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		encs, err := rowcodec.LabelEncodings(o)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.write.Exec(`INSERT OR IGNORE INTO labels (encoding) VALUES (?)`, encs[0]); err != nil {
			t.Fatal(err)
		}
		var label int64
		if err := db.write.QueryRow(`SELECT id FROM labels WHERE encoding = ?`, encs[0]).Scan(&label); err != nil {
			t.Fatal(err)
		}
		last = max(rowcodec.Micros(db.now()), last+1)
		version := rowcodec.Micros(o.Version)
		if o.Version.IsZero() {
			version = last
		}
		if _, err := db.write.Exec(`INSERT INTO objects (collection, date_added, id, version, type, spec_version, created, modified,
			revoked, created_by_ref, label_id, hash, origin, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, '', ?)`,
			seq, last, o.ID, version, o.Type, o.SpecVersion, nullMicros(o.Created), nullMicros(o.Modified),
			o.CreatedByRef, label, o.Hash, []byte(o.Raw)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.write.Exec(`UPDATE collections SET last_added = ? WHERE seq = ?`, last, seq); err != nil {
		t.Fatal(err)
	}
}

// TestMigrateOwners: migration 0005 gives every id stored before it an
// owner record from its first stored version; a marking-definition id
// stored with two contents (a takeover before the node recorded owners) is
// contested and resolves to no definition, while one stored once resolves
// to its definition.
func TestMigrateOwners(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kizuna.db")
	db, _ := openBefore(t, path, 5)
	a, b := storetest.MustCollection(t, db), storetest.MustCollection(t, db)
	m := storetest.NewOwnerMigration(t)
	putOlder(t, db, a, m.First...)
	putOlder(t, db, b, m.Second...)
	db = reopen(t, db, path)
	defer db.Close()
	m.Check(t, db)
}
