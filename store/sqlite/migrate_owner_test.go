package sqlite

import (
	"context"
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
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kizuna.db")
	db, _ := openBefore(t, path, 5)
	a, b := storetest.MustCollection(t, db), storetest.MustCollection(t, db)
	orgA, orgB := storetest.ObjectID("identity", 1), storetest.ObjectID("identity", 2)
	v1 := storetest.MustTime(t, "2026-01-01T00:00:00Z")
	sdo := func(org, name string) *kizuna.Object {
		o := storetest.NewObject(storetest.ObjectID("indicator", 1), v1, storetest.LabelGreen, name)
		o.CreatedByRef = org
		return o
	}
	md := func(n int, org, name string) *kizuna.Object {
		o := storetest.NewObject(storetest.ObjectID("marking-definition", n), v1, storetest.LabelGreen, name)
		o.Type, o.CreatedByRef = "marking-definition", org
		return o
	}
	good, taken, takeover := md(1, orgA, "secret"), md(2, orgA, "secret"), md(2, orgB, "open")
	putOlder(t, db, a, sdo(orgA, "first"), good, taken)
	putOlder(t, db, b, sdo(orgB, "copy"), takeover, storetest.NewSCO(storetest.ObjectID("ipv4-addr", 1), "192.0.2.1", storetest.LabelGreen))
	db = reopen(t, db, path)
	defer db.Close()

	owners, err := db.FindOwners(ctx, []string{sdo("", "").ID, good.ID, taken.ID, storetest.ObjectID("ipv4-addr", 1)})
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]kizuna.Owner{
		sdo("", "").ID:                     {Organization: orgA},
		good.ID:                            {Organization: orgA, Content: good.Hash},
		taken.ID:                           {Organization: orgA, Content: kizuna.ContestedContent},
		storetest.ObjectID("ipv4-addr", 1): {},
	} {
		want.ID = id
		if got := owners[id]; got == nil || *got != want {
			t.Errorf("owner of %s = %+v, want %+v", id, got, want)
		}
	}
	if got, err := db.FindMarkingDefinition(ctx, good.ID); err != nil || got.Hash != good.Hash {
		t.Errorf("FindMarkingDefinition(%s) = %v, %v", good.ID, got, err)
	}
	if _, err := db.FindMarkingDefinition(ctx, taken.ID); kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
		t.Errorf("a contested marking-definition resolved: %v", err)
	}
}
