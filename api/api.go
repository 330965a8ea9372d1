// Package api serves kizuna's native JSON API under /api/v1/, for what TAXII
// does not cover. Every handler expects the authenticated principal in the
// request context: the node mounts the API behind the same authentication,
// rate limits and error handling as TAXII.
package api

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/kizuna-dev/kizuna"
)

// DefaultMaxBody is the largest request body accepted by default (32 MiB).
const DefaultMaxBody = 32 << 20

// Server serves the native API.
type Server struct {
	Matcher kizuna.Matcher
	// Witness, when set, witnesses peers' audit-log heads (witness.go).
	Witness kizuna.AuditWitness
	Logger  *slog.Logger
	// MaxBody bounds request bodies (default DefaultMaxBody).
	MaxBody int64
}

// Handler returns the routes under /api/v1/.
func (s *Server) Handler() http.Handler {
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	if s.MaxBody <= 0 {
		s.MaxBody = DefaultMaxBody
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/match", s.handleMatch)
	if s.Witness != nil {
		mux.HandleFunc("POST /api/v1/audit/heads", s.handleWitnessHead)
		mux.HandleFunc("GET /api/v1/audit/heads", s.handleWitnessedHeads)
	}
	mux.HandleFunc("/api/v1/", func(w http.ResponseWriter, r *http.Request) {
		s.error(w, r, kizuna.Errorf(kizuna.ENOTFOUND, "no resource at %s %s", r.Method, r.URL.Path))
	})
	return mux
}

// handleMatch answers POST /api/v1/match with a kizuna.MatchRequest body.
func (s *Server) handleMatch(w http.ResponseWriter, r *http.Request) {
	var req kizuna.MatchRequest
	if err := decodeBody(w, r, s.MaxBody, "request body", &req); err != nil {
		s.error(w, r, err)
		return
	}
	res, err := s.Matcher.Match(r.Context(), &req)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// describeJSONError names where a JSON decoding error happened.
func describeJSONError(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return "malformed JSON at byte offset " + strconv.FormatInt(se.Offset, 10) + ": " + se.Error()
	case errors.As(err, &te):
		return "$." + te.Field + ": expected " + te.Type.String() + " at byte offset " + strconv.FormatInt(te.Offset, 10)
	default:
		return err.Error()
	}
}

// statusOf maps domain error codes to HTTP statuses.
var statusOf = map[string]int{
	kizuna.EINVALID:      http.StatusBadRequest,
	kizuna.EUNAUTHORIZED: http.StatusUnauthorized,
	kizuna.EFORBIDDEN:    http.StatusForbidden,
	kizuna.ENOTFOUND:     http.StatusNotFound,
	kizuna.ECONFLICT:     http.StatusConflict,
	kizuna.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	kizuna.EUNSUPPORTED:  http.StatusUnsupportedMediaType,
	kizuna.EUNAVAILABLE:  http.StatusServiceUnavailable,
}

// errorBody has the shape of a TAXII error message, so that clients of both
// APIs read errors the same way.
type errorBody struct {
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	ErrorCode   string `json:"error_code,omitempty"`
	HTTPStatus  string `json:"http_status"`
}

// WriteError writes err as every handler of the API does: the status of
// its code and a TAXII error body; an internal error is logged, not shown.
func (s *Server) WriteError(w http.ResponseWriter, r *http.Request, err error) { s.error(w, r, err) }

func (s *Server) error(w http.ResponseWriter, r *http.Request, err error) {
	code := kizuna.ErrorCode(err)
	status, ok := statusOf[code]
	if !ok {
		status = http.StatusInternalServerError
		s.Logger.LogAttrs(r.Context(), slog.LevelError, "api internal error",
			slog.String("path", r.URL.Path), slog.String("request_id", kizuna.RequestIDFromContext(r.Context())), slog.Any("err", err))
	}
	writeJSON(w, status, errorBody{
		Title: http.StatusText(status), Description: kizuna.ErrorMessage(err),
		ErrorCode: code, HTTPStatus: strconv.Itoa(status),
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
