package federation

import (
	"fmt"

	"github.com/kizuna-dev/kizuna"
)

// AuditRefused is the action of the audit entry a pusher writes for each
// version a peer refused.
const AuditRefused = "federation.refused"

// refusedReason is the reason of an AuditRefused entry: the peer, its
// collection and the peer's message.
func refusedReason(peer, collection, message string) string {
	return fmt.Sprintf("peer %q collection %s refused the version: %s", peer, collection, message)
}

// RefusedBy returns the peer an AuditRefused entry names.
func RefusedBy(e *kizuna.AuditEvent) (string, bool) {
	if e.Action != AuditRefused {
		return "", false
	}
	var peer string
	if _, err := fmt.Sscanf(e.Reason, "peer %q", &peer); err != nil {
		return "", false
	}
	return peer, true
}
