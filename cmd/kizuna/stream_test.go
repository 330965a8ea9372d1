package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/policy"
	"github.com/kizuna-dev/kizuna/stream"
)

// TestStreamServe runs a real 'kizuna serve' process: readers of two
// nations follow its live stream over HTTP, and one with 'kizuna stream',
// while the publisher POSTs over TAXII. Each gets the versions it may read
// and nothing else; the command prints them as JSON lines and, run again
// with its cursor file, resumes after the last one it printed.
func TestStreamServe(t *testing.T) {
	root := t.TempDir()
	n := MustFedNode(t, root, fedSpec{Name: "Stream", Nation: "USA", Org: "identity--5e000000-0000-4000-8000-000000000001"}, false)
	secret := "marking-definition--" + kizuna.NewUUID()
	md, _ := json.Marshal(map[string]any{"type": "marking-definition", "spec_version": "2.1", "id": secret,
		"created": "2026-01-01T00:00:00.000Z", "name": "SECRET//REL TO USA, JPN", "extensions": map[string]any{policy.ExtensionID: map[string]any{
			"extension_type": "property-extension", "scheme": "USA", "level": "SECRET", "releasable_to": []string{"USA", "JPN"}}}})
	n.importDirectory(t, []json.RawMessage{md})
	usa := strings.TrimSpace(n.cli(t, "principal", "add", "--name", "usa-analyst", "--nation", "USA", "--clearance", "USA:SECRET", "--role", "reader"))
	aus := strings.TrimSpace(n.cli(t, "principal", "add", "--name", "aus-analyst", "--nation", "AUS", "--clearance", "AUS:SECRET", "--role", "reader"))
	n.serveArgs = []string{"--stream-max-per-principal", "2"}
	n.start(t)
	defer n.stop(t, syscall.SIGTERM)
	base := "http://" + n.addr
	since := time.Now().UTC().Add(-time.Second).Format(time.RFC3339Nano)

	open := func(token string) *bufio.Scanner {
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+stream.Path+"?collection=default", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("stream: %d", resp.StatusCode)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return bufio.NewScanner(resp.Body)
	}
	usaStream, ausStream := open(usa), open(aus)

	indicator := func(name string, refs []string) (string, json.RawMessage) {
		id := "indicator--" + kizuna.NewUUID()
		b, _ := json.Marshal(map[string]any{"type": "indicator", "spec_version": "2.1", "id": id, "created": "2026-02-01T00:00:00.000Z",
			"modified": "2026-02-01T00:00:00.000Z", "name": name, "pattern": "[ipv4-addr:value = '203.0.113.7']", "pattern_type": "stix",
			"valid_from": "2026-02-01T00:00:00Z", "object_marking_refs": refs, "created_by_ref": n.Org})
		return id, b
	}
	clearID, clear := indicator("seen at a port operator", []string{policy.TLP2Clear})
	secretID, secretObj := indicator("SECRET: seen at a base", []string{secret})
	lastID, last := indicator("the last one", []string{policy.TLP2Clear})
	for _, r := range n.post(t, []json.RawMessage{clear, secretObj}) {
		if r != "" {
			t.Fatalf("POST: %s", r)
		}
	}
	n.post(t, []json.RawMessage{last})

	// readUntil reads SSE lines until the data of the last version and
	// returns the ids of the events.
	readUntil := func(sc *bufio.Scanner) []string {
		var ids []string
		for sc.Scan() {
			data, ok := strings.CutPrefix(sc.Text(), "data: ")
			if !ok {
				continue
			}
			var ev stream.Event
			if err := json.Unmarshal([]byte(data), &ev); err != nil {
				t.Fatalf("%s: %v", data, err)
			}
			ids = append(ids, ev.ID)
			if ev.ID == lastID {
				return ids
			}
		}
		t.Fatalf("the stream ended: %v", sc.Err())
		return nil
	}
	if got := readUntil(usaStream); !slices.Equal(got, []string{clearID, secretID, lastID}) {
		t.Errorf("the US analyst got %v, want %v", got, []string{clearID, secretID, lastID})
	}
	if got := readUntil(ausStream); !slices.Equal(got, []string{clearID, lastID}) {
		t.Errorf("the Australian analyst got %v, want %v", got, []string{clearID, lastID})
	}

	// A second stream of the US analyst is within --stream-max-per-principal
	// 2, a third is not.
	open(usa)
	req, _ := http.NewRequest(http.MethodGet, base+stream.Path, nil)
	req.Header.Set("Authorization", "Bearer "+usa)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Errorf("a third stream: %v %v", err, resp)
	} else {
		resp.Body.Close()
	}

	// The command, from a time before the POSTs, two events at a time.
	cursor := filepath.Join(root, "cursor")
	lines := func() []string {
		out := MustRunCLI(t, "stream", "--url", base, "--token", aus, "--collection", "default", "--since", since,
			"--cursor-file", cursor, "--max-events", "1")
		return strings.Split(strings.TrimSpace(out), "\n")
	}
	for _, want := range []string{clearID, lastID} {
		got := lines()
		var ev stream.Event
		if len(got) != 1 || json.Unmarshal([]byte(got[0]), &ev) != nil || ev.ID != want || strings.Contains(got[0], "SECRET") {
			t.Errorf("kizuna stream printed %q, want the event of %s", got, want)
		}
	}
	if b, err := os.ReadFile(cursor); err != nil || !strings.Contains(string(b), ",") {
		t.Errorf("cursor file: %q %v", b, err)
	}
}

