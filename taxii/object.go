package taxii

import (
	"net/http"

	"github.com/kizuna-dev/kizuna"
)

// handleGetObjects serves GET .../collections/{id}/objects/.
func (s *Server) handleGetObjects(w http.ResponseWriter, r *http.Request) {
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
	f := q.filter(c.ID, true)
	f.RawOnly = true // writeEnvelope reads only the raw JSON and date_added
	page, err := s.Objects.FindObjects(r.Context(), f)
	if err == nil {
		err = writeEnvelope(w, page)
	}
	if err != nil {
		s.writeError(w, r, err)
	}
}

// handleGetObject serves GET .../collections/{id}/objects/{object_id}/.
func (s *Server) handleGetObject(w http.ResponseWriter, r *http.Request) {
	c, id, q, err := s.objectRequest(r, objectFilters)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	q.IDs = []string{id}
	f := q.filter(c.ID, true)
	f.RawOnly = true // writeEnvelope reads only the raw JSON and date_added
	page, err := s.Objects.FindObjects(r.Context(), f)
	if err == nil && len(page.Objects) == 0 {
		err = s.mustExist(r, c, id)
	}
	if err == nil {
		err = writeEnvelope(w, page)
	}
	if err != nil {
		s.writeError(w, r, err)
	}
}

// handleDeleteObject serves DELETE .../collections/{id}/objects/{object_id}/.
// It needs both can_read and can_write, and removes only versions the
// caller can see. Without match[version] it removes the latest version, the
// filter's default in the specification.
func (s *Server) handleDeleteObject(w http.ResponseWriter, r *http.Request) {
	c, id, q, err := s.objectRequest(r, deleteFilters)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !s.Authorizer.CanWrite(r.Context(), c) {
		s.writeError(w, r, kizuna.Errorf(kizuna.EFORBIDDEN, "Collection %q is read-only for you (can_write is false).", r.PathValue("collectionID")))
		return
	}
	versions := q.Versions
	if len(q.SpecVersions) > 0 {
		// The store deletes by version only, so find the versions that
		// also match the spec_version filter first.
		if versions, err = s.matchingVersions(r, c, id, q); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	// The zero scope is filled in by the policy guard, like every read.
	n, err := s.Objects.DeleteObject(r.Context(), c.ID, id, versions, kizuna.AccessScope{})
	if err == nil && n == 0 {
		err = kizuna.Errorf(kizuna.ENOTFOUND, "Object %q not found in collection %q.", id, r.PathValue("collectionID"))
	}
	if kizuna.ErrorCode(err) == kizuna.ENOTFOUND {
		err = kizuna.Errorf(kizuna.ENOTFOUND, "Object %q not found in collection %q (no version matches the filters).", id, r.PathValue("collectionID"))
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", MediaTypeTAXII)
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
}

// matchingVersions lists the versions of one object that match the query's
// version and spec_version filters.
func (s *Server) matchingVersions(r *http.Request, c *kizuna.Collection, id string, q query) (kizuna.VersionMatch, error) {
	f := q.filter(c.ID, false)
	f.IDs, f.Limit, f.Next, f.AddedAfter = []string{id}, s.cfg.MaxPageSize, "", nil
	var at kizuna.VersionMatch
	for {
		page, err := s.Objects.FindObjects(r.Context(), f)
		if err != nil {
			return at, err
		}
		for _, o := range page.Objects {
			at.At = append(at.At, o.Version)
		}
		if !page.More || page.Next == "" {
			break
		}
		f.Next = page.Next
	}
	if len(at.At) == 0 {
		return at, kizuna.Errorf(kizuna.ENOTFOUND, "Object %q not found in collection %q (no version matches the filters).", id, r.PathValue("collectionID"))
	}
	return at, nil
}

// objectRequest resolves the readable collection, the object id and the
// query of a request on one object.
func (s *Server) objectRequest(r *http.Request, allowed filterSet) (*kizuna.Collection, string, query, error) {
	c, err := s.readableCollection(r)
	if err != nil {
		return nil, "", query{}, err
	}
	id := r.PathValue("objectID")
	if !validID(id) {
		return nil, "", query{}, kizuna.Errorf(kizuna.ENOTFOUND, "Object %q not found: not a STIX identifier (type--UUID).", truncate(id, 300))
	}
	q, err := parseQuery(r.URL.Query(), allowed, s.cfg)
	return c, id, q, err
}

// mustExist tells an empty result for a visible object (200, empty
// envelope) from an object the caller cannot see at all (404).
func (s *Server) mustExist(r *http.Request, c *kizuna.Collection, id string) error {
	page, err := s.Objects.FindObjects(r.Context(), kizuna.ObjectFilter{
		Collection: c.ID,
		IDs:        []string{id},
		Versions:   kizuna.VersionMatch{All: true},
		Limit:      1,
	})
	if err != nil {
		return err
	}
	if len(page.Objects) == 0 {
		return kizuna.Errorf(kizuna.ENOTFOUND, "Object %q not found in collection %q.", id, r.PathValue("collectionID"))
	}
	return nil
}
