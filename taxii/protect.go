package taxii

import "net/http"

// Protect serves h behind the same middleware as the TAXII routes: panic
// recovery, request ids, authentication (the principal lands in the request
// context) and rate limits, with errors as TAXII error objects. The node
// uses it to mount its native API beside TAXII with one authentication.
func (s *Server) Protect(h http.Handler) http.Handler {
	s.Handler() // start the server's shared state once
	return s.recoverPanics(s.withRequestID(s.authenticate(s.rateLimit(h))))
}
