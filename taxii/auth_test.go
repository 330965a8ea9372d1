package taxii_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna/taxii"
)

func basic(name, token string) http.Header {
	return http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte(name+":"+token))}}
}

func TestAuthentication(t *testing.T) {
	f := MustFixture(t, taxii.Config{})
	tests := []struct {
		name   string
		rq     request
		status int
	}{
		{"bearer", request{path: "/taxii2/"}, 200},
		{"basic", request{path: "/taxii2/", token: "-", header: basic("alice", "tok-alice")}, 200},
		{"basic lowercase scheme", request{path: "/taxii2/", token: "-", header: http.Header{"Authorization": {"basic " + base64.StdEncoding.EncodeToString([]byte("alice:tok-alice"))}}}, 200},
		{"no credentials", request{path: "/taxii2/", token: "-"}, 401},
		{"unknown token", request{path: "/taxii2/", token: "tok-nobody"}, 401},
		{"basic with another's name", request{path: "/taxii2/", token: "-", header: basic("bob", "tok-alice")}, 401},
		{"basic unknown name", request{path: "/taxii2/", token: "-", header: basic("mallory", "tok-alice")}, 401},
		{"basic bad base64", request{path: "/taxii2/", token: "-", header: http.Header{"Authorization": {"Basic %%%"}}}, 401},
		{"basic without colon", request{path: "/taxii2/", token: "-", header: http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte("alice"))}}}, 401},
		{"empty bearer", request{path: "/taxii2/", token: "-", header: http.Header{"Authorization": {"Bearer "}}}, 401},
		{"other scheme", request{path: "/taxii2/", token: "-", header: http.Header{"Authorization": {"Digest x"}}}, 401},
		{"unknown route needs credentials first", request{path: "/taxii2/nowhere/", token: "-"}, 401},
		{"api root", request{path: "/taxii2/api/"}, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := MustDo(t, f, tt.rq)
			if tt.status != 200 {
				MustError(t, r, tt.status)
				if got := r.header.Get("WWW-Authenticate"); got != `Basic realm="kizuna", Bearer` {
					t.Errorf("WWW-Authenticate = %q", got)
				}
				return
			}
			if r.status != 200 {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
		})
	}
}

func TestAuthenticationRevealsNoNames(t *testing.T) {
	f := MustFixture(t, taxii.Config{})
	// A wrong token gets the same answer whether the name exists or not.
	a := MustDo(t, f, request{path: "/taxii2/", token: "-", header: basic("alice", "wrong")})
	b := MustDo(t, f, request{path: "/taxii2/", token: "-", header: basic("nobody", "wrong")})
	ea, eb := MustError(t, a, 401), MustError(t, b, 401)
	if ea.Description != eb.Description {
		t.Errorf("descriptions differ: %q vs %q", ea.Description, eb.Description)
	}
	if strings.Contains(ea.Description, "alice") {
		t.Errorf("description names the user: %q", ea.Description)
	}
}

func TestDiscoveryAndAPIRoot(t *testing.T) {
	f := MustFixture(t, taxii.Config{Title: "Node", Contact: "soc@example.org", MaxContentLength: 12345})
	var d taxii.Discovery
	r := MustDo(t, f, request{path: "/taxii2/"})
	MustDecode(t, r, &d)
	if d.Title != "Node" || d.Default != "/taxii2/api/" || len(d.APIRoots) != 1 || d.APIRoots[0] != "/taxii2/api/" || d.Contact != "soc@example.org" {
		t.Errorf("discovery = %+v", d)
	}
	if ct := r.header.Get("Content-Type"); ct != taxii.MediaTypeTAXII {
		t.Errorf("Content-Type = %q", ct)
	}
	var a taxii.APIRoot
	MustDecode(t, MustDo(t, f, request{path: "/taxii2/api/"}), &a)
	if a.MaxContentLength != 12345 || len(a.Versions) != 1 || a.Versions[0] != taxii.MediaTypeTAXII {
		t.Errorf("api root = %+v", a)
	}
}

func TestAcceptNegotiation(t *testing.T) {
	f := MustFixture(t, taxii.Config{})
	tests := []struct {
		accept string
		ok     bool
	}{
		{"-", true},
		{"application/taxii+json;version=2.1", true},
		{"application/taxii+json", true},
		{"application/taxii+json; version=2.1", true},
		{"application/taxii+json ; version = 2.1", true},
		{"Application/TAXII+JSON;Version=2.1", true},
		{`application/taxii+json;version="2.1"`, true},
		{"*/*", true},
		{"application/*", true},
		{"text/html, application/taxii+json;version=2.1;q=0.5", true},
		{"application/json", false},
		{"application/taxii+json;version=2.0", false},
		{"application/vnd.oasis.taxii+json; version=2.0", false},
		{"application/stix+json;version=2.1", false},
		{"application/taxii+json;version=2.1;q=0", false},
		{"text/html", false},
		{";;;", false},
	}
	for _, tt := range tests {
		r := MustDo(t, f, request{path: "/taxii2/api/collections/", accept: tt.accept})
		if tt.ok && r.status != 200 {
			t.Errorf("Accept %q: status %d, want 200: %s", tt.accept, r.status, r.body)
		}
		if !tt.ok {
			MustError(t, r, http.StatusNotAcceptable)
		}
	}
}

