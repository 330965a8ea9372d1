package taxii

import (
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/kizuna-dev/kizuna"
)

// challenge is sent with every 401 so that clients know both schemes.
const challenge = `Basic realm="kizuna", Bearer`

// authenticate resolves the caller's credentials to a principal and puts it
// in the request context; without valid credentials the request ends with
// 401. Both schemes look the principal up by the hash of its token only:
// looking it up by name first would answer faster for unknown names and so
// reveal which names exist. For Basic, the name is compared afterwards in
// constant time.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := s.principalFor(r)
		if err != nil {
			if kizuna.ErrorCode(err) == kizuna.EUNAUTHORIZED {
				w.Header().Set("WWW-Authenticate", challenge)
			}
			s.writeError(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(kizuna.NewContextWithPrincipal(r.Context(), p)))
	})
}

func (s *Server) principalFor(r *http.Request) (*kizuna.Principal, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return nil, kizuna.Errorf(kizuna.EUNAUTHORIZED, "Authentication required: send HTTP Basic credentials (name and token) or a bearer token.")
	}
	scheme, cred, _ := strings.Cut(h, " ")
	cred = strings.TrimSpace(cred)
	var name, token string
	basic := false
	switch strings.ToLower(scheme) {
	case "bearer":
		token = cred
	case "basic":
		raw, err := base64.StdEncoding.DecodeString(cred)
		if err != nil {
			return nil, kizuna.Errorf(kizuna.EUNAUTHORIZED, "Authorization header: Basic credentials are not valid base64.")
		}
		var ok bool
		name, token, ok = strings.Cut(string(raw), ":")
		if !ok {
			return nil, kizuna.Errorf(kizuna.EUNAUTHORIZED, "Authorization header: Basic credentials lack the ':' between name and token.")
		}
		basic = true
	default:
		return nil, kizuna.Errorf(kizuna.EUNAUTHORIZED, "Authorization header: scheme %q is not supported; use Basic or Bearer.", truncate(scheme, 20))
	}
	if token == "" {
		return nil, kizuna.Errorf(kizuna.EUNAUTHORIZED, "Authorization header: the token is empty.")
	}
	p, err := s.Principals.FindPrincipalByTokenHash(r.Context(), kizuna.HashToken(token))
	if kizuna.ErrorCode(err) == kizuna.ENOTFOUND {
		return nil, kizuna.Errorf(kizuna.EUNAUTHORIZED, "Invalid credentials.")
	} else if err != nil {
		return nil, err
	}
	if p == nil || p.RevokedAt != nil {
		return nil, kizuna.Errorf(kizuna.EUNAUTHORIZED, "Invalid credentials.")
	}
	if basic && subtle.ConstantTimeCompare([]byte(name), []byte(p.Name)) != 1 {
		return nil, kizuna.Errorf(kizuna.EUNAUTHORIZED, "Invalid credentials.")
	}
	return p, nil
}
