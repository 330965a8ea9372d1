package taxii

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

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
//
// A client address that has failed too often (Config.AuthFailures) is
// refused before its credentials are looked up; a request without
// credentials costs no lookup and is not counted.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		counted := s.authFailures != nil && r.Header.Get("Authorization") != ""
		var addr string
		if counted {
			addr = clientAddress(r, s.cfg.TrustedProxies)
			if blocked, wait := s.authFailures.blocked(addr); blocked {
				w.Header().Set("Retry-After", retryAfter(wait))
				s.writeError(w, r, kizuna.Errorf(codeRateLimited, "Too many failed authentications from this address; retry later."))
				return
			}
		}
		p, err := s.principalFor(r)
		if err != nil {
			if kizuna.ErrorCode(err) == kizuna.EUNAUTHORIZED {
				w.Header().Set("WWW-Authenticate", challenge)
				if counted {
					s.countAuthFailure(r, addr)
				}
			}
			s.writeError(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(kizuna.NewContextWithPrincipal(r.Context(), p)))
	})
}

// Authenticate finds the principal of a request's credentials again (its
// token, or its session through Sessions), without counting a failure: a
// long request (a live stream) checks with it that what authenticated it
// still does.
func (s *Server) Authenticate(r *http.Request) (*kizuna.Principal, error) { return s.principalFor(r) }

func (s *Server) principalFor(r *http.Request) (*kizuna.Principal, error) {
	h := r.Header.Get("Authorization")
	if h == "" && s.Sessions != nil {
		p, err := s.Sessions(r)
		if err != nil || p != nil {
			return p, err
		}
	}
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

// maxThrottledAddresses bounds the addresses whose failed authentications
// are counted at once (a few MB); past it, those that have regained their
// whole allowance are forgotten, and while none has, requests with
// credentials from any other address are refused (fail closed).
const maxThrottledAddresses = 65536

// countAuthFailure counts a failed authentication against the client
// address, and logs and audits the address when this failure uses up its
// allowance. The credentials are never logged.
func (s *Server) countAuthFailure(r *http.Request, addr string) {
	if ok, _ := s.authFailures.allow(addr); !ok {
		return // already blocked: refused before the lookup from now on
	}
	blocked, wait := s.authFailures.blocked(addr)
	if !blocked {
		return
	}
	ctx := r.Context()
	s.Logger.WarnContext(ctx, "failed authentications throttled", slog.String("client", addr),
		slog.Int("allowed_per_minute", s.cfg.AuthFailures), slog.Duration("retry_after", wait),
		slog.String("request_id", kizuna.RequestIDFromContext(ctx)))
	if s.Audit == nil {
		return
	}
	ev := &kizuna.AuditEvent{Action: "auth.throttle", Object: addr, Decision: "deny",
		Reason: fmt.Sprintf("%d failed authentications within a minute; requests with credentials refused for %s", s.cfg.AuthFailures, wait.Round(time.Second))}
	if err := s.Audit.AppendAudit(context.WithoutCancel(ctx), ev); err != nil {
		s.Logger.ErrorContext(ctx, "audit append failed", slog.String("error", err.Error()))
	}
}

// clientAddress is the key of the client's failed authentications: its IP
// address, or the /64 prefix of an IPv6 address. The client's address is
// the connection's, or, when that is a trusted proxy, the last address in
// X-Forwarded-For that is not a trusted proxy: the one the outermost
// trusted proxy saw. Forwarded-for headers from any other address are not
// trusted: a client could set them to escape the limit.
func clientAddress(r *http.Request, trusted []netip.Prefix) string {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	a := ap.Addr().Unmap()
	if isTrusted(a, trusted) {
		hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			h, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				break // a malformed entry: keep the last address known good
			}
			a = h.Unmap()
			if !isTrusted(a, trusted) {
				break
			}
		}
	}
	if a.Is6() {
		if p, err := a.Prefix(64); err == nil {
			return p.String()
		}
	}
	return a.String()
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
