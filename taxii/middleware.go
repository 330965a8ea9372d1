package taxii

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"runtime/debug"

	"github.com/kizuna-dev/kizuna"
)

// withRequestID gives every request an id, returned in X-Request-Id and in
// error objects, so that a client can quote it and an operator find the log
// entry. Ids from the client are not trusted: they could forge log lines.
func (s *Server) withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b [8]byte
		rand.Read(b[:])
		id := hex.EncodeToString(b[:])
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(kizuna.NewContextWithRequestID(r.Context(), id)))
	})
}

// recoverPanics turns a panic in a handler into a logged 500 TAXII error, so
// that one bad request never takes the server down.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.Logger.ErrorContext(r.Context(), "taxii handler panic",
				slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
			// The error is already logged; report it to the client without
			// logging it a second time.
			s.writeErrorQuiet(w, r, kizuna.Errorf(kizuna.EINTERNAL, "Internal error."))
		}()
		next.ServeHTTP(w, r)
	})
}

// rateLimit refuses requests beyond the principal's token bucket with 429
// and a Retry-After header.
func (s *Server) rateLimit(next http.Handler) http.Handler {
	if s.limiter == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := kizuna.PrincipalFromContext(r.Context())
		if ok, wait := s.limiter.allow(p.ID); !ok {
			w.Header().Set("Retry-After", retryAfter(wait))
			s.writeError(w, r, kizuna.Errorf(codeRateLimited, "Rate limit of %g requests per second exceeded; retry later.", s.cfg.RateLimit))
			return
		}
		next.ServeHTTP(w, r)
	})
}