func TestUnknownRouteAndMethod(t *testing.T) {
	f := MustFixture(t, taxii.Config{})
	MustError(t, MustDo(t, f, request{path: "/taxii2/api/nothing/"}), 404)
	// The mux redirects a path missing its trailing slash to the right one.
	r := MustDo(t, f, request{path: "/taxii2/api/collections/" + openID})
	if r.status != http.StatusTemporaryRedirect || r.header.Get("Location") != "/taxii2/api/collections/"+openID+"/" {
		t.Errorf("no trailing slash: status %d, Location %q", r.status, r.header.Get("Location"))
	}
	MustError(t, MustDo(t, f, request{path: "/elsewhere"}), 404)
	r = MustDo(t, f, request{method: http.MethodPut, path: "/taxii2/api/collections/" + openID + "/objects/"})
	MustError(t, r, http.StatusMethodNotAllowed)
	if allow := r.header.Get("Allow"); allow != "GET, HEAD, POST" {
		t.Errorf("Allow = %q, want GET, HEAD, POST", allow)
	}
	// HEAD is served wherever GET is.
	if r := MustDo(t, f, request{method: http.MethodHead, path: "/taxii2/api/"}); r.status != 200 || len(r.body) != 0 {
		t.Errorf("HEAD: %d, %d bytes", r.status, len(r.body))
	}
	r = MustDo(t, f, request{method: http.MethodPost, path: "/taxii2/"})
	MustError(t, r, http.StatusMethodNotAllowed)
	if allow := r.header.Get("Allow"); allow != "GET, HEAD" {
		t.Errorf("Allow = %q", allow)
	}
}

func TestRateLimit(t *testing.T) {
	f := MustFixture(t, taxii.Config{RateLimit: 0.001, RateBurst: 2})
	for i := range 2 {
		if r := MustDo(t, f, request{path: "/taxii2/"}); r.status != 200 {
			t.Fatalf("request %d: status %d", i, r.status)
		}
	}
	r := MustDo(t, f, request{path: "/taxii2/"})
	MustError(t, r, http.StatusTooManyRequests)
	if ra := r.header.Get("Retry-After"); ra == "" || ra == "0" {
		t.Errorf("Retry-After = %q", ra)
	}
	// Buckets are per principal: bob is not limited by alice's use.
	if r := MustDo(t, f, request{path: "/taxii2/", token: "tok-bob"}); r.status != 200 {
		t.Errorf("bob: status %d", r.status)
	}
}

// TestAuthFailuresThrottled: past the allowance of failed authentications,
// an address is refused with 429 and Retry-After, valid credentials
// included, before any lookup; requests without credentials still get 401;
// the throttling is logged without the credentials.
func TestAuthFailuresThrottled(t *testing.T) {
	f := MustFixture(t, taxii.Config{AuthFailures: 3})
	for i := range 3 {
		MustError(t, MustDo(t, f, request{path: "/taxii2/", token: "guess-" + strconv.Itoa(i)}), http.StatusUnauthorized)
	}
	for _, rq := range []request{
		{path: "/taxii2/", token: "guess-3"},
		{path: "/taxii2/"}, // alice's valid token, from the same address
		{path: "/taxii2/", token: "-", header: basic("alice", "tok-alice")},
	} {
		r := MustDo(t, f, rq)
		MustError(t, r, http.StatusTooManyRequests)
		if ra, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || ra < 1 || ra > 20 {
			t.Errorf("Retry-After = %q, want the 20 s until the next allowance", r.header.Get("Retry-After"))
		}
	}
	MustError(t, MustDo(t, f, request{path: "/taxii2/", token: "-"}), http.StatusUnauthorized)
	logs := f.logs.String()
	if strings.Count(logs, "failed authentications throttled") != 1 || !strings.Contains(logs, "client=127.0.0.1") {
		t.Errorf("the throttling should be logged once, naming the address:\n%s", logs)
	}
	if strings.Contains(logs, "guess-") || strings.Contains(logs, "tok-alice") {
		t.Errorf("credentials in the log:\n%s", logs)
	}
	evs, _ := f.audit.FindAudit(context.Background(), 0, 0)
	if len(evs) != 1 || evs[0].Action != "auth.throttle" || evs[0].Decision != "deny" || evs[0].Object != "127.0.0.1" ||
		strings.Contains(evs[0].Reason, "guess-") {
		t.Errorf("audit records of the throttling = %+v, want one auth.throttle naming the address", evs)
	}
}

// TestAuthFailuresOffByDefault: without AuthFailures, failures are only
// answered 401.
func TestAuthFailuresOffByDefault(t *testing.T) {
	f := MustFixture(t, taxii.Config{})
	for i := range 20 {
		MustError(t, MustDo(t, f, request{path: "/taxii2/", token: "guess-" + strconv.Itoa(i)}), http.StatusUnauthorized)
	}
	if r := MustDo(t, f, request{path: "/taxii2/"}); r.status != http.StatusOK {
		t.Errorf("valid token after failures: status %d", r.status)
	}
}

// TestAuthFailuresBehindTrustedProxy: behind a trusted proxy, each client
// named by X-Forwarded-For has its own allowance, so one client's failures
// do not lock out the others.
func TestAuthFailuresBehindTrustedProxy(t *testing.T) {
	f := MustFixture(t, taxii.Config{AuthFailures: 2, TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	from := func(client string) http.Header { return http.Header{"X-Forwarded-For": {client}} }
	for i := range 2 {
		MustError(t, MustDo(t, f, request{path: "/taxii2/", token: "guess-" + strconv.Itoa(i), header: from("198.51.100.1")}), http.StatusUnauthorized)
	}
	MustError(t, MustDo(t, f, request{path: "/taxii2/", header: from("198.51.100.1")}), http.StatusTooManyRequests)
	if r := MustDo(t, f, request{path: "/taxii2/", header: from("198.51.100.2")}); r.status != http.StatusOK {
		t.Errorf("another client behind the proxy: status %d, want 200", r.status)
	}
	if !strings.Contains(f.logs.String(), "client=198.51.100.1") {
		t.Errorf("the log should name the client behind the proxy:\n%s", f.logs.String())
	}
}
