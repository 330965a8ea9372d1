package web

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/deconflict/dcapi"
	"github.com/kizuna-dev/kizuna/defense/defapi"
	"github.com/kizuna-dev/kizuna/exercise/exapi"
	"github.com/kizuna-dev/kizuna/node"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// Options tune the workspace.
type Options struct {
	// Idle and Absolute end a session after so long without a request, and
	// so long after sign-in (0: DefaultIdle, DefaultAbsolute).
	Idle, Absolute time.Duration
	// Defense, when set, returns the node's collective-defense server
	// (mounted before the workspace), which the incident and consultation
	// pages read and act through.
	Defense func() *defapi.Server
	// Deconfliction, when set, returns the node's deconfliction registry,
	// which the deconfliction page reads through.
	Deconfliction func() *dcapi.Server
	// Exercises, when set, returns the node's exercise server, which the
	// exercise pages read through.
	Exercises func() *exapi.Server
}

// Mount serves the workspace at / on a node.
func Mount(opt Options) node.Mount {
	return func(n *node.Node, r *node.Router) error {
		s, err := newServer(n, r, opt)
		if err != nil {
			return err
		}
		r.AcceptSessions(s.sessions.principal)
		s.routes(r.Mux)
		return nil
	}
}

// Server is the workspace of one node.
type Server struct {
	n        *node.Node
	router   *node.Router
	sessions *sessions
	log      *slog.Logger
	opt      Options
	// templates holds each page's template set: the layout and the page.
	templates map[string]*template.Template
}

func newServer(n *node.Node, r *node.Router, opt Options) (*Server, error) {
	ss, err := newSessions(context.Background(), n.State, n.Store, opt.Idle, opt.Absolute)
	if err != nil {
		return nil, err
	}
	s := &Server{n: n, router: r, sessions: ss, log: n.Logger, opt: opt, templates: map[string]*template.Template{}}
	names := []string{"error.html"}
	for _, p := range pages {
		names = append(names, p.Template)
	}
	for _, name := range names {
		if _, ok := s.templates[name]; ok || name == "" {
			continue
		}
		t, err := template.New(name).ParseFS(templateFiles, "templates/layout.html", "templates/"+name)
		if err != nil {
			return nil, err
		}
		s.templates[name] = t
	}
	return s, nil
}

// page is one page of the workspace (see the package documentation).
type page struct {
	// Pattern is the route, with its method: "GET /objects/{id}".
	Pattern string
	// Template is the page's file under templates/, which defines
	// "content"; "" for a handler that only redirects.
	Template string
	// Nav, when set, is the message key of the page's entry in the
	// navigation, linking to NavPath; Order sorts the entries.
	Nav     string
	NavPath string
	Order   int
	// Role, when set, is the role a principal needs for the page (and its
	// navigation entry).
	Role string
	// Public pages are served without a session (the login form).
	Public bool
	// Handle fills in the view (or returns an error, or redirects with
	// v.Redirect). It reads objects through s.n.Guard only.
	Handle func(s *Server, v *View, r *http.Request) error
}

// pages are the registered pages, each from its own file's init.
var pages []page

// register adds a page; each page file calls it from init.
func register(p page) { pages = append(pages, p) }

// navItem is an entry of the navigation.
type navItem struct {
	Key, Path string
	Active    bool
}

// routes registers every page and the static files.
func (s *Server) routes(mux *http.ServeMux) {
	static, _ := fs.Sub(staticFiles, "static")
	files := http.StripPrefix("/static/", http.FileServerFS(static))
	mux.Handle("GET /static/", s.securityHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	})))
	mux.Handle("GET /lang/{code}", s.securityHeaders(http.HandlerFunc(s.handleLanguage)))
	for _, p := range pages {
		if p.Public {
			mux.Handle(p.Pattern, s.securityHeaders(s.public(p)))
			continue
		}
		mux.Handle(p.Pattern, s.securityHeaders(s.protected(p)))
	}
}

// contentSecurityPolicy allows the workspace's own scripts, styles and
// images only: no inline script or style, no framing, forms posting to the
// node only.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// securityHeaders sets the headers every workspace response carries;
// over TLS, HSTS too.
func (s *Server) securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", contentSecurityPolicy)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		if s.router.SecureRequest(r) {
			hd.Set("Strict-Transport-Security", "max-age=31536000")
		}
		h.ServeHTTP(w, r)
	})
}

// formKey marks the context of a request to one of the workspace's own
// pages, which may carry a form (see sessions.principal).
type formKey struct{}

func isForm(ctx context.Context) bool { return ctx.Value(formKey{}) != nil }

// csrfField is the name of every form's CSRF token field.
const csrfField = "csrf"

