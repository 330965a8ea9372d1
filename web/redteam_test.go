package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna/node"
	"github.com/kizuna-dev/kizuna/node/nodetest"
	"github.com/kizuna-dev/kizuna/web"
)

// browserTarget is where a browser goes for a Location header: it drops
// ASCII tab and newline and reads a backslash as a slash (the WHATWG URL
// parser), so "/\t/evil.example" is the address //evil.example.
func browserTarget(loc string) string {
	loc = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(loc)
	return strings.ReplaceAll(loc, `\`, "/")
}

// TestRedirectsStayOnTheNode sends the language switch and the login form
// addresses of other sites in next, spelled the ways a browser reads as
// another host: every redirect stays on the node.
func TestRedirectsStayOnTheNode(t *testing.T) {
	w := startWorkspace(t, nodetest.Options{}, node.ServeConfig{}, web.Options{})
	hostile := []string{
		"/\t/evil.example", "/\n/evil.example", "/\r/evil.example", "/\t\\evil.example",
		"\t//evil.example", "//evil.example", "/\\evil.example", "https://evil.example/",
		"/\x00/evil.example", "/\x7f/evil.example", "/\\\t/evil.example",
	}
	local := func(t *testing.T, what, next, loc string) {
		t.Helper()
		if got := browserTarget(loc); !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") {
			t.Errorf("%s with next %q: Location %q takes a browser to %q", what, next, loc, got)
		}
	}
	for _, next := range hostile {
		// The transport does not follow redirects, nor refuse a Location
		// with a control character as a client would.
		req, _ := http.NewRequest(http.MethodGet, w.Base+"/lang/ja?next="+url.QueryEscape(next), nil)
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		local(t, "language switch", next, resp.Header.Get("Location"))

		// The login form carries next to the sign-in, which redirects to it.
		c := w.client(t)
		c.get("/login?next=" + url.QueryEscape(next))
		form := url.Values{"token": {w.tokens["tanaka"]}, "next": {next}, "csrf": {c.csrf}}
		req, _ = http.NewRequest(http.MethodPost, w.Base+"/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for _, ck := range c.hc.Jar.Cookies(req.URL) {
			req.AddCookie(ck)
		}
		resp, err = http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign-in with next %q: %d", next, resp.StatusCode)
		}
		local(t, "sign-in", next, resp.Header.Get("Location"))
	}
}
