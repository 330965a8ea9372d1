package taxii

import (
	"net/http"

	"github.com/kizuna-dev/kizuna"
)

// Collection is the TAXII 2.1 collection resource.
type Collection struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Alias       string   `json:"alias,omitempty"`
	CanRead     bool     `json:"can_read"`
	CanWrite    bool     `json:"can_write"`
	MediaTypes  []string `json:"media_types,omitempty"`
}

// Collections is the TAXII 2.1 collections resource.
type Collections struct {
	Collections []Collection `json:"collections,omitempty"`
}

func (s *Server) collectionResource(r *http.Request, c *kizuna.Collection) Collection {
	return Collection{
		ID:          c.ID,
		Title:       c.Title,
		Description: c.Description,
		Alias:       c.Alias,
		CanRead:     s.Authorizer.CanRead(r.Context(), c),
		CanWrite:    s.Authorizer.CanWrite(r.Context(), c),
		MediaTypes:  []string{MediaTypeSTIX},
	}
}

// handleCollections serves GET /taxii2/api/collections/: the collections the
// caller may read or write. Any other is left out, so that its existence
// stays unknown.
func (s *Server) handleCollections(w http.ResponseWriter, r *http.Request) {
	all, err := s.Collections.FindCollections(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var out Collections
	for _, c := range all {
		if s.Authorizer.CanRead(r.Context(), c) || s.Authorizer.CanWrite(r.Context(), c) {
			out.Collections = append(out.Collections, s.collectionResource(r, c))
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// handleCollection serves GET /taxii2/api/collections/{id}/.
func (s *Server) handleCollection(w http.ResponseWriter, r *http.Request) {
	c, err := s.findCollection(r)
	if err == nil && !s.Authorizer.CanRead(r.Context(), c) && !s.Authorizer.CanWrite(r.Context(), c) {
		err = kizuna.Errorf(kizuna.ENOTFOUND, "Collection %q not found.", r.PathValue("collectionID"))
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.collectionResource(r, c))
}

// findCollection returns the collection named in the path. Every failure to
// find it gets the same message, whatever the store said.
func (s *Server) findCollection(r *http.Request) (*kizuna.Collection, error) {
	id := r.PathValue("collectionID")
	if len(id) > 256 {
		return nil, kizuna.Errorf(kizuna.ENOTFOUND, "Collection not found.")
	}
	c, err := s.Collections.FindCollectionByID(r.Context(), id)
	if kizuna.ErrorCode(err) == kizuna.ENOTFOUND || (err == nil && c == nil) {
		return nil, kizuna.Errorf(kizuna.ENOTFOUND, "Collection %q not found.", id)
	}
	return c, err
}

// readableCollection returns the collection in the path if the caller may
// read it. A caller that may neither read nor write it gets ENOTFOUND; one
// that may only write gets EFORBIDDEN, as it already knows the collection.
func (s *Server) readableCollection(r *http.Request) (*kizuna.Collection, error) {
	c, err := s.findCollection(r)
	if err != nil {
		return nil, err
	}
	if s.Authorizer.CanRead(r.Context(), c) {
		return c, nil
	}
	if s.Authorizer.CanWrite(r.Context(), c) {
		return nil, kizuna.Errorf(kizuna.EFORBIDDEN, "Collection %q is write-only for you (can_read is false).", r.PathValue("collectionID"))
	}
	return nil, kizuna.Errorf(kizuna.ENOTFOUND, "Collection %q not found.", r.PathValue("collectionID"))
}

// writableCollection returns the collection in the path if the caller may
// write to it. A caller that may neither read nor write it gets ENOTFOUND;
// one that may only read gets EFORBIDDEN, as it already knows the collection.
func (s *Server) writableCollection(r *http.Request) (*kizuna.Collection, error) {
	c, err := s.findCollection(r)
	if err != nil {
		return nil, err
	}
	if s.Authorizer.CanWrite(r.Context(), c) {
		return c, nil
	}
	if s.Authorizer.CanRead(r.Context(), c) {
		return nil, kizuna.Errorf(kizuna.EFORBIDDEN, "Collection %q is read-only for you (can_write is false).", r.PathValue("collectionID"))
	}
	return nil, kizuna.Errorf(kizuna.ENOTFOUND, "Collection %q not found.", r.PathValue("collectionID"))
}
