package taxii

import (
	"net/http"
)

// Discovery is the TAXII 2.1 discovery resource.
type Discovery struct {
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Contact     string   `json:"contact,omitempty"`
	Default     string   `json:"default,omitempty"`
	APIRoots    []string `json:"api_roots,omitempty"`
}

// handleDiscovery serves GET /taxii2/. The one API root is named by its
// absolute path, which clients resolve against the discovery URL, so the
// answer is right behind any reverse proxy that keeps the path.
func (s *Server) handleDiscovery(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, Discovery{
		Title:       s.cfg.Title,
		Description: s.cfg.Description,
		Contact:     s.cfg.Contact,
		Default:     APIRootPath,
		APIRoots:    []string{APIRootPath},
	})
}
