package taxii

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/kizuna-dev/kizuna"
)

// Error codes of the HTTP edge that the domain has no use for. They travel
// in kizuna.Error like the domain codes and share their table.
const (
	codeNotAcceptable    = "not_acceptable"
	codeMethodNotAllowed = "method_not_allowed"
	codeRateLimited      = "rate_limited"
)

// errorStatus maps every error code to its HTTP status and the title of the
// TAXII error object. A code missing from the table is answered as internal.
var errorStatus = map[string]struct {
	status int
	title  string
}{
	kizuna.EINVALID:      {http.StatusBadRequest, "Bad Request"},
	kizuna.EUNAUTHORIZED: {http.StatusUnauthorized, "Unauthorized"},
	kizuna.EFORBIDDEN:    {http.StatusForbidden, "Forbidden"},
	kizuna.ENOTFOUND:     {http.StatusNotFound, "Not Found"},
	codeMethodNotAllowed: {http.StatusMethodNotAllowed, "Method Not Allowed"},
	codeNotAcceptable:    {http.StatusNotAcceptable, "Not Acceptable"},
	kizuna.ECONFLICT:     {http.StatusConflict, "Conflict"},
	kizuna.ETOOLARGE:     {http.StatusRequestEntityTooLarge, "Request Entity Too Large"},
	kizuna.EUNSUPPORTED:  {http.StatusUnsupportedMediaType, "Unsupported Media Type"},
	codeRateLimited:      {http.StatusTooManyRequests, "Too Many Requests"},
	kizuna.EINTERNAL:     {http.StatusInternalServerError, "Internal Server Error"},
	kizuna.ESCHEMA:       {http.StatusInternalServerError, "Internal Server Error"},
	kizuna.EUNAVAILABLE:  {http.StatusServiceUnavailable, "Service Unavailable"},
}

// codeForStatus is the reverse of errorStatus, for the client.
func codeForStatus(status int) string {
	switch status {
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		return kizuna.EINVALID
	case http.StatusUnauthorized:
		return kizuna.EUNAUTHORIZED
	case http.StatusForbidden:
		return kizuna.EFORBIDDEN
	case http.StatusNotFound:
		return kizuna.ENOTFOUND
	case http.StatusConflict:
		return kizuna.ECONFLICT
	case http.StatusRequestEntityTooLarge:
		return kizuna.ETOOLARGE
	case http.StatusUnsupportedMediaType, http.StatusNotAcceptable:
		return kizuna.EUNSUPPORTED
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		return kizuna.EUNAVAILABLE
	}
	return kizuna.EINTERNAL
}

// ErrorMessage is the TAXII 2.1 error resource.
type ErrorMessage struct {
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	ErrorID     string `json:"error_id,omitempty"`
	ErrorCode   string `json:"error_code,omitempty"`
	HTTPStatus  string `json:"http_status,omitempty"`
}

// writeError answers with the TAXII error object for err. Internal errors
// are logged here, once, with the wrapped cause; the client sees only a
// generic message and the request id to quote.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	s.respondError(w, r, err, true)
}

// writeErrorQuiet answers like writeError without logging, for errors
// already logged.
func (s *Server) writeErrorQuiet(w http.ResponseWriter, r *http.Request, err error) {
	s.respondError(w, r, err, false)
}

func (s *Server) respondError(w http.ResponseWriter, r *http.Request, err error, log bool) {
	code := kizuna.ErrorCode(err)
	entry, ok := errorStatus[code]
	if !ok {
		code, entry = kizuna.EINTERNAL, errorStatus[kizuna.EINTERNAL]
	}
	reqID := kizuna.RequestIDFromContext(r.Context())
	msg := kizuna.ErrorMessage(err)
	if entry.status >= 500 && entry.status != http.StatusServiceUnavailable {
		attrs := []any{slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.String("request_id", reqID), slog.String("error", err.Error())}
		if p := kizuna.PrincipalFromContext(r.Context()); p != nil {
			attrs = append(attrs, slog.String("principal", p.ID))
		}
		if log {
			s.Logger.ErrorContext(r.Context(), "taxii request failed", attrs...)
		}
		var ke *kizuna.Error
		if !errors.As(err, &ke) || ke.Code == kizuna.EINTERNAL || ke.Code == kizuna.ESCHEMA {
			msg = "Internal error; quote error_id " + reqID + " to the node operator."
		}
	}
	if code == codeRateLimited && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", "1")
	}
	writeJSON(w, entry.status, ErrorMessage{
		Title:       entry.title,
		Description: msg,
		ErrorID:     reqID,
		ErrorCode:   code,
		HTTPStatus:  strconv.Itoa(entry.status),
	})
}
