package main

import (
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

func TestLeakExplainTmp(t *testing.T) {
	dir := os.Getenv("LEAK_EXPLAIN_DIR")
	if dir == "" {
		t.Skip()
	}
	var info leakBenchInfo
	raw, _ := os.ReadFile(filepath.Join(dir, leakBenchInfoFn))
	json.Unmarshal(raw, &info)
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, storeFile)+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var seq int64
	db.QueryRow(`SELECT seq FROM collections WHERE id = ?`, info.Collection).Scan(&seq)
	rows, _ := db.Query(`SELECT id, encoding FROM labels`)
	for rows.Next() {
		var id int64
		var enc string
		rows.Scan(&id, &enc)
		t.Logf("label %d %s", id, enc)
	}
	rows.Close()
	after := info.Cuts[len(info.Cuts)/2].UnixMicro()
	scope := os.Getenv("LEAK_SCOPE")
	q := func(access string) (string, []any) {
		cond, sub := "", ""
		args := []any{info.Collection, seq, after, "indicator"}
		if access != "" {
			cond = ` AND o.label_id IN (SELECT value FROM json_each(?))`
			sub = ` AND v.label_id IN (SELECT value FROM json_each(?))`
			args = append(args, access, access, 1001)
		} else {
			args = append(args, 1001)
		}
		return `SELECT ?, o.date_added, o.id, o.version, o.type, o.spec_version, o.created, o.modified, o.revoked,
		o.created_by_ref, o.marking_refs, o.granular_markings, o.label_id, o.portions, o.hash, o.origin, o.raw FROM objects o INDEXED BY objects_type_page
		WHERE o.collection = ? AND o.date_added > ? AND o.type = ?` + cond + ` AND (o.version = (SELECT MAX(v.version) FROM objects v WHERE v.collection = o.collection AND v.id = o.id` + sub + `)) ORDER BY o.date_added LIMIT ?`, args
	}
	for _, access := range []string{scope, ""} {
		text, args := q(access)
		rows, err := db.Query("EXPLAIN QUERY PLAN "+text, args...)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id, parent, notused int
			var detail string
			rows.Scan(&id, &parent, &notused, &detail)
			t.Logf("scope %q plan: %d %d %s", access, id, parent, detail)
		}
		rows.Close()
		for k := 0; k < 3; k++ {
			start := time.Now()
			rows, _ := db.Query(text, args...)
			n := 0
			for rows.Next() {
				n++
			}
			rows.Close()
			t.Logf("scope %q: %d rows in %s", access, n, time.Since(start))
		}
	}
}
