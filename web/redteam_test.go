package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/ingest"
	"github.com/kizuna-dev/kizuna/node"
	"github.com/kizuna-dev/kizuna/node/nodetest"
	"github.com/kizuna-dev/kizuna/policy"
	"github.com/kizuna-dev/kizuna/stream"
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

// TestExerciseDataCarriesItsBanner shows a participant an inject in the
// workspace: the search of the exercises collection and the object's page
// carry the exercise banner, EXERCISE 演習 and the exercise's id
// (docs/exercises.md, rule 4), and so does the inject's row; a search of
// every collection leaves it out (rule 2).
func TestExerciseDataCarriesItsBanner(t *testing.T) {
	w := startWorkspace(t, nodetest.Options{}, node.ServeConfig{}, web.Options{})
	ctx := context.Background()
	exColl, err := w.Store.FindCollectionByID(ctx, kizuna.ExerciseCollectionAlias)
	if kizuna.ErrorCode(err) == kizuna.ENOTFOUND {
		exColl = &kizuna.Collection{Alias: kizuna.ExerciseCollectionAlias, Title: "Exercises",
			CanRead: kizuna.AccessRule{Roles: []string{kizuna.RoleReader}}, CanWrite: kizuna.AccessRule{Roles: []string{kizuna.RolePublisher}}}
		if err := w.Store.CreateCollection(ctx, exColl); err != nil {
			t.Fatal(err)
		}
		w.Guard.SetExerciseView(exColl.ID)
	} else if err != nil {
		t.Fatal(err)
	}
	exerciseID := "x-kizuna-exercise--" + kizuna.NewUUID()
	mark, inject := "marking-definition--"+kizuna.NewUUID(), "indicator--"+kizuna.NewUUID()
	op := ingest.AsOperator(ctx)
	for coll, obj := range map[string]map[string]any{
		node.DirectoryAlias: {"type": "marking-definition", "spec_version": "2.1", "id": mark, "created": "2026-01-01T00:00:00.000Z",
			"name": "exercise", "extensions": map[string]any{policy.ExtensionID: map[string]any{"extension_type": "property-extension",
				"communities": []string{kizuna.ExerciseCommunityPrefix + exerciseID}}}},
	} {
		if res, err := w.Ingest.Ingest(op, coll, []json.RawMessage{mustJSON(obj)}); err != nil || res[0].Err != nil {
			t.Fatalf("marking: %v %v", err, res)
		}
	}
	res, err := w.Ingest.Ingest(op, exColl.ID, []json.RawMessage{mustJSON(map[string]any{
		"type": "indicator", "spec_version": "2.1", "id": inject, "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
		"name": "port ransomware beacon", "pattern": "[domain-name:value = 'inject.example']", "pattern_type": "stix",
		"valid_from": "2026-01-01T00:00:00Z", "object_marking_refs": []string{mark}})})
	if err != nil || res[0].Err != nil {
		t.Fatalf("inject: %v %v", err, res)
	}
	w.addPrincipal(t, &kizuna.Principal{Name: "player", Nation: "USA", Communities: []string{kizuna.ExerciseCommunityPrefix + exerciseID}, Roles: []string{kizuna.RoleReader}})
	c := w.signedIn(t, "player")
	want := "EXERCISE 演習 " + exerciseID
	// A search of every collection is of real intelligence: the inject is
	// not among its rows (rule 2); it is found in the exercises collection.
	if p := c.get("/?type=indicator"); p.status != http.StatusOK || strings.Contains(p.body, inject) {
		t.Errorf("a search of every collection: %d, the inject among real results", p.status)
	}
	for _, path := range []string{"/?collection=" + kizuna.ExerciseCollectionAlias, "/objects/" + inject} {
		p := c.get(path)
		if p.status != http.StatusOK || !strings.Contains(p.body, inject) {
			t.Fatalf("%s: %d, the inject not shown: %.300s", path, p.status, p.body)
		}
		if _, text := banners(t, p.body); !strings.HasPrefix(text, want) {
			t.Errorf("%s: banner %q, want it to start with %q", path, text, want)
		}
		if strings.HasPrefix(path, "/?") {
			row := regexp.MustCompile(`(?s)<tr data-id="` + inject + `">.*?</tr>`).FindString(p.body)
			if !strings.Contains(unescape(row), want) {
				t.Errorf("%s: the inject's row %q lacks %q", path, row, want)
			}
		}
	}
}

