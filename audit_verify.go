package kizuna

import (
	"context"
	"fmt"
)

// VerifyAuditChain reads the whole audit log and checks that the entries
// are numbered without gaps and that each one's hash covers its fields and
// the hash of the entry before it, so that an altered, inserted or removed
// entry is detected. It returns the last entry checked: the log's end when
// the error is nil, the last good entry otherwise.
func VerifyAuditChain(ctx context.Context, store AuditStore) (int64, error) {
	var after int64
	prev := ""
	for {
		events, err := store.FindAudit(ctx, after, 1000)
		if err != nil {
			return after, err
		}
		for _, ev := range events {
			if ev.Seq != after+1 {
				return after, fmt.Errorf("entry %d follows entry %d: entries are missing", ev.Seq, after)
			}
			if ev.PrevHash != prev {
				return after, fmt.Errorf("entry %d does not chain to entry %d", ev.Seq, after)
			}
			if got := ev.ComputeHash(); got != ev.Hash {
				return after, fmt.Errorf("entry %d was altered: its hash is %s, its content hashes to %s", ev.Seq, ev.Hash, got)
			}
			after, prev = ev.Seq, ev.Hash
		}
		if len(events) < 1000 {
			return after, nil
		}
	}
}
