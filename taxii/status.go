package taxii

import (
	"net/http"

	"github.com/kizuna-dev/kizuna"
)

// StatusResource is the TAXII 2.1 status resource.
type StatusResource struct {
	ID               string         `json:"id"`
	Status           string         `json:"status"`
	RequestTimestamp string         `json:"request_timestamp,omitempty"`
	TotalCount       int            `json:"total_count"`
	SuccessCount     int            `json:"success_count"`
	Successes        []StatusDetail `json:"successes,omitempty"`
	FailureCount     int            `json:"failure_count"`
	Failures         []StatusDetail `json:"failures,omitempty"`
	PendingCount     int            `json:"pending_count"`
	Pendings         []StatusDetail `json:"pendings,omitempty"`
}

// StatusDetail is the outcome for one object version of a POST.
type StatusDetail struct {
	ID      string `json:"id"`
	Version string `json:"version"`
	Message string `json:"message,omitempty"`
}

func statusResource(st *kizuna.Status) StatusResource {
	return StatusResource{
		ID:               st.ID,
		Status:           st.Status,
		RequestTimestamp: formatDateAdded(st.RequestTime),
		TotalCount:       st.Total,
		SuccessCount:     len(st.Successes),
		Successes:        statusDetails(st.Successes),
		FailureCount:     len(st.Failures),
		Failures:         statusDetails(st.Failures),
		PendingCount:     len(st.Pendings),
		Pendings:         statusDetails(st.Pendings),
	}
}

func statusDetails(ds []kizuna.StatusDetail) []StatusDetail {
	if len(ds) == 0 {
		return nil
	}
	out := make([]StatusDetail, len(ds))
	for i, d := range ds {
		out[i] = StatusDetail{ID: d.ID, Message: d.Message}
		if !d.Version.IsZero() {
			out[i].Version = formatVersion(d.Version)
		}
	}
	return out
}

// handleStatus serves GET /taxii2/api/status/{id}/, with or without the
// trailing slash. A status is its poster's alone: it names the objects
// posted, which may be classified above what any other principal, an admin
// included, may read. Anyone else gets 404, as for a status that does not
// exist.
func (s *Server) handleStatus(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("statusID")
	notFound := kizuna.Errorf(kizuna.ENOTFOUND, "Status %q not found.", truncate(id, 100))
	if !validUUID(id) {
		s.writeError(w, r, notFound)
		return
	}
	st, err := s.Statuses.FindStatusByID(r.Context(), id)
	if kizuna.ErrorCode(err) == kizuna.ENOTFOUND {
		err = notFound
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	p := kizuna.PrincipalFromContext(r.Context())
	if p == nil || st.Principal != p.ID {
		s.writeError(w, r, notFound)
		return
	}
	writeJSON(w, http.StatusOK, statusResource(st))
}
