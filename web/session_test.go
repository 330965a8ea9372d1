package web_test

import (
	"context"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna/node"
	"github.com/kizuna-dev/kizuna/node/nodetest"
	"github.com/kizuna-dev/kizuna/web"
)

// TestSignInAndOut follows a session from the login form to logout: the
// cookie's attributes, the CSRF token on every form, and a copied cookie
// refused after logout.
func TestSignInAndOut(t *testing.T) {
	w := startWorkspace(t, nodetest.Options{}, node.ServeConfig{}, web.Options{})
	c := w.client(t)
	if p := c.get("/"); !strings.HasSuffix(p.url, "/login?next=%2F") || p.status != http.StatusOK {
		t.Fatalf("GET / without a session: %d at %s, want the login form", p.status, p.url)
	}
	if p := c.post("/login", url.Values{"token": {"kzn_wrong"}}); p.status != http.StatusUnauthorized || !strings.Contains(p.body, "Invalid token.") {
		t.Fatalf("a wrong token: %d %.400s", p.status, p.body)
	}
	if p := c.post("/login", url.Values{"token": {w.tokens["tanaka"]}, "csrf": {"forged"}}); p.status != http.StatusForbidden {
		t.Fatalf("a sign-in without the form's CSRF token: %d, want 403", p.status)
	}
	// The login form's token belongs to the browser's login cookie: a
	// form another browser got does not sign this one in.
	other := w.client(t)
	other.get("/login")
	if p := c.post("/login", url.Values{"token": {w.tokens["tanaka"]}, "csrf": {other.csrf}}); p.status != http.StatusForbidden {
		t.Fatalf("a sign-in with another browser's CSRF token: %d, want 403", p.status)
	}

	resp := c.signInResponse(w.tokens["tanaka"])
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Fatalf("sign-in: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	var session *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == "kizuna_session" {
			session = ck
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteStrictMode || session.Secure || session.Path != "/" {
		t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Strict, not Secure over plain HTTP", session)
	}
	if strings.Contains(session.Value, w.tokens["tanaka"]) || strings.Contains(session.Value, "tanaka") {
		t.Fatal("the session cookie holds the token or the name in the clear")
	}
	c.hc.Jar.SetCookies(resp.Request.URL, []*http.Cookie{session})
	p := c.get("/")
	if p.status != http.StatusOK || !strings.Contains(p.body, `id="who">tanaka`) {
		t.Fatalf("GET / signed in: %d %.300s", p.status, p.body)
	}
	for _, h := range []string{"Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy"} {
		if p.header.Get(h) == "" {
			t.Errorf("the page lacks %s", h)
		}
	}
	if csp := p.header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("Content-Security-Policy %q", csp)
	}
	if strings.Contains(p.body, "<script>") || strings.Contains(p.body, " style=") || strings.Contains(p.body, " onclick=") {
		t.Error("a page carries inline script or style")
	}

	// Logout needs the form's CSRF token.
	if p := c.post("/logout", url.Values{"csrf": {"forged"}}); p.status != http.StatusForbidden {
		t.Fatalf("logout with a forged CSRF token: %d at %s, want 403", p.status, p.url)
	}
	if p := c.get("/"); strings.Contains(p.url, "/login") {
		t.Fatal("a forged logout ended the session (or the refused request did)")
	}
	if p := c.post("/logout", url.Values{}); !strings.HasSuffix(p.url, "/login") {
		t.Fatalf("logout: %d at %s", p.status, p.url)
	}
	copied := w.client(t)
	copied.hc.Jar.SetCookies(resp.Request.URL, []*http.Cookie{session})
	if p := copied.get("/"); !strings.Contains(p.url, "/login") {
		t.Fatalf("the cookie of a session that logged out still opens %s", p.url)
	}
	// A new sign-in works again.
	w.signedIn(t, "tanaka")
}

// TestRevokedPrincipalSessionEnds revokes a signed-in principal: its next
// page is the login form, and its token no longer signs in.
func TestRevokedPrincipalSessionEnds(t *testing.T) {
	w := startWorkspace(t, nodetest.Options{}, node.ServeConfig{}, web.Options{})
	c := w.signedIn(t, "smith")
	if err := w.Store.RevokePrincipal(context.Background(), "smith"); err != nil {
		t.Fatal(err)
	}
	if p := c.get("/"); !strings.Contains(p.url, "/login") {
		t.Fatalf("a revoked principal's session still opens %s (%d)", p.url, p.status)
	}
	if p := w.client(t).login(w.tokens["smith"]); p.status != http.StatusUnauthorized {
		t.Fatalf("a revoked principal's token signs in: %d", p.status)
	}
}

