package taxii

import (
	"net/http"

	"github.com/kizuna-dev/kizuna"
)

// ManifestRecord describes one object version in a manifest.
type ManifestRecord struct {
	ID        string `json:"id"`
	DateAdded string `json:"date_added"`
	Version   string `json:"version"`
	MediaType string `json:"media_type,omitempty"`
}

// Manifest is the TAXII 2.1 manifest resource.
type Manifest struct {
	More    bool             `json:"more"`
	Next    string           `json:"next,omitempty"`
	Objects []ManifestRecord `json:"objects,omitempty"`
}

// handleManifest serves GET .../collections/{id}/manifest/, with the same
// filters as Get Objects.
func (s *Server) handleManifest(w http.ResponseWriter, r *http.Request) {
	c, err := s.readableCollection(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	q, err := parseQuery(r.URL.Query(), objectsFilters, s.cfg)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	page, err := s.Objects.FindObjects(r.Context(), q.filter(c.ID, false))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := Manifest{More: page.More}
	if page.More {
		out.Next = page.Next
	}
	for _, o := range page.Objects {
		out.Objects = append(out.Objects, ManifestRecord{
			ID:        o.ID,
			DateAdded: formatDateAdded(o.DateAdded),
			Version:   formatVersion(o.Version),
			MediaType: mediaTypeOf(o),
		})
	}
	setPageHeaders(w, page.Objects)
	writeJSON(w, http.StatusOK, out)
}

// mediaTypeOf is the STIX media type of an object version's spec_version.
func mediaTypeOf(o *kizuna.Object) string {
	if o.SpecVersion == "" {
		return MediaTypeSTIX
	}
	return "application/stix+json;version=" + o.SpecVersion
}
