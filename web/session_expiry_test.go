package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/federation"
)

// onePrincipal is a principal store that holds one principal.
type onePrincipal struct {
	kizuna.PrincipalStore
	p    *kizuna.Principal
	hash []byte
}

func (s *onePrincipal) FindPrincipalByTokenHash(ctx context.Context, h []byte) (*kizuna.Principal, error) {
	if string(h) != string(s.hash) || s.p.RevokedAt != nil {
		return nil, kizuna.Errorf(kizuna.ENOTFOUND, "no principal")
	}
	return s.p, nil
}

// TestSessionExpiry moves a session's clock: it lives while used within
// the idle time, ends after the idle time without use, and ends at the
// absolute time however much it is used. A cookie altered in any byte,
// or sealed by another node's key, opens nothing.
func TestSessionExpiry(t *testing.T) {
	ctx := context.Background()
	tok := kizuna.NewToken()
	store := &onePrincipal{p: &kizuna.Principal{ID: "principal--1", Name: "a"}, hash: kizuna.HashToken(tok)}
	state := federation.DirState(t.TempDir())
	s, err := newSessions(ctx, state, store, 10*time.Minute, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return now }
	ss, err := s.start(ctx, store.p, kizuna.HashToken(tok))
	if err != nil {
		t.Fatal(err)
	}
	cookie := s.cookie(ss, false)
	use := func(c string) error {
		r := httptest.NewRequest("GET", "/", nil)
		r.AddCookie(&http.Cookie{Name: sessionCookie, Value: c})
		p, err := s.principal(r)
		if err == nil && p == nil {
			t.Fatal("a request with a cookie got no principal and no error")
		}
		if err == nil {
			// The browser keeps the refreshed cookie.
			rec := httptest.NewRecorder()
			got, _ := s.open(r)
			s.refresh(rec, got, false)
			for _, ck := range rec.Result().Cookies() {
				cookie.Value = ck.Value
			}
		}
		return err
	}
	for i := 0; i < 5; i++ { // used every 9 minutes: 45 minutes alive
		now = now.Add(9 * time.Minute)
		if err := use(cookie.Value); err != nil {
			t.Fatalf("after %d minutes of use: %v", (i+1)*9, err)
		}
	}
	now = now.Add(11 * time.Minute)
	if err := use(cookie.Value); err == nil {
		t.Fatal("a session unused for 11 minutes (idle 10) still opens")
	}

	// Absolute: used every 5 minutes, it ends an hour after sign-in.
	start := now
	ss, _ = s.start(ctx, store.p, kizuna.HashToken(tok))
	cookie = s.cookie(ss, false)
	for now.Sub(start) < time.Hour-5*time.Minute {
		now = now.Add(5 * time.Minute)
		if err := use(cookie.Value); err != nil {
			t.Fatalf("%s after sign-in: %v", now.Sub(start), err)
		}
	}
	now = now.Add(6 * time.Minute)
	if err := use(cookie.Value); err == nil {
		t.Fatal("a session used all along still opens past its absolute lifetime")
	}

	// Tampering and another key.
	ss, _ = s.start(ctx, store.p, kizuna.HashToken(tok))
	good := s.cookie(ss, false).Value
	if err := use(good); err != nil {
		t.Fatal(err)
	}
	for i := range good {
		b := []byte(good)
		b[i] ^= 1
		if string(b) == good {
			continue
		}
		if err := use(string(b)); err == nil {
			t.Fatalf("the cookie altered at byte %d opens", i)
		}
	}
	other, err := newSessions(ctx, federation.DirState(t.TempDir()), store, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	other.now = s.now
	if err := use(other.cookie(ss, false).Value); err == nil {
		t.Fatal("a cookie sealed with another node's key opens")
	}
	// The key is kept: a second start of the node (another instance)
	// opens the first one's cookies.
	again, err := newSessions(ctx, state, store, 10*time.Minute, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(&http.Cookie{Name: sessionCookie, Value: good})
	again.now = s.now
	if p, err := again.principal(r); err != nil || p == nil {
		t.Fatalf("another instance on the same state store: %v", err)
	}
	// Revocation ends it at once.
	revoked := now
	store.p.RevokedAt = &revoked
	if err := use(good); err == nil {
		t.Fatal("a revoked principal's session still opens")
	}
}
