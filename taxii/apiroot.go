package taxii

import "net/http"

// APIRoot is the TAXII 2.1 API root resource.
type APIRoot struct {
	Title            string   `json:"title"`
	Description      string   `json:"description,omitempty"`
	Versions         []string `json:"versions"`
	MaxContentLength int64    `json:"max_content_length"`
}

// handleAPIRoot serves GET /taxii2/api/.
func (s *Server) handleAPIRoot(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, APIRoot{
		Title:            s.cfg.Title,
		Description:      s.cfg.Description,
		Versions:         []string{MediaTypeTAXII},
		MaxContentLength: s.cfg.MaxContentLength,
	})
}
