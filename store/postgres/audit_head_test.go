package postgres

import (
	"context"
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/store/storetest"
)

// TestAuditHeadTablesAreAppendOnly: like the log, its signed heads,
// receipts, witnessed heads and alarms refuse changes, deletions and
// truncation.
func TestAuditHeadTablesAreAppendOnly(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	defer db.Close()
	storetest.MustAuditHeadRows(t, db)
	for _, table := range storetest.AuditHeadTables {
		for _, stmt := range []string{`UPDATE ` + table + ` SET hash = 'forged'`, `DELETE FROM ` + table, `TRUNCATE ` + table} {
			_, err := db.pool.Exec(ctx, stmt)
			if code := kizuna.ErrorCode(formatError(err, "test")); code != kizuna.EFORBIDDEN {
				t.Errorf("%s: %v (code %q), want the append-only trigger to refuse", stmt, err, code)
			}
		}
	}
}