// TestStreamCommandReconnects: when the node ends the stream, 'kizuna
// stream' reconnects with the last event's id and goes on from there; a
// refusal ends it with the node's message.
func TestStreamCommandReconnects(t *testing.T) {
	var mu sync.Mutex
	var lastIDs []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"title": "Unauthorized", "description": "authentication required"}`)
			return
		}
		mu.Lock()
		lastIDs = append(lastIDs, r.Header.Get("Last-Event-ID"))
		mu.Unlock()
		w.Header().Set("Content-Type", "text/event-stream")
		switch r.Header.Get("Last-Event-ID") {
		case "":
			io.WriteString(w, ": hello\n\nevent: object\nid: 1,c=5\ndata: {\"kind\":\"object\",\"id\":\"indicator--1\"}\n\n")
		case "1,c=5":
			io.WriteString(w, "event: deletion\ndata: {\"kind\":\"deletion\",\"id\":\"indicator--0\"}\n\nevent: object\nid: 1,c=6\ndata: {\"kind\":\"object\",\ndata: \"id\":\"indicator--2\"}\n\n")
		default:
			w.WriteHeader(http.StatusBadRequest)
		}
	}))
	defer srv.Close()
	cursor := filepath.Join(t.TempDir(), "cursor")
	out, errOut, err := runWithInput(t, "", "stream", "--url", srv.URL, "--token", "tok", "--cursor-file", cursor, "--max-events", "3")
	if err != nil {
		t.Fatalf("%v: %s", err, errOut)
	}
	want := `{"kind":"object","id":"indicator--1"}` + "\n" + `{"kind":"deletion","id":"indicator--0"}` + "\n" + `{"kind":"object","id":"indicator--2"}` + "\n"
	mu.Lock()
	defer mu.Unlock()
	if out != want || !slices.Equal(lastIDs, []string{"", "1,c=5"}) || !strings.Contains(errOut, "reconnecting") {
		t.Errorf("printed %q (stderr %q) over connections with Last-Event-ID %q", out, errOut, lastIDs)
	}
	if b, _ := os.ReadFile(cursor); string(b) != "1,c=6\n" {
		t.Errorf("cursor file %q", b)
	}
	if _, errOut, err := runWithInput(t, "", "stream", "--url", srv.URL, "--token", "bad"); err == nil || !strings.Contains(err.Error(), "401 Unauthorized: authentication required") {
		t.Errorf("refused: %v %s", err, errOut)
	}
}
