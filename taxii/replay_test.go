package taxii_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna/policy"
	"github.com/kizuna-dev/kizuna/taxii"
)

// pyClient replays the requests of the OASIS taxii2-client (v2.3.0,
// taxii2client.v21) byte for byte where it matters: its URLs (including
// the status URL without a trailing slash), its query encoding (Python's
// urlencode: match%5Btype%5D, %3A in timestamps), and its headers. GETs
// carry its own User-Agent and Accept; POST and DELETE carry the requests
// library's defaults plus the headers the call passes.
type pyClient struct {
	tb    testing.TB
	http  *http.Client
	auth  string
	trail []string // method and URL of every request, for failure messages
}

const (
	pyUserAgent       = "taxii2-client/2.3.0"
	requestsUserAgent = "python-requests/2.31.0"
)

func newPyClient(tb testing.TB, hc *http.Client, user, password string) *pyClient {
	return &pyClient{tb: tb, http: hc, auth: "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))}
}

// pyParams encodes query parameters in the order given, as urlencode does.
func pyParams(kv ...string) string {
	var parts []string
	for i := 0; i+1 < len(kv); i += 2 {
		parts = append(parts, url.QueryEscape(kv[i])+"="+url.QueryEscape(kv[i+1]))
	}
	if len(parts) == 0 {
		return ""
	}
	return "?" + strings.Join(parts, "&")
}

func (c *pyClient) send(method, u string, header [][2]string, body []byte) (*http.Response, []byte) {
	c.tb.Helper()
	var rd io.Reader
	if body != nil {
		rd = strings.NewReader(string(body))
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		c.tb.Fatal(err)
	}
	req.Header.Set("Accept-Encoding", "gzip, deflate")
	req.Header.Set("Connection", "keep-alive")
	req.Header.Set("Accept", "*/*")
	req.Header.Set("User-Agent", requestsUserAgent)
	for _, h := range header {
		req.Header.Set(h[0], h[1])
	}
	req.Header.Set("Authorization", c.auth)
	c.trail = append(c.trail, method+" "+u)
	resp, err := c.http.Do(req)
	if err != nil {
		c.tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.tb.Fatal(err)
	}
	// raise_for_status
	if resp.StatusCode >= 400 {
		c.tb.Fatalf("%s %s: %d %s\nrequests so far: %v", method, u, resp.StatusCode, b, c.trail)
	}
	return resp, b
}

// get is _HTTPConnection.get: Accept and User-Agent of the library, and
// the valid_content_type check on the answer.
func (c *pyClient) get(u string, out any) {
	c.tb.Helper()
	accept := "application/taxii+json;version=2.1"
	resp, b := c.send("GET", u, [][2]string{{"User-Agent", pyUserAgent}, {"Accept", accept}}, nil)
	ct := resp.Header.Get("Content-Type")
	acceptTokens := strings.Split(strings.ReplaceAll(accept, " ", ""), ";")
	ctTokens := strings.Split(strings.ReplaceAll(ct, " ", ""), ";")
	for _, tok := range acceptTokens {
		found := false
		for _, c := range ctTokens {
			found = found || c == tok
		}
		if !found || ctTokens[0] != "application/taxii+json" {
			c.tb.Fatalf("GET %s: Content-Type %q fails the client's check for Accept %q", u, ct, accept)
		}
	}
	if err := json.Unmarshal(b, out); err != nil {
		c.tb.Fatalf("GET %s: %v: %s", u, err, b)
	}
}

// checkStatus applies Status._validate_status of the client.
func checkStatus(tb testing.TB, st map[string]any) {
	tb.Helper()
	num := func(k string) int {
		f, _ := st[k].(float64)
		return int(f)
	}
	list := func(k string) int {
		l, _ := st[k].([]any)
		return len(l)
	}
	if st["id"] == nil || st["status"] == nil || st["total_count"] == nil || st["success_count"] == nil ||
		st["failure_count"] == nil || st["pending_count"] == nil {
		tb.Fatalf("status lacks a required property: %v", st)
	}
	for _, k := range []string{"success", "failure", "pending"} {
		if st[k+"es"] != nil && list(k+"es") != num(k+"_count") || st[k+"s"] != nil && list(k+"s") != num(k+"_count") {
			tb.Fatalf("status %ss do not match %s_count: %v", k, k, st)
		}
	}
	if num("success_count")+num("failure_count")+num("pending_count") != num("total_count") {
		tb.Fatalf("status counts do not add up to total_count: %v", st)
	}
}

func TestReplayOASISClient(t *testing.T) {
	n := MustNode(t, taxii.Config{})
	py := newPyClient(t, n.ts.Client(), "usa-publisher", n.tokens["usa-publisher"])
	discovery := n.ts.URL + "/taxii2/"

	// Server(discovery).api_roots
	var d map[string]any
	py.get(discovery, &d)
	if d["title"] == nil {
		t.Fatal("discovery without title")
	}
	roots, _ := d["api_roots"].([]any)
	rootRef, _ := roots[0].(string)
	base, _ := url.Parse(discovery)
	ref, _ := url.Parse(rootRef)
	apiRoot := base.ResolveReference(ref).String() // urljoin(self.url, url)
	if d["default"] != rootRef {
		t.Errorf("default %v is not among api_roots", d["default"])
	}

	// ApiRoot.refresh_information and refresh_collections
	var ar map[string]any
	py.get(apiRoot, &ar)
	if ar["title"] == nil || ar["versions"] == nil || ar["max_content_length"] == nil {
		t.Fatalf("api root %v", ar)
	}
	var colls struct{ Collections []map[string]any }
	py.get(apiRoot+"collections/", &colls)
	if len(colls.Collections) != 1 {
		t.Fatalf("collections %v", colls)
	}
	c := colls.Collections[0]
	for _, k := range []string{"id", "title", "can_read", "can_write"} {
		if c[k] == nil {
			t.Fatalf("collection lacks %s: %v", k, c)
		}
	}
	collURL := apiRoot + "collections/" + c["id"].(string) + "/"

	// Collection.add_objects: json.dumps with Python's separators, then
	// Status(urljoin(self.url, "../../status/<id>")).wait_until_final().
	v1 := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	var objs []string
	for i := range 5 {
		objs = append(objs, string(stixIndicator(i, v1, orgUSA, policy.TLP2Clear)))
	}
	objs = append(objs, string(stixIndicator(0, v1.Add(time.Hour), orgUSA, policy.TLP2Clear)))
	body := `{"objects": [` + strings.Join(objs, ", ") + `]}`
	_, b := py.send("POST", collURL+"objects/", [][2]string{{"Accept", taxii.MediaTypeTAXII}, {"Content-Type", taxii.MediaTypeTAXII}}, []byte(body))
	var st map[string]any
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	checkStatus(t, st)
	statusURL, _ := url.Parse(collURL)
	statusURL = statusURL.ResolveReference(&url.URL{Path: "../../status/" + st["id"].(string)})
	if !strings.HasSuffix(statusURL.Path, "/taxii2/api/status/"+st["id"].(string)) {
		t.Fatalf("status URL %s", statusURL)
	}
	for deadline := time.Now().Add(10 * time.Second); st["status"] != "complete"; {
		if time.Now().After(deadline) {
			t.Fatalf("status never completed: %v", st)
		}
		time.Sleep(10 * time.Millisecond)
		st = nil // the client builds a new Status from each answer
		py.get(statusURL.String(), &st)
		checkStatus(t, st)
	}
	if st["success_count"].(float64) != 6 {
		t.Fatalf("status %v", st)
	}
	// ApiRoot.get_status: with the trailing slash.
	statusID := st["id"].(string)
	st = nil
	py.get(apiRoot+"status/"+statusID+"/", &st)
	checkStatus(t, st)

	// Collection.get_objects(type="indicator", version="all")
	var env struct {
		More    bool
		Next    string
		Objects []map[string]any
	}
	py.get(collURL+"objects/"+pyParams("match[type]", "indicator", "match[version]", "all"), &env)
	if len(env.Objects) != 6 {
		t.Errorf("all versions: %d objects", len(env.Objects))
	}

	// as_pages(collection.get_objects, per_request=2, type="indicator")
	var got []string
	py.get(collURL+"objects/"+pyParams("limit", "2", "match[type]", "indicator"), &env)
	for {
		if len(env.Objects) != 2 && env.More {
			t.Errorf("a page with more=true holds %d objects, not the requested 2", len(env.Objects))
		}
		for _, o := range env.Objects {
			got = append(got, o["id"].(string))
		}
		if !env.More {
			break
		}
		next := env.Next
		env.Objects, env.More, env.Next = nil, false, ""
		py.get(collURL+"objects/"+pyParams("limit", "2", "next", next, "match[type]", "indicator"), &env)
	}
	if len(got) != 5 {
		t.Errorf("paged ids %v", got)
	}

	// Collection.get_object(id, version=<datetime>) formats as _format_datetime.
	id0 := indicatorID(0)
	env.Objects, env.More, env.Next = nil, false, ""
	py.get(collURL+"objects/"+id0+"/"+pyParams("match[version]", "2026-02-01T01:00:00Z"), &env)
	if len(env.Objects) != 1 || env.Objects[0]["modified"] != "2026-02-01T01:00:00.000Z" {
		t.Errorf("get_object by version: %v", env.Objects)
	}
	// Collection.object_versions(id)
	var vs struct{ Versions []string }
	py.get(collURL+"objects/"+id0+"/versions/", &vs)
	if len(vs.Versions) != 2 {
		t.Errorf("versions %v", vs.Versions)
	}
	// Collection.get_manifest(added_after=...)
	var m struct{ Objects []map[string]any }
	py.get(collURL+"manifest/"+pyParams("added_after", "2000-01-01T00:00:00Z"), &m)
	if len(m.Objects) != 5 {
		t.Errorf("manifest %d records", len(m.Objects))
	}
	// Collection.delete_object(id, version="all")
	resp, _ := py.send("DELETE", collURL+"objects/"+id0+"/"+pyParams("match[version]", "all"), [][2]string{{"Accept", taxii.MediaTypeTAXII}}, nil)
	if resp.StatusCode != 200 {
		t.Errorf("delete: %d", resp.StatusCode)
	}
	m.Objects = nil
	py.get(collURL+"manifest/", &m)
	if len(m.Objects) != 4 {
		t.Errorf("after delete: manifest %d records", len(m.Objects))
	}
	t.Logf("replayed %d requests", len(py.trail))
}