// TestPublishSharesThePostQueue: the publish form ingests within the TAXII
// POST queue and the publisher's share of it. With a share of one envelope
// held by the publisher's own TAXII POST (its body still arriving), the
// form is refused with 429 and stores nothing; once the POST is done, the
// same form is accepted.
func TestPublishSharesThePostQueue(t *testing.T) {
	w := startWorkspace(t, nodetest.Options{}, node.ServeConfig{PrincipalQueue: 1}, web.Options{})
	post := func(body io.Reader) *http.Request {
		req, _ := http.NewRequest(http.MethodPost, w.Base+"/taxii2/api/collections/"+sampleCollection+"/objects/", body)
		req.Header.Set("Authorization", "Bearer "+w.tokens["jones"])
		req.Header.Set("Content-Type", "application/taxii+json;version=2.1")
		req.Header.Set("Accept", "application/taxii+json;version=2.1")
		return req
	}
	// A POST whose body has not all arrived holds its slot. The probes
	// below take the slot for an instant too: a held POST that arrives
	// during one is refused (429) and is sent again.
	var pw *io.PipeWriter
	var held chan int
	hold := func() {
		pr, w := io.Pipe()
		pw, held = w, make(chan int, 1)
		go func(held chan<- int) {
			resp, err := http.DefaultClient.Do(post(pr))
			if err != nil {
				held <- 0
				return
			}
			resp.Body.Close()
			held <- resp.StatusCode
		}(held)
		pw.Write([]byte(`{"objects":[`))
	}
	hold()
	t.Cleanup(func() { pw.CloseWithError(io.ErrUnexpectedEOF) }) // before the node stops
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		select {
		case code := <-held:
			if code != http.StatusTooManyRequests {
				t.Fatalf("the held POST ended with %d before its body was sent", code)
			}
			hold()
			continue
		default:
		}
		resp, err := http.DefaultClient.Do(post(strings.NewReader(`{"objects":[]}`)))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusTooManyRequests {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the held POST does not hold the publisher's share: another POST answers %d", resp.StatusCode)
		}
	}
	c := w.signedIn(t, "jones")
	c.get("/publish")
	bundle := publishBundle(t, "Published past the share", false)
	p := c.postMultipart("/publish", map[string]string{"csrf": c.csrf, "collection": sampleCollection, "json": bundle}, "")
	if p.status != http.StatusTooManyRequests || strings.Contains(p.body, "1 accepted") {
		t.Fatalf("publish while the publisher's share is held: %d %.300s, want 429", p.status, p.body)
	}
	pw.Write([]byte(`]}`))
	pw.Close()
	if code := <-held; code != http.StatusAccepted && code != http.StatusOK {
		t.Fatalf("the held POST: %d", code)
	}
	c.get("/publish")
	if p := c.postMultipart("/publish", map[string]string{"csrf": c.csrf, "collection": sampleCollection, "json": bundle}, ""); p.status != http.StatusOK || !strings.Contains(p.body, "1 accepted, 0 refused") {
		t.Fatalf("publish once the POST is done: %d %.300s", p.status, p.body)
	}
}

// TestStreamEndsWithItsSession opens the live stream with a web session's
// cookie, as the search page does, then logs out: the stream ends at its
// next heartbeat (its credentials no longer authenticate it), and the
// cookie opens no new one.
func TestStreamEndsWithItsSession(t *testing.T) {
	w := startWorkspace(t, nodetest.Options{}, node.ServeConfig{Mounts: []node.Mount{stream.Mount(stream.Options{Heartbeat: 50 * time.Millisecond})}}, web.Options{})
	c := w.signedIn(t, "tanaka")
	c.get("/")
	open := func() (*http.Response, error) {
		req, _ := http.NewRequest(http.MethodGet, w.Base+stream.Path, nil)
		return c.hc.Do(req)
	}
	resp, err := open()
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("a stream with the session's cookie: %d", resp.StatusCode)
	}
	ended := make(chan error, 1)
	go func() {
		_, err := io.Copy(io.Discard, resp.Body)
		ended <- err
	}()
	if p := c.post("/logout", url.Values{}); !strings.HasSuffix(p.url, "/login") {
		t.Fatalf("logout: %d at %s", p.status, p.url)
	}
	select {
	case <-ended:
	case <-time.After(20 * time.Second):
		t.Fatal("the stream of a session that logged out goes on")
	}
	copied := &http.Client{}
	req, _ := http.NewRequest(http.MethodGet, w.Base+stream.Path, nil)
	for _, ck := range resp.Request.Cookies() {
		req.AddCookie(ck)
	}
	again, err := copied.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	again.Body.Close()
	if again.StatusCode != http.StatusUnauthorized {
		t.Errorf("a stream with the cookie of a session that logged out: %d, want 401", again.StatusCode)
	}
}

// TestEndedSessionFormIsNotRead posts a large form with the cookie of a
// session that has ended (its principal logged out, or was revoked): the
// node sends the browser to the login form without reading the form (no
// 413 for its size, no upload spooled), as for no session at all.
func TestEndedSessionFormIsNotRead(t *testing.T) {
	w := startWorkspace(t, nodetest.Options{}, node.ServeConfig{MaxContentLength: 4096}, web.Options{})
	for _, end := range []string{"logout", "revoke"} {
		c := w.signedIn(t, "jones")
		c.get("/publish")
		csrf := c.csrf
		cookies := c.hc.Jar.Cookies(mustURL(t, w.Base))
		if end == "logout" {
			if p := c.post("/logout", url.Values{}); !strings.HasSuffix(p.url, "/login") {
				t.Fatalf("logout: %d at %s", p.status, p.url)
			}
		} else if err := w.Store.RevokePrincipal(context.Background(), "jones"); err != nil {
			t.Fatal(err)
		}
		body := url.Values{"csrf": {csrf}, "collection": {sampleCollection}, "json": {strings.Repeat("x", 2<<20)}}.Encode()
		req, _ := http.NewRequest(http.MethodPost, w.Base+"/publish", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for _, ck := range cookies {
			req.AddCookie(ck)
		}
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
			t.Errorf("after %s, a form with the session's cookie: %d to %q, want 303 to the login form", end, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
