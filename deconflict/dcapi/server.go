// Package dcapi serves the deconfliction registry on the native API under
// /api/v1/: registering a defensive action, listing the registrations a
// reader may read, the conflicts of one of them and the notices addressed
// to the reader's organisation.
//
// Registrations and notices are STIX objects (deconflict/dcstix) stored
// through ingest in the node's deconfliction collection, which no peer may
// read, so that they never federate in the clear. Every read goes through
// the access decision (the guard in front of the store, with the principal
// of the request); local matching runs over the registrations the
// registrant may read, so a registration a reader may not read is never
// named to it, counted for it or matched for it, and asking for it by id
// is 404 as for an id that does not exist.
package dcapi

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/deconflict"
	"github.com/kizuna-dev/kizuna/internal/apiobj"
)

// CollectionAlias is the alias of the collection holding registrations
// and notices.
const CollectionAlias = "deconfliction"

// Server serves the deconfliction registry.
type Server struct {
	Rules *deconflict.Rules
	// Objects and Collections are read for the principal of the request:
	// the policy guard.
	Objects     kizuna.ObjectStore
	Collections kizuna.CollectionStore
	// Store is read as the node itself (unrestricted) to keep the
	// registrations in memory for matching; what a reader learns of them
	// goes through Objects.
	Store kizuna.ObjectStore
	// Ingester stores a registration with the rights of its registrant.
	Ingester kizuna.Ingester
	// Notices stores the notices as the node's own work (the host
	// operator's ingest), addressed to the two owners by their marking.
	Notices kizuna.Ingester
	// Operator is the node operator's organisation, the creator of the
	// notices.
	Operator string
	// Collection is the collection (id or alias) of registrations and
	// notices (default CollectionAlias).
	Collection string
	// WriteError writes an error as the rest of the API does (a TAXII
	// error body with the status of its code).
	WriteError func(w http.ResponseWriter, r *http.Request, err error)
	MaxBody    int64
	Logger     *slog.Logger
	// Exchange, when set, matches registrations with the allies' nodes
	// under the node's agreements (Exchange.Run runs it).
	Exchange *Exchange

	cat *catalog
}

// Register adds the deconfliction routes to mux, each wrapped by protect
// (the node's authentication).
func (s *Server) Register(mux *http.ServeMux, protect func(http.Handler) http.Handler) {
	if s.MaxBody <= 0 {
		s.MaxBody = 1 << 20
	}
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	if s.Collection == "" {
		s.Collection = CollectionAlias
	}
	for _, r := range []struct {
		pattern string
		h       http.HandlerFunc
	}{
		{"POST /api/v1/defensive-actions", s.register},
		{"GET /api/v1/defensive-actions", s.list},
		{"GET /api/v1/defensive-actions/{id}", s.get},
		{"GET /api/v1/defensive-actions/{id}/conflicts", s.conflicts},
		{"GET /api/v1/deconfliction/notices", s.notices},
	} {
		mux.Handle(r.pattern, protect(r.h))
	}
	s.cat = newCatalog(s.Store, s.Collection, s.Rules, s.Logger.Warn)
	if s.Exchange != nil {
		s.Exchange.init(s)
		s.Exchange.register(mux, protect)
	}
}

// body reads a request body of at most MaxBody bytes.
func (s *Server) body(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	return s.bodyUpTo(w, r, s.MaxBody)
}

// bodyUpTo reads a request body of at most max bytes.
func (s *Server) bodyUpTo(w http.ResponseWriter, r *http.Request, max int64) ([]byte, error) {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, max))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, kizuna.Errorf(kizuna.ETOOLARGE, "the request body exceeds %d bytes", max)
		}
		return nil, kizuna.Errorf(kizuna.EINVALID, "request body: %v", err)
	}
	if dec.More() {
		return nil, kizuna.Errorf(kizuna.EINVALID, "request body: one JSON object expected")
	}
	return raw, nil
}

// principal returns the authenticated principal; the node mounts the
// handlers behind authentication, so none is an error.
func principal(ctx context.Context) (*kizuna.Principal, error) {
	p := kizuna.PrincipalFromContext(ctx)
	if p == nil {
		return nil, kizuna.Errorf(kizuna.EUNAUTHORIZED, "authentication required")
	}
	return p, nil
}

// readAll returns the latest versions the reader may read of the objects
// of a type in the collection.
func (s *Server) readAll(ctx context.Context, typ string) ([]*kizuna.Object, error) {
	return apiobj.ReadAll(ctx, s.Objects, s.Collection, typ)
}

// readOne returns the latest version of an object the reader may read;
// ENOTFOUND, naming what was asked, when there is none or it is hidden.
func (s *Server) readOne(ctx context.Context, id string) (*kizuna.Object, error) {
	page, err := s.Objects.FindObjects(ctx, kizuna.ObjectFilter{Collection: s.Collection, IDs: []string{id}, IncludeRaw: true, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(page.Objects) == 0 {
		return nil, kizuna.Errorf(kizuna.ENOTFOUND, "no defensive action %s in this collection", id)
	}
	return page.Objects[0], nil
}
