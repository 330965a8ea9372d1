package taxii

import (
	"net/http"
)

// Versions is the TAXII 2.1 versions resource.
type Versions struct {
	More     bool     `json:"more"`
	Next     string   `json:"next,omitempty"`
	Versions []string `json:"versions,omitempty"`
}

// handleVersions serves GET .../collections/{id}/objects/{object_id}/versions/:
// every version of the object the caller can see, oldest added first.
func (s *Server) handleVersions(w http.ResponseWriter, r *http.Request) {
	c, id, q, err := s.objectRequest(r, versionsFilters)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	f := q.filter(c.ID, false)
	f.IDs = []string{id}
	f.Versions.All = true
	page, err := s.Objects.FindObjects(r.Context(), f)
	if err == nil && len(page.Objects) == 0 {
		err = s.mustExist(r, c, id)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := Versions{More: page.More}
	if page.More {
		out.Next = page.Next
	}
	for _, o := range page.Objects {
		out.Versions = append(out.Versions, formatVersion(o.Version))
	}
	setPageHeaders(w, page.Objects)
	writeJSON(w, http.StatusOK, out)
}