// parseForm reads a POSTed form, urlencoded or multipart (at most 1 MiB of
// it in memory, the rest of an upload in temporary files).
func parseForm(r *http.Request) error {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		return r.ParseMultipartForm(1 << 20)
	}
	return r.ParseForm()
}

// formValue returns a field of a POSTed form the workspace read
// (parseForm); "" when it was not read.
func formValue(r *http.Request, name string) string {
	if r.PostForm == nil {
		return ""
	}
	return r.PostForm.Get(name)
}

// protected serves a page to a signed-in principal: through the node's
// authentication (the session cookie, by the AcceptSessions hook) and rate
// limits, so that the principal reaches the handler in the request's
// context exactly as a bearer token's does. A request without a valid
// session is sent to the login form.
func (s *Server) protected(p page) http.Handler {
	inner := s.router.Protect(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Context().Value(pageWriterKey{}).(*pageWriter).passed = true
		ss, err := s.sessions.open(r)
		if ss == nil || err != nil { // cannot be: the hook accepted it
			s.toLogin(w, r)
			return
		}
		s.sessions.refresh(w, ss, s.router.SecureRequest(r))
		v := s.view(w, r, ss)
		if p.Role != "" && !v.Principal.HasRole(p.Role) {
			s.fail(v, r, kizuna.Errorf(kizuna.EFORBIDDEN, "%s needs the %s role", r.URL.Path, p.Role))
			return
		}
		s.serve(p, v, r)
	}))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ss, err := s.sessions.open(r)
		if ss == nil || err != nil {
			// No cookie, or one this node did not seal or that has
			// expired: nothing of the request is read.
			if err != nil {
				clearCookie(w, sessionCookie, s.router.SecureRequest(r))
			}
			s.toLogin(w, r)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			// A session that has ended (its principal logged out or was
			// revoked) has its form left unread, as one without a
			// cookie.
			if _, err := s.sessions.find(r.Context(), ss); kizuna.ErrorCode(err) == kizuna.EUNAUTHORIZED {
				clearCookie(w, sessionCookie, s.router.SecureRequest(r))
				s.toLogin(w, r)
				return
			} else if err != nil {
				s.fail(s.view(w, r, nil), r, err)
				return
			}
			// The form is read here, once, so that its uploaded files
			// are removed when the request ends.
			r.Body = http.MaxBytesReader(w, r.Body, s.router.Limits().MaxContentLength+1<<20)
			if err := parseForm(r); err != nil {
				v := s.view(w, r, nil)
				v.Title = v.T("error.title")
				v.Data = errorData{Message: v.T("error.form")}
				status := http.StatusBadRequest
				var tooLarge *http.MaxBytesError
				if errors.As(err, &tooLarge) {
					status, v.Data = http.StatusRequestEntityTooLarge, errorData{Message: v.T("error.too_large", s.router.Limits().MaxContentLength)}
				}
				s.render(v, "error.html", status)
				return
			}
			if r.MultipartForm != nil {
				defer r.MultipartForm.RemoveAll()
			}
		}
		pw := &pageWriter{ResponseWriter: w}
		ctx := context.WithValue(r.Context(), formKey{}, true)
		r = r.WithContext(context.WithValue(ctx, pageWriterKey{}, pw))
		r.Header.Del("Authorization") // the page's principal is the session's
		inner.ServeHTTP(pw, r)
		if !pw.passed {
			s.refused(w, r, pw.status)
		}
	})
}

// public serves a page that needs no session.
func (s *Server) public(p page) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.serve(p, s.view(w, r, nil), r)
	})
}

// serve runs a page's handler and renders its view.
func (s *Server) serve(p page, v *View, r *http.Request) {
	if err := p.Handle(s, v, r); err != nil {
		s.fail(v, r, err)
		return
	}
	if v.redirect != "" {
		http.Redirect(v.w, r, v.redirect, http.StatusSeeOther)
		return
	}
	s.render(v, p.Template, v.status)
}

// pageWriterKey holds the request's pageWriter in its context.
type pageWriterKey struct{}

// pageWriter stands between the node's authentication and the page: what
// the authentication refuses (an ended session, a rate limit) is answered
// by the workspace, not with the API's JSON error body.
type pageWriter struct {
	http.ResponseWriter
	passed bool // the page's handler ran
	status int  // the refusal's status
}

func (w *pageWriter) WriteHeader(code int) {
	if w.passed {
		w.ResponseWriter.WriteHeader(code)
		return
	}
	w.status = code
}

func (w *pageWriter) Write(b []byte) (int, error) {
	if w.passed {
		return w.ResponseWriter.Write(b)
	}
	return len(b), nil
}

