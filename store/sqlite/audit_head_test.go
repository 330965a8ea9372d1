package sqlite

import (
	"context"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/store/storetest"
)

// TestAuditHeadTablesAreAppendOnly: like the log, its signed heads,
// receipts, witnessed heads and alarms refuse changes and deletions.
func TestAuditHeadTablesAreAppendOnly(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	defer db.Close()
	storetest.MustAuditHeadRows(t, db)
	for _, table := range storetest.AuditHeadTables {
		for _, stmt := range []string{`UPDATE ` + table + ` SET hash = 'forged'`, `DELETE FROM ` + table} {
			_, err := db.auditW.ExecContext(ctx, stmt)
			if err == nil || !strings.Contains(err.Error(), "append-only") || kizuna.ErrorCode(formatError(err, "test")) != kizuna.EFORBIDDEN {
				t.Errorf("%s: %v, want the append-only trigger to refuse", stmt, err)
			}
		}
	}
}
