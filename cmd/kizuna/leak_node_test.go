package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// leakNode is a real node run by 'kizuna serve' in-process on a free
// loopback port, plus a second handle on its data directory opened the way
// the CLI commands open it, to create principals and collections and to
// ingest as the host operator.
type leakNode struct {
	base   string // http://127.0.0.1:port
	data   string
	n      *node
	admin  string // the admin's token
	client *http.Client
	// requests counts the requests sent.
	requests int
}

// startLeakNode serves the data directory (initialised on first use, without
// the sample) until the test or benchmark ends.
func startLeakNode(tb testing.TB, data string) *leakNode {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, &env{stdout: io.Discard, stderr: io.Discard}, serveConfig{
			Data: data, Nation: "USA", MaxContentLength: 10 << 20, MaxPageSize: 1000,
		}, ln, slog.New(slog.DiscardHandler))
	}()
	l := &leakNode{
		base: "http://" + ln.Addr().String(), data: data,
		client: &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 8}},
	}
	tb.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				tb.Errorf("serve returned %v after shutdown", err)
			}
		case <-time.After(30 * time.Second):
			tb.Error("serve did not shut down within 30 s")
		}
	})
	for i := 0; ; i++ {
		resp, err := l.client.Get(l.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if i == 400 {
			tb.Fatalf("node did not become healthy: %v", err)
		}
		time.Sleep(25 * time.Millisecond)
	}
	tok, err := os.ReadFile(filepath.Join(data, adminTokenFile))
	if err != nil {
		tb.Fatal(err)
	}
	l.admin = strings.TrimSpace(string(tok))
	n, err := openNode(context.Background(), data, nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { n.Close() })
	l.n = n
	return l
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