// TestSessionReadsTheAPI: the session authenticates the node's GET routes
// as the principal's token does, and never a TAXII write.
func TestSessionReadsTheAPI(t *testing.T) {
	w := startWorkspace(t, nodetest.Options{}, node.ServeConfig{}, web.Options{})
	c := w.signedIn(t, "tanaka")
	c.header.Set("Accept", "application/taxii+json;version=2.1")
	p := c.get("/taxii2/api/collections/sample/objects/" + secondStage + "/")
	if p.status != http.StatusOK || !strings.Contains(p.body, secondStage) {
		t.Fatalf("TAXII GET of the 極秘 indicator with tanaka's session: %d %.300s", p.status, p.body)
	}
	m := w.signedIn(t, "mitchell")
	m.header.Set("Accept", "application/taxii+json;version=2.1")
	if p := m.get("/taxii2/api/collections/sample/objects/" + secondStage + "/"); p.status != http.StatusNotFound {
		t.Fatalf("TAXII GET of the 極秘 indicator with mitchell's session: %d, want 404", p.status)
	}
	body := `{"objects":[{"type":"indicator","spec_version":"2.1","id":"indicator--4f6a4c7e-7b1e-4a53-9d68-0d1e0f0a1b2c","created":"2026-12-01T00:00:00Z","modified":"2026-12-01T00:00:00Z","pattern":"[ipv4-addr:value = '203.0.113.9']","pattern_type":"stix","valid_from":"2026-12-01T00:00:00Z"}]}`
	j := w.signedIn(t, "jones")
	req, _ := http.NewRequest(http.MethodPost, w.Base+"/taxii2/api/collections/sample/objects/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/taxii+json;version=2.1")
	req.Header.Set("Accept", "application/taxii+json;version=2.1")
	j.csrf = ""
	if p := j.do(req); p.status != http.StatusUnauthorized {
		t.Fatalf("TAXII POST with a publisher's session cookie: %d, want 401", p.status)
	}
}

// TestSecureCookie: the session cookie is Secure when a trusted proxy
// says the client used HTTPS, and only then.
func TestSecureCookie(t *testing.T) {
	trusted := netip.MustParsePrefix("127.0.0.1/32")
	w := startWorkspace(t, nodetest.Options{}, node.ServeConfig{TrustedProxies: []netip.Prefix{trusted}}, web.Options{})
	plain := startWorkspace(t, nodetest.Options{}, node.ServeConfig{}, web.Options{})
	for _, tc := range []struct {
		w      *workspace
		secure bool
	}{{w, true}, {plain, false}} {
		c := tc.w.client(t)
		c.header.Set("X-Forwarded-Proto", "https")
		resp := c.signInResponse(tc.w.tokens["tanaka"])
		if hsts := resp.Header.Get("Strict-Transport-Security") != ""; hsts != tc.secure {
			t.Errorf("X-Forwarded-Proto: https from a proxy trusted %t: HSTS %t", tc.secure, hsts)
		}
		found := false
		for _, ck := range resp.Cookies() {
			if ck.Name == "kizuna_session" {
				found = true
				if ck.Secure != tc.secure {
					t.Errorf("X-Forwarded-Proto: https from a proxy trusted %t: Secure %t", tc.secure, ck.Secure)
				}
			}
		}
		if !found {
			t.Errorf("no session cookie (%d)", resp.StatusCode)
		}
	}
}

// TestSessionAcrossInstances signs in on one instance of a node on
// PostgreSQL and reads through another; logging out on the second ends
// the session on the first.
func TestSessionAcrossInstances(t *testing.T) {
	pg := nodetest.Postgres(t)
	dir := t.TempDir()
	a := startWorkspace(t, nodetest.Options{Store: pg, Dir: dir + "/a"}, node.ServeConfig{}, web.Options{})
	b := &workspace{Served: nodetest.Serve(t, nodetest.Options{Store: pg, Dir: dir + "/b", KeyFile: a.KeyFile}, node.ServeConfig{Mounts: []node.Mount{web.Mount(web.Options{})}}), tokens: a.tokens}
	c := a.signedIn(t, "tanaka")
	u, _ := url.Parse(a.Base)
	cookies := c.hc.Jar.Cookies(u)
	onB := b.client(t)
	ub, _ := url.Parse(b.Base)
	onB.hc.Jar.SetCookies(ub, cookies)
	p := onB.get("/objects/" + secondStage)
	if p.status != http.StatusOK || !strings.Contains(p.body, "CRANELOADER second-stage server") {
		t.Fatalf("instance b with instance a's session: %d at %s", p.status, p.url)
	}
	if p := onB.post("/logout", url.Values{}); !strings.HasSuffix(p.url, "/login") {
		t.Fatalf("logout on b: %d at %s", p.status, p.url)
	}
	if p := c.get("/"); !strings.Contains(p.url, "/login") {
		t.Fatalf("the session logged out on b still opens %s on a", p.url)
	}
}
