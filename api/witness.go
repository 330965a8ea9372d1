package api

import (
	"net/http"
	"strconv"

	"github.com/kizuna-dev/kizuna"
)

// maxHeadBody bounds the body of POST /api/v1/audit/heads: a head is a few
// hundred bytes.
const maxHeadBody = 8 << 10

// handleWitnessHead answers POST /api/v1/audit/heads: a peer node sends a
// signed head of its audit log (a kizuna.AuditHead) and gets this node's
// receipt (a kizuna.AuditReceipt), or 409 when the head contradicts one
// witnessed before.
func (s *Server) handleWitnessHead(w http.ResponseWriter, r *http.Request) {
	var h kizuna.AuditHead
	if err := decodeBody(w, r, maxHeadBody, "audit head", &h); err != nil {
		s.error(w, r, err)
		return
	}
	receipt, err := s.Witness.WitnessAuditHead(r.Context(), &h)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, receipt)
}

// handleWitnessedHeads answers GET /api/v1/audit/heads?after=SEQ&limit=N:
// the heads of the calling peer's log this node witnessed, with seq above
// after, and the alarms about that log (a kizuna.WitnessedHeads).
func (s *Server) handleWitnessedHeads(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var after int64
	limit := 0
	if v := q.Get("after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			s.error(w, r, kizuna.Errorf(kizuna.EINVALID, "after: %q: want a sequence number (0 or more)", v))
			return
		}
		after = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			s.error(w, r, kizuna.Errorf(kizuna.EINVALID, "limit: %q: want a positive number", v))
			return
		}
		limit = n
	}
	heads, err := s.Witness.WitnessedAuditHeads(r.Context(), after, limit)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, heads)
}
