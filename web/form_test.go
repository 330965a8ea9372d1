package web_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/node"
	"github.com/kizuna-dev/kizuna/node/nodetest"
	"github.com/kizuna-dev/kizuna/web"
)

// postMultipart submits the publish form as a browser does.
func (c *client) postMultipart(path string, fields map[string]string, file string) page {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	if file != "" {
		fw, _ := mw.CreateFormFile("file", "upload.json")
		fw.Write([]byte(file))
	}
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, c.base+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}

// TestFormsNeedTheirToken: a form posted without the session's CSRF token
// (another site's form, say) is refused and stores nothing.
func TestFormsNeedTheirToken(t *testing.T) {
	w := startWorkspace(t, nodetest.Options{}, node.ServeConfig{}, web.Options{})
	c := w.signedIn(t, "jones")
	c.get("/publish")
	bundle := publishBundle(t, "Forged from another site", false)
	for _, csrf := range []string{"", "forged", strings.Repeat("A", 43)} {
		p := c.postMultipart("/publish", map[string]string{"csrf": csrf, "collection": "sample", "json": bundle}, "")
		if p.status != http.StatusForbidden {
			t.Errorf("publish with CSRF token %q: %d, want 403", csrf, p.status)
		}
	}
	page, err := w.Guard.FindObjects(kizuna.NewContextWithPrincipal(context.Background(), &kizuna.Principal{ID: "p", Nation: "USA", Roles: []string{kizuna.RoleReader}}),
		kizuna.ObjectFilter{Collection: "sample", Types: []string{"indicator"}, IncludeRaw: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range page.Objects {
		if strings.Contains(string(o.Raw), "Forged from another site") {
			t.Fatal("a publish without the CSRF token was stored")
		}
	}
	// With the token, the same form is accepted.
	c.get("/publish")
	if p := c.postMultipart("/publish", map[string]string{"csrf": c.csrf, "collection": "sample", "json": bundle}, ""); p.status != http.StatusOK || !strings.Contains(p.body, "1 accepted, 0 refused") {
		t.Fatalf("publish with the token: %d %.300s", p.status, p.body)
	}
}

// TestPublishLimits: a submission over the node's body limit is refused
// with 413 and the limit named; an upload is read like the text field.
func TestPublishLimits(t *testing.T) {
	w := startWorkspace(t, nodetest.Options{}, node.ServeConfig{MaxContentLength: 4096}, web.Options{})
	c := w.signedIn(t, "jones")
	c.get("/publish")
	huge := strings.Repeat(" ", 8192) + publishBundle(t, "Too large", false)
	if p := c.postMultipart("/publish", map[string]string{"csrf": c.csrf, "collection": "sample"}, huge); p.status != http.StatusRequestEntityTooLarge || !strings.Contains(p.body, "4096 bytes") {
		t.Errorf("an upload of %d bytes: %d %.300s", len(huge), p.status, p.body)
	}
	c.get("/publish")
	p := c.postMultipart("/publish", map[string]string{"csrf": c.csrf, "collection": "sample"}, publishBundle(t, "Uploaded", false))
	if p.status != http.StatusOK || !strings.Contains(p.body, "1 accepted, 0 refused") {
		t.Errorf("an upload: %d %.300s", p.status, p.body)
	}
	c.get("/publish")
	if p := c.postMultipart("/publish", map[string]string{"csrf": c.csrf, "collection": "sample", "json": `{"objects":[],"Objects":[]}`}, ""); p.status != http.StatusBadRequest || !strings.Contains(p.body, "given twice") {
		t.Errorf("an ambiguous envelope: %d %.300s", p.status, p.body)
	}
	// A collection the principal may not write to is refused, as one
	// that does not exist.
	r := w.signedIn(t, "tanaka")
	r.get("/publish")
	if p := r.postMultipart("/publish", map[string]string{"csrf": r.csrf, "collection": "sample", "json": publishBundle(t, "x", false)}, ""); p.status != http.StatusNotFound {
		t.Errorf("a reader's publish: %d, want 404", p.status)
	}
}

// TestSignInThrottled: failed sign-ins count against the client address
// as failed bearer tokens do.
func TestSignInThrottled(t *testing.T) {
	w := startWorkspace(t, nodetest.Options{}, node.ServeConfig{AuthFailures: 3}, web.Options{})
	c := w.client(t)
	var last page
	for i := 0; i < 5; i++ {
		c.get("/login")
		last = c.post("/login", url.Values{"token": {"kzn_guess"}})
	}
	if last.status != http.StatusTooManyRequests || !strings.Contains(last.body, "Too many failed sign-ins") {
		t.Fatalf("the fifth failed sign-in of three allowed: %d %.300s", last.status, last.body)
	}
	c.get("/login")
	if p := c.post("/login", url.Values{"token": {w.tokens["tanaka"]}}); p.status != http.StatusTooManyRequests {
		t.Fatalf("a valid token from a throttled address: %d, want 429", p.status)
	}
}
