package taxii

import (
	"net/http"

	"github.com/kizuna-dev/kizuna"
)

// Protect serves h behind the same middleware as the TAXII routes: panic
// recovery, request ids, authentication (the principal lands in the request
// context) and rate limits, with errors as TAXII error objects. The node
// uses it to mount its native API beside TAXII with one authentication.
func (s *Server) Protect(h http.Handler) http.Handler {
	s.Handler() // start the server's shared state once
	return s.recoverPanics(s.withRequestID(s.authenticate(s.rateLimit(h))))
}

// ProtectRole is Protect for principals holding the role only; others are
// answered 403.
func (s *Server) ProtectRole(role string, h http.Handler) http.Handler {
	return s.Protect(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !kizuna.PrincipalFromContext(r.Context()).HasRole(role) {
			s.writeError(w, r, kizuna.Errorf(kizuna.EFORBIDDEN, "%s needs the %s role.", r.URL.Path, role))
			return
		}
		h.ServeHTTP(w, r)
	}))
}
