package web

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/kizuna-dev/kizuna"
)

// Cookie names. The session cookie is sealed; the login cookie only binds
// the login form's CSRF token to the browser; the language cookie holds a
// choice of language and nothing else.
const (
	sessionCookie = "kizuna_session"
	loginCookie   = "kizuna_login"
	langCookie    = "kizuna_lang"
)

// Documents of the node's state store. The key's name ends in ".secrets",
// so that a node on PostgreSQL keeps it sealed under its key file.
const (
	keyDocument    = "web-session.secrets"
	logoutDocument = "web-session-logout"
)

// Default session lifetimes.
const (
	DefaultIdle     = 30 * time.Minute
	DefaultAbsolute = 12 * time.Hour
	// refreshAfter is how long a session cookie is used before it is
	// issued again with a new last-seen time (idle expiry slides by it).
	refreshAfter = time.Minute
)

// session is what the sealed cookie holds.
type session struct {
	Principal string `json:"p"` // principal id
	TokenHash []byte `json:"t"` // the hash of the token the session was opened with
	Issued    int64  `json:"i"` // Unix nanoseconds
	Seen      int64  `json:"s"` // Unix seconds of the last refresh
	CSRF      string `json:"c"` // the forms' token
}

// sessions opens and seals session cookies with a key every instance of
// the node shares (a document of its state store), and ends them at
// logout through a per-principal logout time kept in the state store too.
type sessions struct {
	state      kizuna.StateStore
	principals kizuna.PrincipalStore
	aead       cipher.AEAD
	mac        []byte // key of the login form's CSRF token
	idle       time.Duration
	absolute   time.Duration
	now        func() time.Time
}

// sessionAAD binds a sealed cookie to its use.
var sessionAAD = []byte("kizuna web session v1")

// newSessions loads the shared key, making it on first use.
func newSessions(ctx context.Context, state kizuna.StateStore, principals kizuna.PrincipalStore, idle, absolute time.Duration) (*sessions, error) {
	var key []byte
	err := state.UpdateState(ctx, keyDocument, func(old []byte) ([]byte, error) {
		if old != nil {
			var doc struct{ Key []byte }
			if err := json.Unmarshal(old, &doc); err != nil || len(doc.Key) != 64 {
				return nil, fmt.Errorf("%s: not a session key document", keyDocument)
			}
			key = doc.Key
			return old, nil
		}
		key = make([]byte, 64)
		rand.Read(key)
		return json.Marshal(struct{ Key []byte }{key})
	})
	if err != nil {
		return nil, fmt.Errorf("web sessions: %w", err)
	}
	block, err := aes.NewCipher(key[:32])
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	if idle <= 0 {
		idle = DefaultIdle
	}
	if absolute <= 0 {
		absolute = DefaultAbsolute
	}
	return &sessions{state: state, principals: principals, aead: aead, mac: key[32:], idle: idle, absolute: absolute, now: time.Now}, nil
}

// seal encrypts a session into a cookie value.
func (s *sessions) seal(ss *session) string {
	plain, _ := json.Marshal(ss)
	nonce := make([]byte, s.aead.NonceSize())
	rand.Read(nonce)
	return base64.RawURLEncoding.EncodeToString(s.aead.Seal(nonce, nonce, plain, sessionAAD))
}

// errSession is every reason a session cookie is not accepted; the reader
// is sent to the login form, whatever the reason.
var errSession = kizuna.Errorf(kizuna.EUNAUTHORIZED, "Your session has ended; sign in again.")

// open decrypts the request's session cookie and checks its times (not
// the principal): nil, nil when the request has no session cookie.
func (s *sessions) open(r *http.Request) (*session, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil, nil
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(c.Value) // one spelling per cookie
	if err != nil || len(raw) < s.aead.NonceSize() {
		return nil, errSession
	}
	plain, err := s.aead.Open(nil, raw[:s.aead.NonceSize()], raw[s.aead.NonceSize():], sessionAAD)
	if err != nil {
		return nil, errSession
	}
	var ss session
	if err := json.Unmarshal(plain, &ss); err != nil || ss.Principal == "" || ss.CSRF == "" {
		return nil, errSession
	}
	now := s.now()
	issued, seen := time.Unix(0, ss.Issued), time.Unix(ss.Seen, 0)
	if now.Sub(issued) > s.absolute || now.Sub(seen) > s.idle || issued.After(now.Add(time.Minute)) {
		return nil, errSession
	}
	return &ss, nil
}

