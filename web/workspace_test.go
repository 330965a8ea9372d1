package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/node"
	"github.com/kizuna-dev/kizuna/node/nodetest"
	"github.com/kizuna-dev/kizuna/web"
)

// Objects of the sample data set the tests look for.
const (
	sampleCollection = "sample"
	lureDomain       = "indicator--14950522-f0f8-41ab-8f0e-907e29f7184c" // TLP:GREEN
	senderAddress    = "indicator--94f0a7ae-c6e9-4fba-93e1-24ad96309e77" // TLP:GREEN, description US SECRET//REL TO USA, JPN
	dropper          = "indicator--7d6b791d-0580-43a6-811f-815423c6d134" // US SECRET//REL TO USA, JPN
	secondStage      = "indicator--d14bb87e-b598-41d9-bb20-61467215a93a" // JPN 極秘, releasable to JPN, USA
	stagingURL       = "indicator--1d520788-59c0-4321-924a-23e375748f17" // US SECRET//NOFORN
	scanningRange    = "indicator--0a8db25e-da00-4c90-9a40-5a4ddcf5fd26" // community cyber-wg
	craneloader      = "malware--88fabb6b-70ca-49a0-8556-3e1dbd3f9071"   // TLP:AMBER
	campaign         = "campaign--f4c37fa9-4dae-4823-abab-0ea3ec56c14c"  // TLP:GREEN
	secondStageIP    = "ipv4-addr--09e50880-e945-4edc-a6f1-7fda2c84c43d" // JPN 極秘
	sighting         = "sighting--e1254f42-b177-49fe-a535-12fe05922664"  // JPN 極秘
)

// samplePrincipals are the readers of the tests: nations and clearances
// that divide the sample data set.
var samplePrincipals = []*kizuna.Principal{
	{Name: "tanaka", Nation: "JPN", Clearances: []kizuna.Classification{{Scheme: "JPN", Level: "gokuhi"}}, Roles: []string{kizuna.RoleReader}},
	{Name: "mitchell", Nation: "AUS", Clearances: []kizuna.Classification{{Scheme: "AUS", Level: "SECRET"}}, Roles: []string{kizuna.RoleReader}},
	{Name: "smith", Nation: "USA", Clearances: []kizuna.Classification{{Scheme: "USA", Level: "SECRET"}}, Communities: []string{"cyber-wg"}, Roles: []string{kizuna.RoleReader}},
	{Name: "suzuki", Nation: "JPN", Roles: []string{kizuna.RoleReader}},
	{Name: "jones", Nation: "USA", Clearances: []kizuna.Classification{{Scheme: "USA", Level: "SECRET"}}, Roles: []string{kizuna.RoleReader, kizuna.RolePublisher}},
}

// workspace is a node with the sample data set serving the workspace.
type workspace struct {
	*nodetest.Served
	tokens map[string]string
}

func startWorkspace(t testing.TB, opt nodetest.Options, cfg node.ServeConfig, wopt web.Options) *workspace {
	t.Helper()
	opt.Sample = true
	cfg.Mounts = append(cfg.Mounts, web.Mount(wopt))
	w := &workspace{Served: nodetest.Serve(t, opt, cfg), tokens: map[string]string{}}
	for _, p := range samplePrincipals {
		w.addPrincipal(t, p)
	}
	return w
}

// addPrincipal creates a principal (a copy of p) with a new token.
func (w *workspace) addPrincipal(t testing.TB, p *kizuna.Principal) {
	t.Helper()
	dup := *p
	dup.ID = "principal--" + kizuna.NewUUID()
	tok := kizuna.NewToken()
	if err := w.Store.CreatePrincipal(context.Background(), &dup, kizuna.HashToken(tok)); err != nil {
		t.Fatal(err)
	}
	w.tokens[p.Name] = tok
}

// client is a browser without a browser: a cookie jar that follows the
// workspace's redirects and keeps the last CSRF token it saw.
type client struct {
	t    testing.TB
	base string
	hc   *http.Client
	csrf string
	// header is added to every request.
	header http.Header
}

func (w *workspace) client(t testing.TB) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: w.Base, hc: &http.Client{Jar: jar}, header: http.Header{}}
}

var csrfPattern = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// page is a response of the workspace.
type page struct {
	status int
	body   string
	url    string
	header http.Header
}

func (c *client) do(req *http.Request) page {
	c.t.Helper()
	for k, v := range c.header {
		req.Header[k] = v
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	p := page{status: resp.StatusCode, body: string(b), url: resp.Request.URL.String(), header: resp.Header}
	if m := csrfPattern.FindStringSubmatch(p.body); m != nil {
		c.csrf = m[1]
	}
	return p
}

func (c *client) get(path string) page {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.base+path, nil)
	return c.do(req)
}

// post submits a form with the last CSRF token seen (unless form has
// one).
func (c *client) post(path string, form url.Values) page {
	c.t.Helper()
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", c.csrf)
	}
	req, _ := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// login signs in with the token through the login form.
func (c *client) login(token string) page {
	c.t.Helper()
	c.get("/login")
	return c.post("/login", url.Values{"token": {token}, "next": {"/"}})
}

// signInResponse signs in through the login form and returns the
// answer to the POST itself (not followed), with its cookies.
func (c *client) signInResponse(token string) *http.Response {
	c.t.Helper()
	c.get("/login")
	form := url.Values{"token": {token}, "next": {"/"}, "csrf": {c.csrf}}
	req, _ := http.NewRequest(http.MethodPost, c.base+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range c.header {
		req.Header[k] = v
	}
	for _, ck := range c.hc.Jar.Cookies(req.URL) {
		req.AddCookie(ck)
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		c.t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// signedIn returns a client signed in as the named principal.
func (w *workspace) signedIn(t testing.TB, name string) *client {
	t.Helper()
	c := w.client(t)
	if p := c.login(w.tokens[name]); p.status != http.StatusOK || !strings.Contains(p.url, "/") || strings.Contains(p.url, "/login") {
		t.Fatalf("sign-in as %s: %d at %s: %.300s", name, p.status, p.url, p.body)
	}
	return c
}

var bannerPattern = regexp.MustCompile(`<div class="banner ([a-z-]+)" id="banner-(top|bottom)"[^>]*>([^<]*)</div>`)

// banners returns the class and text of the top and bottom banners; the
// test fails when they differ or are missing.
func banners(t testing.TB, body string) (class, text string) {
	t.Helper()
	m := bannerPattern.FindAllStringSubmatch(body, -1)
	if len(m) != 2 || m[0][2] != "top" || m[1][2] != "bottom" {
		t.Fatalf("want a top and a bottom banner, got %q", m)
	}
	if m[0][1] != m[1][1] || m[0][3] != m[1][3] {
		t.Fatalf("top banner %q %q, bottom %q %q", m[0][1], m[0][3], m[1][1], m[1][3])
	}
	return m[0][1], unescape(m[0][3])
}

func unescape(s string) string {
	r := strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&#34;", `"`, "&#39;", "'")
	return r.Replace(s)
}