func (w *pageWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// refused answers a request the node's authentication refused.
func (s *Server) refused(w http.ResponseWriter, r *http.Request, status int) {
	for _, k := range []string{"Content-Type", "Content-Length", "WWW-Authenticate"} {
		w.Header().Del(k)
	}
	v := s.view(w, r, nil)
	code := kizuna.EINTERNAL
	if status == http.StatusUnauthorized {
		ss, err := s.sessions.open(r)
		if ss == nil || err != nil || r.Method == http.MethodGet || r.Method == http.MethodHead {
			clearCookie(w, sessionCookie, s.router.SecureRequest(r))
			s.toLogin(w, r)
			return
		}
		if _, err := s.sessions.find(r.Context(), ss); err != nil {
			clearCookie(w, sessionCookie, s.router.SecureRequest(r))
			s.toLogin(w, r)
			return
		}
		// A valid session whose form lacks its CSRF token: the session
		// goes on, the form is refused.
		status, code = http.StatusForbidden, "csrf"
	}
	switch status {
	case http.StatusTooManyRequests:
		code = "rate_limited"
	case http.StatusServiceUnavailable:
		code = kizuna.EUNAVAILABLE
	}
	v.status = status
	v.Title = v.T("error.title")
	v.Data = errorData{Message: v.T("error." + code)}
	s.render(v, "error.html", status)
}

// toLogin sends the browser to the login form, back to the page after.
func (s *Server) toLogin(w http.ResponseWriter, r *http.Request) {
	next := "/"
	if r.Method == http.MethodGet && localPath(r.URL.RequestURI()) {
		next = r.URL.RequestURI()
	}
	http.Redirect(w, r, "/login?next="+url.QueryEscape(next), http.StatusSeeOther)
}

// localPath reports whether p is a path of this node (not another site's
// address), fit to redirect to. A browser drops tab and newline from an
// address and reads a backslash as a slash, so that "/\t/host" and
// "/\\host" name another host: a path with a backslash or any control
// character is refused.
func localPath(p string) bool {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.Contains(p, "\\") {
		return false
	}
	for i := 0; i < len(p); i++ {
		if p[i] < 0x20 || p[i] == 0x7f {
			return false
		}
	}
	return true
}

// view starts the view of a request; ss is nil on public pages.
func (s *Server) view(w http.ResponseWriter, r *http.Request, ss *session) *View {
	v := &View{w: w, ctx: r.Context(), lang: language(r), policy: s.n.Policy.Config(), Node: s.n.Identity.Name, Path: r.URL.Path}
	v.msgs = catalogue[v.lang]
	if ss != nil {
		v.Principal = kizuna.PrincipalFromContext(r.Context())
		v.CSRF = ss.CSRF
		ps := slices.Clone(pages)
		slices.SortStableFunc(ps, func(a, b page) int { return a.Order - b.Order })
		for _, p := range ps {
			if p.Nav == "" || (p.Role != "" && !v.Principal.HasRole(p.Role)) {
				continue
			}
			active := r.URL.Path == p.NavPath || (p.NavPath != "/" && strings.HasPrefix(r.URL.Path, p.NavPath))
			v.Nav = append(v.Nav, navItem{Key: p.Nav, Path: p.NavPath, Active: active})
		}
	}
	return v
}

// render writes the view with the page's template inside the layout.
func (s *Server) render(v *View, name string, status int) {
	t := s.templates[name]
	v.banner = v.computeBanner()
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		s.log.Error("web: rendering failed", slog.String("template", name), slog.String("error", err.Error()))
		http.Error(v.w, "Internal error.", http.StatusInternalServerError)
		return
	}
	h := v.w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Language", v.lang)
	if status == 0 {
		status = http.StatusOK
	}
	v.w.WriteHeader(status)
	v.w.Write(buf.Bytes())
}

// errorData is the content of the error page.
type errorData struct{ Message string }

// fail answers a page whose handler failed. Its message says no more
// than the API's would: a missing object and one the reader may not read
// are the same "not found".
func (s *Server) fail(v *View, r *http.Request, err error) {
	code := kizuna.ErrorCode(err)
	status := http.StatusInternalServerError
	msg := v.T("error." + kizuna.EINTERNAL)
	switch code {
	case kizuna.ENOTFOUND:
		status, msg = http.StatusNotFound, v.T("error."+kizuna.ENOTFOUND)
	case kizuna.EFORBIDDEN:
		status, msg = http.StatusForbidden, v.T("error."+kizuna.EFORBIDDEN)
	case kizuna.EINVALID:
		status, msg = http.StatusBadRequest, kizuna.ErrorMessage(err)
	default:
		s.log.ErrorContext(r.Context(), "web: page failed", slog.String("path", r.URL.Path), slog.String("error", err.Error()))
	}
	v.marks = nil // nothing of the failed page is shown
	v.Title = v.T("error.title")
	v.Path = "/" // the language switch does not repeat the address either
	v.Data = errorData{Message: msg}
	s.render(v, "error.html", status)
}
