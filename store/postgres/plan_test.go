package postgres

import (
	"context"
	"strings"
	"testing"
	"time"

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
	ctx := context.Background()
	db := MustOpen(t)
	defer db.Close()
	coll := storetest.MustCollection(t, db)
	v1 := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	var objs []*kizuna.Object
	for i := 0; i < 30000; i++ {
		n, v := i, v1
		if i%10 == 9 {
			n, v = i-5, v1.Add(time.Hour)
		}
		objs = append(objs, storetest.BenchObject(n, v))
	}
	if _, err := db.PutObjects(ctx, coll, objs); err != nil {
		t.Fatal(err)
	}
	// The statistics are those the store gathered as it wrote, not of an
	// ANALYZE of the test's own.
	db.stats.wait()
	var seq int64
	if err := db.pool.QueryRow(ctx, `SELECT seq FROM collections WHERE id = $1`, coll).Scan(&seq); err != nil {
		t.Fatal(err)
	}
	scope := kizuna.AccessScope{LabelIDs: []int64{1, 2, 3}}
	for name, f := range map[string]kizuna.ObjectFilter{
		"type+scope+last":  {Types: []string{"indicator"}, Access: scope},
		"scope+first,last": {Access: scope, Versions: kizuna.VersionMatch{First: true, Last: true}},
		"scope+all":        {Access: scope, Versions: kizuna.VersionMatch{All: true}},
		"unrestricted":     {Access: kizuna.AccessScope{Unrestricted: true}},
	} {
		sql, args := pageQuery(seq, f, 0, 1001)
		rows, err := db.pool.Query(ctx, "EXPLAIN "+sql, args...)
		if err != nil {
			t.Fatalf("%s: explain: %v", name, err)
		}
		var plan strings.Builder
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			plan.WriteString(line + "\n")
		}
		rows.Close()
		if strings.Contains(plan.String(), "Sort") || strings.Contains(plan.String(), "Gather") || !strings.Contains(plan.String(), "objects_") {
			t.Errorf("%s: the plan does not walk a date_added index in this process:\n%s", name, plan.String())
		}
	}
}
