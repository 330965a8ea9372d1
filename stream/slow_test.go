package stream_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/node/nodetest"
	"github.com/kizuna-dev/kizuna/policy"
	"github.com/kizuna-dev/kizuna/stream"
)

// TestStreamDropsASlowClient: a client that stops reading is dropped once
// a write to it has blocked for the write timeout, and counted; the node
// goes on storing, and another reader gets every event.
func TestStreamDropsASlowClient(t *testing.T) {
	w := newWorld(t, nodetest.Options{}, stream.Options{WriteTimeout: 500 * time.Millisecond})
	q := "collection=" + w.coll
	fast := listen(t, w.s.Base, w.public, q, "")

	conn, err := net.Dial("tcp", strings.TrimPrefix(w.s.Base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET %s?%s HTTP/1.1\r\nHost: kizuna\r\nAuthorization: Bearer %s\r\n\r\n", stream.Path, q, w.cleared)
	br := bufio.NewReader(conn)
	status, err := br.ReadString('\n')
	if err != nil || !strings.Contains(status, " 200 ") {
		t.Fatalf("the slow client's stream: %q %v", status, err)
	}
	// From here on the slow client reads nothing.

	big := strings.Repeat("a long description of what was seen ", 1500) // about 54 KB
	var ids []string
	for i := range 400 {
		id := newID("indicator")
		ids = append(ids, id)
		ingestAll(t, w.s.Node, w.coll, indicator(id, time.Date(2026, 7, 1, 0, 0, i, 0, time.UTC), []string{policy.TLP2Clear}, "", big))
	}
	for i, id := range ids {
		if _, ev := fast.next(t); ev.ID != id {
			t.Fatalf("the reading client's event %d: %s, want %s", i, ev.ID, id)
		}
	}
	deadline := time.Now().Add(waitEvent)
	for !strings.Contains(metrics(t, w.s), `kizuna_stream_dropped_total{reason="slow"} 1`) {
		if time.Now().After(deadline) {
			t.Fatalf("the slow client was not dropped:\n%s", grep(metrics(t, w.s), "kizuna_stream"))
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Its connection is closed: reading what the node had sent ends.
	conn.SetReadDeadline(time.Now().Add(waitEvent))
	if k, err := io.Copy(io.Discard, br); err != nil {
		t.Errorf("the slow client's connection was not closed after %d bytes: %v", k, err)
	}
	if !strings.Contains(metrics(t, w.s), "kizuna_stream_open 1") {
		t.Errorf("open streams:\n%s", grep(metrics(t, w.s), "kizuna_stream"))
	}
}

// TestStreamEndsWhenThePrincipalIsRevoked: at its next heartbeat, the
// stream of a principal revoked since it opened ends, and is counted.
func TestStreamEndsWhenThePrincipalIsRevoked(t *testing.T) {
	w := newWorld(t, nodetest.Options{}, stream.Options{Heartbeat: 100 * time.Millisecond})
	l := listen(t, w.s.Base, w.public, "", "")
	if err := w.s.Store.RevokePrincipal(context.Background(), "public"); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-l.done:
		if err != io.EOF {
			t.Errorf("the stream ended with %v", err)
		}
	case <-time.After(waitEvent):
		t.Fatal("the revoked principal's stream is still open")
	}
	if m := metrics(t, w.s); !strings.Contains(m, `kizuna_stream_dropped_total{reason="revoked"} 1`) {
		t.Errorf("metrics:\n%s", grep(m, "kizuna_stream"))
	}
}

// TestStreamOutlivesServerTimeouts: a stream stays open past the HTTP
// server's read and write timeouts, which would otherwise end it.
func TestStreamOutlivesServerTimeouts(t *testing.T) {
	n := nodetest.New(t, nodetest.Options{})
	coll := collection(t, n)
	pr := &kizuna.Principal{ID: newID("principal"), Name: "reader", Nation: "USA", Roles: []string{kizuna.RoleReader}}
	s := &stream.Server{Objects: n.Guard, Collections: n.Guard, Store: n.Store, Authorizer: n.Authorizer, Policy: n.Policy,
		Principals: n.Store, Options: stream.Options{Heartbeat: 50 * time.Millisecond},
		WriteError: func(w http.ResponseWriter, r *http.Request, err error) {
			http.Error(w, err.Error(), http.StatusBadRequest)
		}}
	if err := n.Store.CreatePrincipal(context.Background(), pr, kizuna.HashToken(kizuna.NewToken())); err != nil {
		t.Fatal(err)
	}
	n.Subscribe(s.Notify)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{ReadTimeout: 200 * time.Millisecond, WriteTimeout: 200 * time.Millisecond,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s.ServeHTTP(w, r.WithContext(kizuna.NewContextWithPrincipal(r.Context(), pr)))
		})}
	go srv.Serve(ln)
	defer srv.Close()
	l := listen(t, "http://"+ln.Addr().String(), "", "collection="+coll, "")
	time.Sleep(time.Second) // five times both timeouts
	id := newID("indicator")
	ingestAll(t, n, coll, indicator(id, time.Now(), []string{policy.TLP2Clear}, "", ""))
	if _, ev := l.next(t); ev.ID != id {
		t.Errorf("got %s, want %s", ev.ID, id)
	}
}

// metrics returns the node's Prometheus metrics, read as its admin.
func metrics(t *testing.T, s *nodetest.Served) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.Base+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+s.Admin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// grep returns the lines of s that contain sub.
func grep(s, sub string) string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		if strings.Contains(line, sub) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}
