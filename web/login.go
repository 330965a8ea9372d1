package web

import (
	"context"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"time"

	"github.com/kizuna-dev/kizuna"
)

func init() {
	register(page{Pattern: "GET /login", Template: "login.html", Public: true, Handle: (*Server).loginForm})
	register(page{Pattern: "POST /login", Template: "login.html", Public: true, Handle: (*Server).login})
}

// loginData is the content of the login form.
type loginData struct {
	Next, Error string
}

// loginForm serves the token form. Its CSRF token is bound to a random
// value in a cookie of its own (the reader has no session yet).
func (s *Server) loginForm(v *View, r *http.Request) error {
	v.Title = v.T("login.title")
	v.CSRF = s.loginCSRF(v.w, r)
	next := r.URL.Query().Get("next")
	if !localPath(next) {
		next = "/"
	}
	v.Data = loginData{Next: next}
	return nil
}

// loginCSRF returns the login form's CSRF token, setting the login cookie
// when the browser has none.
func (s *Server) loginCSRF(w http.ResponseWriter, r *http.Request) string {
	nonce := ""
	if c, err := r.Cookie(loginCookie); err == nil && len(c.Value) == 43 {
		nonce = c.Value
	} else {
		nonce = randomToken()
		http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: nonce, Path: "/login", HttpOnly: true,
			Secure: s.router.SecureRequest(r), SameSite: http.SameSiteStrictMode, MaxAge: 3600})
	}
	return s.sessions.loginToken(nonce)
}

// login checks the form's token through the node's own authentication
// (as a bearer token: the same lookup, the same throttle of failed
// attempts per client address, the same audit) and opens a session.
func (s *Server) login(v *View, r *http.Request) error {
	r.Body = http.MaxBytesReader(v.w, r.Body, 64<<10)
	v.Title = v.T("login.title")
	next := r.PostFormValue("next")
	if !localPath(next) {
		next = "/"
	}
	data := loginData{Next: next}
	c, err := r.Cookie(loginCookie)
	want := ""
	if err == nil {
		want = s.sessions.loginToken(c.Value)
	}
	if got := r.PostFormValue(csrfField); want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		data.Error = v.T("login.expired")
		v.CSRF = s.loginCSRF(v.w, r)
		v.Data = data
		v.SetStatus(http.StatusForbidden)
		return nil
	}
	token := r.PostFormValue("token")
	p, status := s.authenticate(r, token)
	if p == nil {
		switch status {
		case http.StatusTooManyRequests:
			data.Error = v.T("login.throttled")
		case http.StatusUnauthorized, http.StatusBadRequest:
			data.Error = v.T("login.invalid")
		default:
			data.Error = v.T("error." + kizuna.EINTERNAL)
		}
		v.CSRF = want
		v.Data = data
		v.SetStatus(status)
		return nil
	}
	ss, err := s.sessions.start(r.Context(), p, kizuna.HashToken(token))
	if err != nil {
		return err
	}
	secure := s.router.SecureRequest(r)
	http.SetCookie(v.w, s.sessions.cookie(ss, secure))
	clearCookie(v.w, loginCookie, secure)
	s.audit(r.Context(), p, "session.start", "signed in to the web workspace")
	v.Redirect(next)
	return nil
}

// authenticate runs the node's authentication on the token as a bearer
// token and returns the principal, or nil and the HTTP status of the
// refusal.
func (s *Server) authenticate(r *http.Request, token string) (*kizuna.Principal, int) {
	if token == "" {
		return nil, http.StatusUnauthorized
	}
	var found *kizuna.Principal
	req := r.Clone(r.Context())
	req.Header = r.Header.Clone()
	req.Header.Del("Cookie")
	req.Header.Set("Authorization", "Bearer "+token)
	req.Method, req.Body, req.ContentLength = http.MethodGet, http.NoBody, 0
	rec := &statusRecorder{header: http.Header{}}
	s.router.Protect(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		found = kizuna.PrincipalFromContext(r.Context())
	})).ServeHTTP(rec, req)
	if found == nil {
		if rec.status == 0 {
			rec.status = http.StatusInternalServerError
		}
		return nil, rec.status
	}
	return found, http.StatusOK
}

// statusRecorder keeps the status of a response it discards.
type statusRecorder struct {
	header http.Header
	status int
}

func (w *statusRecorder) Header() http.Header { return w.header }
func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}
func (w *statusRecorder) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return len(b), nil
}

// audit records a session event of the principal.
func (s *Server) audit(ctx context.Context, p *kizuna.Principal, action, reason string) {
	ev := &kizuna.AuditEvent{Time: time.Now().UTC(), Principal: p.ID, Action: action, Object: p.Name, Decision: "allow", Reason: reason}
	if err := s.n.Store.AppendAudit(context.WithoutCancel(ctx), ev); err != nil {
		s.log.ErrorContext(ctx, "audit append failed", slog.String("error", err.Error()))
	}
}
