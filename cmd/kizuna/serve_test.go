package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna/node"
	"github.com/kizuna-dev/kizuna/node/nodetest"
	"github.com/kizuna-dev/kizuna/policy/policytest"
	"github.com/kizuna-dev/kizuna/store/sqlite"
)

// startNode runs 'kizuna serve --sample' in-process on a free port and
// returns its base URL and data directory; the node stops with the test.
func startNode(t *testing.T) (base, data string) {
	t.Helper()
	data = filepath.Join(t.TempDir(), "data")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var out bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, &env{stdout: &out, stderr: io.Discard}, serveConfig{
			Data: data, Nation: "USA", Sample: true, ServeConfig: node.ServeConfig{MaxContentLength: 10 << 20, MaxPageSize: 1000},
		}, ln, slog.New(slog.DiscardHandler))
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve returned %v after shutdown", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("serve did not shut down within 30 s")
		}
	})
	base = "http://" + ln.Addr().String()
	nodetest.WaitHealthy(t, base)
	return base, data
}

// taxiiGet fetches a TAXII resource as a principal and returns the status
// and body.
func taxiiGet(t *testing.T, url, user, token string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Accept", "application/taxii+json;version=2.1")
	if user != "" {
		req.SetBasicAuth(user, token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

// TestReadmeTour replays the README's tour against a real node over HTTP:
// what a Japanese reader cleared 極秘 and an Australian reader cleared
// SECRET see of the sample data, and the 404 for an object one may not read.
func TestReadmeTour(t *testing.T) {
	base, data := startNode(t)
	jp := strings.TrimSpace(MustRunCLI(t, "principal", "add", "--data", data, "--name", "tanaka", "--nation", "JPN", "--clearance", "JPN:極秘", "--role", "reader"))
	au := strings.TrimSpace(MustRunCLI(t, "principal", "add", "--data", data, "--name", "mitchell", "--nation", "AUS", "--clearance", "AUS:SECRET", "--role", "reader"))

	if code, _ := taxiiGet(t, base+"/taxii2/", "", ""); code != http.StatusUnauthorized {
		t.Fatalf("discovery without credentials: %d, want 401", code)
	}
	code, body := taxiiGet(t, base+"/taxii2/api/collections/", "tanaka", jp)
	if code != http.StatusOK {
		t.Fatalf("collections: %d %s", code, body)
	}
	var cols struct {
		Collections []struct{ ID, Alias string } `json:"collections"`
	}
	json.Unmarshal(body, &cols)
	sample := ""
	for _, c := range cols.Collections {
		if c.Alias == node.SampleAlias {
			sample = c.ID
		}
	}
	if sample == "" {
		t.Fatalf("no sample collection in %s", body)
	}

	names := func(user, token string) map[string]string {
		code, body := taxiiGet(t, base+"/taxii2/api/collections/"+sample+"/objects/?match[type]=indicator", user, token)
		if code != http.StatusOK {
			t.Fatalf("%s: objects: %d %s", user, code, body)
		}
		var env struct {
			Objects []struct{ ID, Name string } `json:"objects"`
		}
		json.Unmarshal(body, &env)
		out := map[string]string{}
		for _, o := range env.Objects {
			out[o.Name] = o.ID
		}
		return out
	}
	jpSees, auSees := names("tanaka", jp), names("mitchell", au)
	// The README addresses the collection by its alias: the same answer.
	if code, body := taxiiGet(t, base+"/taxii2/api/collections/"+node.SampleAlias+"/objects/?match[type]=indicator", "tanaka", jp); code != http.StatusOK ||
		strings.Count(string(body), `"type":"indicator"`)+strings.Count(string(body), `"type": "indicator"`) != len(jpSees) {
		t.Errorf("collection by alias: %d, %d indicators, want %d", code, strings.Count(string(body), "indicator--"), len(jpSees))
	}
	want := map[string][2]bool{ // indicator name: {JPN reader sees, AUS reader sees}
		"Lure domain imitating a programme office":   {true, true},
		"CRANELOADER dropper (procurement form)":     {true, false},  // USA SECRET REL TO USA, JPN
		"CRANELOADER second-stage server":            {true, false},  // JPN 極秘 REL TO JPN, USA
		"Staging URL seen in US collection":          {false, false}, // SECRET NOFORN
		"Scanning range shared in the working group": {false, false}, // community cyber-wg
	}
	for name, w := range want {
		if _, ok := jpSees[name]; ok != w[0] {
			t.Errorf("JPN 極秘 reader sees %q: %t, want %t", name, ok, w[0])
		}
		if _, ok := auSees[name]; ok != w[1] {
			t.Errorf("AUS SECRET reader sees %q: %t, want %t", name, ok, w[1])
		}
	}
	// Asking for an invisible object by id is a 404, like a missing one.
	id := jpSees["CRANELOADER dropper (procurement form)"]
	if code, body := taxiiGet(t, base+"/taxii2/api/collections/"+sample+"/objects/"+id+"/", "mitchell", au); code != http.StatusNotFound {
		t.Errorf("AUS reader asking for %s: %d %s, want 404", id, code, body)
	}
	if code, _ := taxiiGet(t, base+"/taxii2/api/collections/"+sample+"/objects/"+id+"/", "tanaka", jp); code != http.StatusOK {
		t.Errorf("JPN reader asking for %s: %d, want 200", id, code)
	}

	// The portion marked SECRET//REL TO USA, JPN is removed for the AUS
	// reader, and the removal is listed.
	lure := auSees["Phishing sender address"]
	_, body = taxiiGet(t, base+"/taxii2/api/collections/"+sample+"/objects/"+lure+"/", "mitchell", au)
	if !strings.Contains(string(body), "x_kizuna_redacted") || strings.Contains(string(body), "hosting provider") {
		t.Errorf("AUS reader: the description should be redacted: %s", body)
	}
	_, body = taxiiGet(t, base+"/taxii2/api/collections/"+sample+"/objects/"+lure+"/", "tanaka", jp)
	if !strings.Contains(string(body), "hosting provider") {
		t.Errorf("JPN reader: the description should be visible: %s", body)
	}

	// Metrics count the requests just made; on the node's own address
	// they are the admin's.
	if code, _ := taxiiGet(t, base+"/metrics", "", ""); code != http.StatusUnauthorized {
		t.Errorf("/metrics without credentials: %d, want 401", code)
	}
	if code, _ := taxiiGet(t, base+"/metrics", "tanaka", jp); code != http.StatusForbidden {
		t.Errorf("/metrics as a reader: %d, want 403", code)
	}
	admin, err := os.ReadFile(filepath.Join(data, node.AdminTokenFile))
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, base+"/metrics", nil)
	req.SetBasicAuth(node.AdminName, strings.TrimSpace(string(admin)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !regexp.MustCompile(`kizuna_http_requests_total\{code="200",method="GET",route="/taxii2/"\} \d+`).Match(m) {
		t.Errorf("metrics lack the TAXII request count:\n%.2000s", m)
	}
	if !regexp.MustCompile(`(?m)^kizuna_taxii_ingest_backlog \d+$`).Match(m) {
		t.Errorf("metrics lack the ingest backlog:\n%.2000s", m)
	}
}

// TestImportReportsEachRejection imports from stdin a bundle with a byte-order
// mark, one valid and two invalid objects: the valid one is stored, each
// rejection is named on stderr with the object and the JSON path, and the
// exit code is non-zero.
func TestImportReportsEachRejection(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	MustRunCLI(t, "init", "--data", data)
	bundle := "\xef\xbb\xbf" + `{"type":"bundle","id":"bundle--6a1d3f5e-2c4b-4d8e-9f0a-1b2c3d4e5f60","objects":[
	{"type":"indicator","spec_version":"2.1","id":"indicator--0f3b2f43-4a0e-4c55-9d3e-1c2b3a4d5e6f","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","pattern":"[domain-name:value = 'a.example']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"},
	{"type":"indicator","spec_version":"2.1","id":"indicator--1f3b2f43-4a0e-4c55-9d3e-1c2b3a4d5e6f","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","pattern":"[domain-name:value = 'a.example']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z","confidence":101},
	{"type":"malware","spec_version":"2.1","id":"malware--2f3b2f43-4a0e-4c55-9d3e-1c2b3a4d5e6f","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"x"}
	]}`
	out, errOut, err := runWithInput(t, bundle, "import", "--data", data, "--collection", node.DefaultAlias, "-")
	var xe *exitError
	if !errors.As(err, &xe) || xe.code != 1 {
		t.Fatalf("import with rejections: err %v, want exit code 1", err)
	}
	if !strings.Contains(out, "1 accepted") || !strings.Contains(out, "2 rejected") {
		t.Errorf("summary: %q", out)
	}
	for _, want := range []string{"indicator--1f3b2f43-4a0e-4c55-9d3e-1c2b3a4d5e6f: $.confidence", "malware--2f3b2f43-4a0e-4c55-9d3e-1c2b3a4d5e6f: $.is_family"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
}

// TestInterruptedInitialisationResumes: a data directory whose bootstrap did
// not finish (no marker) is completed by the next 'init' without
// duplicating anything, and a finished one is refused.
func TestInterruptedInitialisationResumes(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	MustRunCLI(t, "init", "--data", data, "--sample")
	before := MustRunCLI(t, "collection", "list", "--data", data)
	if err := os.Remove(filepath.Join(data, node.BootstrapMarker)); err != nil {
		t.Fatal(err)
	}
	MustRunCLI(t, "init", "--data", data, "--sample")
	if after := MustRunCLI(t, "collection", "list", "--data", data); after != before {
		t.Errorf("resumed initialisation changed the collections:\n%s\nwant\n%s", after, before)
	}
	if _, _, err := runWithInput(t, "", "init", "--data", data); err == nil || !strings.Contains(err.Error(), "already initialised") {
		t.Errorf("init of a finished directory: %v", err)
	}
	// The sample was imported twice: every version is still there once.
	out := MustRunCLI(t, "export", "--data", data, "--collection", node.SampleAlias, "--principal", node.AdminName)
	seen := map[string]bool{}
	for _, line := range strings.Split(out, "\n") {
		var head struct{ ID, Modified string }
		if json.Unmarshal([]byte(strings.TrimSuffix(line, ",")), &head) != nil || head.ID == "" {
			continue
		}
		if seen[head.ID+head.Modified] {
			t.Errorf("%s stored twice", head.ID)
		}
		seen[head.ID+head.Modified] = true
	}
	if len(seen) == 0 {
		t.Errorf("export after resuming is empty:\n%s", out)
	}
}

// TestServeThrottlesFailedAuthentications runs `kizuna serve` with its
// default flags: past 30 failed authentications from one address in a
// minute, that address is answered 429, valid token included, and the
// node logs it once.
func TestServeThrottlesFailedAuthentications(t *testing.T) {
	n := MustFedNode(t, t.TempDir(), fedSpec{Name: "USA", Nation: "USA", Org: policytest.Orgs[0]}, false)
	n.start(t)
	defer n.stop(t, syscall.SIGTERM)
	for i := range 30 {
		if code, b := n.taxiiCode(t, http.MethodGet, "collections/", fmt.Sprintf("guess-%d", i), nil); code != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d %s", i, code, b)
		}
	}
	if code, b := n.taxiiCode(t, http.MethodGet, "collections/", n.reader, nil); code != http.StatusTooManyRequests {
		t.Fatalf("valid token after 30 failures: %d %s, want 429", code, b)
	}
	n.stop(t, syscall.SIGTERM)
	log, _ := os.ReadFile(filepath.Join(n.dir, "serve.log"))
	if strings.Count(string(log), "failed authentications throttled") != 1 || strings.Contains(string(log), "guess-") {
		t.Errorf("the throttling should be logged once, without the tokens:\n%s", log)
	}
	db, err := sqlite.Open(context.Background(), filepath.Join(n.dir, node.SQLiteFile))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	evs, err := db.FindAudit(context.Background(), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	throttled := 0
	for _, e := range evs {
		if e.Action == "auth.throttle" && e.Object == "127.0.0.1" && e.Decision == "deny" {
			throttled++
		}
	}
	if throttled != 1 {
		t.Errorf("%d auth.throttle audit records, want 1", throttled)
	}
}

func TestParsePrefix(t *testing.T) {
	for in, want := range map[string]string{
		"10.0.0.0/8":       "10.0.0.0/8",
		"10.1.2.3/8":       "10.0.0.0/8",
		"192.0.2.1":        "192.0.2.1/32",
		"::ffff:192.0.2.1": "192.0.2.1/32",
		"2001:db8::1":      "2001:db8::1/128",
		"2001:db8::/32":    "2001:db8::/32",
	} {
		if p, err := parsePrefix(in); err != nil || p.String() != want {
			t.Errorf("parsePrefix(%q) = %v, %v; want %s", in, p, err, want)
		}
	}
	for _, in := range []string{"", "nope", "10.0.0.0/33", "example.org"} {
		if _, err := parsePrefix(in); err == nil {
			t.Errorf("parsePrefix(%q) accepted", in)
		}
	}
}