// principal authenticates a request by its session cookie (the node's
// AcceptSessions hook): the principal is found by the hash of the token
// the session was opened with, as a bearer token is, so a revoked
// principal (or a replaced token) ends its sessions at once; a session
// opened before its principal's last logout is refused. A request that
// changes anything (a method other than GET and HEAD) is accepted only
// from the workspace's own forms with the session's CSRF token: the
// cookie never authorises a TAXII or API write.
func (s *sessions) principal(r *http.Request) (*kizuna.Principal, error) {
	ss, err := s.open(r)
	if ss == nil || err != nil {
		return nil, err
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		if !isForm(r.Context()) || !s.checkCSRF(r, ss) {
			return nil, errSession
		}
	}
	p, err := s.find(r.Context(), ss)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// find returns the session's principal, or errSession.
func (s *sessions) find(ctx context.Context, ss *session) (*kizuna.Principal, error) {
	p, err := s.principals.FindPrincipalByTokenHash(ctx, ss.TokenHash)
	if kizuna.ErrorCode(err) == kizuna.ENOTFOUND {
		return nil, errSession
	} else if err != nil {
		return nil, err
	}
	if p == nil || p.RevokedAt != nil || subtle.ConstantTimeCompare([]byte(p.ID), []byte(ss.Principal)) != 1 {
		return nil, errSession
	}
	out, err := s.loggedOut(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	if !out.IsZero() && !time.Unix(0, ss.Issued).After(out) {
		return nil, errSession
	}
	return p, nil
}

// loggedOut returns the time of the principal's last logout (zero if
// none).
func (s *sessions) loggedOut(ctx context.Context, principal string) (time.Time, error) {
	data, err := s.state.ReadState(ctx, logoutDocument)
	if kizuna.ErrorCode(err) == kizuna.ENOTFOUND {
		return time.Time{}, nil
	} else if err != nil {
		return time.Time{}, err
	}
	var out map[string]int64
	if err := json.Unmarshal(data, &out); err != nil {
		return time.Time{}, fmt.Errorf("%s: %w", logoutDocument, err)
	}
	if t, ok := out[principal]; ok {
		return time.Unix(0, t), nil
	}
	return time.Time{}, nil
}

// logout ends every session of the principal opened until now, on every
// instance.
func (s *sessions) logout(ctx context.Context, principal string) error {
	return s.state.UpdateState(ctx, logoutDocument, func(old []byte) ([]byte, error) {
		out := map[string]int64{}
		if old != nil {
			if err := json.Unmarshal(old, &out); err != nil {
				return nil, fmt.Errorf("%s: %w", logoutDocument, err)
			}
		}
		out[principal] = s.now().UnixNano()
		return json.Marshal(out)
	})
}

// start makes the session of a principal that signed in with the token
// of hash tokenHash. A session starts in the second after the principal's
// last logout at the earliest (times in nanoseconds), so that a logout
// never ends the session opened right after it.
func (s *sessions) start(ctx context.Context, p *kizuna.Principal, tokenHash []byte) (*session, error) {
	now := s.now()
	out, err := s.loggedOut(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	if !now.After(out) {
		return nil, errors.New("a session cannot start at the instant of its principal's logout; retry")
	}
	return &session{Principal: p.ID, TokenHash: tokenHash, Issued: now.UnixNano(), Seen: now.Unix(), CSRF: randomToken()}, nil
}

// cookie is the session's cookie; Secure when the client reached the node
// over TLS.
func (s *sessions) cookie(ss *session, secure bool) *http.Cookie {
	return &http.Cookie{
		Name: sessionCookie, Value: s.seal(ss), Path: "/", HttpOnly: true, Secure: secure,
		SameSite: http.SameSiteStrictMode, MaxAge: int(s.absolute / time.Second),
	}
}

// refresh re-issues the cookie when it was last refreshed more than
// refreshAfter ago, so that idle expiry counts from the last request.
func (s *sessions) refresh(w http.ResponseWriter, ss *session, secure bool) {
	now := s.now()
	if now.Sub(time.Unix(ss.Seen, 0)) < refreshAfter {
		return
	}
	next := *ss
	next.Seen = now.Unix()
	http.SetCookie(w, s.cookie(&next, secure))
}

// clear removes the session cookie from the browser.
func clearCookie(w http.ResponseWriter, name string, secure bool) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", HttpOnly: true, Secure: secure, SameSite: http.SameSiteStrictMode, MaxAge: -1})
}

// checkCSRF reports whether the request's form carries the session's
// CSRF token.
func (s *sessions) checkCSRF(r *http.Request, ss *session) bool {
	got := formValue(r, csrfField)
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(ss.CSRF)) == 1
}

// loginToken is the login form's CSRF token for the browser's login
// cookie value.
func (s *sessions) loginToken(nonce string) string {
	m := hmac.New(sha256.New, s.mac)
	m.Write([]byte("login\x00" + nonce))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// randomToken returns 256 random bits, URL-safe.
func randomToken() string {
	var b [32]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
