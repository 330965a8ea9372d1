package postgres

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/store/storetest"
)

// TestQueryPlans checks that page queries walk an index in date_added
// order under the LIMIT instead of sorting every match: a page must cost
// the same in a large collection as in a small one. The collection holds
// 30,000 rows: in a few thousand, hashing the whole table and sorting is
// rightly the cheaper plan. Parallel workers cost a page more to start
// than they could save.
func TestQueryPlans(t *testing.T) {
	db, seq := planCollection(t, 30000, true)
	// The statistics are those the store gathered as it wrote, not of an
	// ANALYZE of the test's own.
	db.stats.wait()
	scope := kizuna.AccessScope{LabelIDs: []int64{1, 2, 3}}
	for name, f := range map[string]kizuna.ObjectFilter{
		"type+scope+last":  {Types: []string{"indicator"}, Access: scope},
		"scope+first,last": {Access: scope, Versions: kizuna.VersionMatch{First: true, Last: true}},
		"scope+all":        {Access: scope, Versions: kizuna.VersionMatch{All: true}},
		"unrestricted":     {Access: kizuna.AccessScope{Unrestricted: true}},
	} {
		plan := strings.Join(explainPage(t, db, seq, f), "\n")
		if strings.Contains(plan, "Sort") || strings.Contains(plan, "Gather") || !strings.Contains(plan, "objects_") {
			t.Errorf("%s: the plan does not walk a date_added index in this process:\n%s", name, plan)
		}
	}
}

// TestSmallCollectionPlan checks the plan of a page in a collection that
// has just received its first rows: the "no newer version" condition must
// find the versions of an id by the id (a lookup in objects_version, or a
// hash of the versions). Planned without statistics, it compared every
// row with every row of its label instead, and a page of a 10,000-row
// collection ran for minutes.
func TestSmallCollectionPlan(t *testing.T) {
	// Fewer rows than analyzeMin: only the first rows' statistics are
	// gathered.
	db, seq := planCollection(t, analyzeMin-100, false)
	scope := kizuna.AccessScope{LabelIDs: []int64{1}}
	for name, f := range map[string]kizuna.ObjectFilter{
		"scope+last":      {Access: scope},
		"type+scope+last": {Types: []string{"indicator"}, Access: scope},
		"raw-only":        {Access: scope, IncludeRaw: true, RawOnly: true},
	} {
		lines := explainPage(t, db, seq, f)
		for _, line := range lines {
			if strings.Contains(line, "Join Filter") && strings.Contains(line, ".id = ") {
				t.Errorf("%s: the versions are joined on id row by row:\n%s", name, strings.Join(lines, "\n"))
				break
			}
		}
	}
}

// planCollection stores rows benchmark objects in a new collection (one
// in ten a second version of an earlier id when versions) and returns the
// store and the collection's key.
func planCollection(t *testing.T, rows int, versions bool) (*DB, int64) {
	ctx := context.Background()
	db := MustOpen(t)
	t.Cleanup(func() { db.Close() })
	coll := storetest.MustCollection(t, db)
	v1 := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	objs := make([]*kizuna.Object, 0, rows)
	for i := 0; i < rows; i++ {
		n, v := i, v1
		if versions && i%10 == 9 {
			n, v = i-5, v1.Add(time.Hour)
		}
		objs = append(objs, storetest.BenchObject(n, v))
	}
	if _, err := db.PutObjects(ctx, coll, objs); err != nil {
		t.Fatal(err)
	}
	var seq int64
	if err := db.pool.QueryRow(ctx, `SELECT seq FROM collections WHERE id = $1`, coll).Scan(&seq); err != nil {
		t.Fatal(err)
	}
	return db, seq
}

// explainPage returns the lines of the plan of f's first page.
func explainPage(t *testing.T, db *DB, seq int64, f kizuna.ObjectFilter) []string {
	sql, args := pageQuery(seq, f, 0, 1001)
	rows, err := db.pool.Query(context.Background(), "EXPLAIN "+sql, args...)
	if err != nil {
		t.Fatalf("explain: %v", err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatalf("explain: %v", err)
	}
	return lines
}
