package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
)

// TestAuditHeadTablesAreAppendOnly: like the log, its signed heads,
// receipts, witnessed heads and alarms refuse changes, deletions and
// truncation.
func TestAuditHeadTablesAreAppendOnly(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	defer db.Close()
	h := kizuna.AuditHead{Node: "identity--a", Seq: 1, Hash: "h", Time: time.Now(), Key: "k", Sig: "s"}
	for _, err := range []error{
		db.AddAuditHead(ctx, &h),
		db.AddAuditReceipt(ctx, &kizuna.AuditReceipt{Head: h, Witness: "identity--w", Time: time.Now()}),
		db.AddWitnessedHead(ctx, &kizuna.WitnessedHead{AuditHead: h, Peer: "p", WitnessedAt: time.Now()}),
		db.AddWitnessAlarm(ctx, &kizuna.WitnessAlarm{Kind: kizuna.WitnessFork, Peer: "p", Head: h, Earlier: h, Time: time.Now()}),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, table := range []string{"audit_head", "audit_receipt", "audit_witnessed", "audit_witness_alarm"} {
		for _, stmt := range []string{`UPDATE ` + table + ` SET hash = 'forged'`, `DELETE FROM ` + table, `TRUNCATE ` + table} {
			_, err := db.pool.Exec(ctx, stmt)
			if code := kizuna.ErrorCode(formatError(err, "test")); code != kizuna.EFORBIDDEN {
				t.Errorf("%s: %v (code %q), want the append-only trigger to refuse", stmt, err, code)
			}
		}
	}
}
