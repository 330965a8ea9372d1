package node_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna/node"
	"github.com/kizuna-dev/kizuna/node/nodetest"
)

// leakNode is a real node serving in-process on a free loopback port
// (nodetest.Serve), whose components the test also uses directly, to
// create principals and collections and to ingest as the host operator.
type leakNode struct {
	base   string // http://127.0.0.1:port
	data   string
	n      *node.Node
	admin  string // the admin's token
	client *http.Client
	// requests counts the requests sent.
	requests int
}

// startLeakNode serves the node of the data directory and store ("" for
// SQLite; initialised on first use, without the sample) until the test or
// benchmark ends.
func startLeakNode(tb testing.TB, data, store string) *leakNode {
	tb.Helper()
	opt := nodetest.Options{Dir: data, Store: store}
	s := nodetest.Serve(tb, opt, node.ServeConfig{})
	return &leakNode{
		base: s.Base, data: data, n: s.Node, admin: s.Admin,
		client: &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 8}},
	}
}

// leakResponse is one HTTP answer.
type leakResponse struct {
	code   int
	header http.Header
	body   []byte
}

// do sends a TAXII request as the named principal (no credentials when
// token is empty) and returns the whole answer.
func (l *leakNode) do(tb testing.TB, method, path, user, token string, body []byte) leakResponse {
	tb.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, l.base+path, rd)
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Accept", "application/taxii+json;version=2.1")
	if body != nil {
		req.Header.Set("Content-Type", "application/taxii+json;version=2.1")
	}
	if token != "" {
		req.SetBasicAuth(user, token)
	}
	l.requests++
	resp, err := l.client.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return leakResponse{code: resp.StatusCode, header: resp.Header, body: b}
}

// get is do for GET.
func (l *leakNode) get(tb testing.TB, path, user, token string) leakResponse {
	tb.Helper()
	return l.do(tb, http.MethodGet, path, user, token, nil)
}

// leakErrorShape reduces a TAXII error answer to what a client can compare:
// status, media type and body, with the request's own id and the per-request
// error_id taken out. Two answers with the same shape cannot be told apart.
func leakErrorShape(r leakResponse, id string) string {
	var doc map[string]any
	if err := json.Unmarshal(r.body, &doc); err != nil {
		return "unparsable body: " + string(r.body)
	}
	delete(doc, "error_id")
	b, _ := json.Marshal(doc)
	return r.header.Get("Content-Type") + " " + http.StatusText(r.code) + " " + strings.ReplaceAll(string(b), id, "ID")
}
