package main

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna/feed"
	"github.com/kizuna-dev/kizuna/feed/feedhttp"
	"github.com/kizuna-dev/kizuna/node"
)

// feedGet fetches a feed with a bearer token and optional headers.
func feedGet(t *testing.T, url, token string, hdr ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("%s: %v", url, err)
	}
	return resp, string(b)
}

// The sample's indicator values, by who may read them: the JPN 極秘 reader
// reads the first four, the AUS SECRET reader the first two.
var (
	sampleGreen  = []string{"jpo-procurement.example", "notices@jpo-procurement.example"}
	sampleUSJP   = []string{"6f1ed002ab5595859014ebf0951522d9a8b4e9a1c2f9", "203.0.113.45"}
	sampleHidden = []string{"update.bin", "198.51.100.", "Staging URL", "Scanning range"}
)

// TestFeedsHoldOnlyWhatTheReaderMayRead exports the sample's mixed-marking
// collection in every feed format through the real HTTP path and the real
// command line, as two readers of different nations and clearances: each
// export holds nothing the reader may not read, and holds what it may.
func TestFeedsHoldOnlyWhatTheReaderMayRead(t *testing.T) {
	base, data := startNode(t)
	jp := strings.TrimSpace(MustRunCLI(t, "principal", "add", "--data", data, "--name", "tanaka", "--nation", "JPN", "--clearance", "JPN:極秘", "--role", "reader"))
	au := strings.TrimSpace(MustRunCLI(t, "principal", "add", "--data", data, "--name", "mitchell", "--nation", "AUS", "--clearance", "AUS:SECRET", "--role", "reader"))
	tags := filepath.Join(t.TempDir(), "tags.json")
	os.WriteFile(tags, []byte(`{"TLP:AMBER // USA SECRET // REL TO JPN, USA": ["kizuna:rel-usa-jpn"], "TLP:AMBER // JPN 極秘 // REL TO JPN, USA": ["kizuna:rel-jpn-usa"]}`), 0o600)
	for _, f := range feed.Formats() {
		args := []string{"feed", "add", "--data", data, "--name", "s-" + f, "--collection", node.SampleAlias, "--format", f}
		switch f {
		case feed.FormatCSV:
			args = append(args, "--columns", "id,value,name,pattern,marking")
		case feed.FormatMISP:
			args = append(args, "--misp-tags", tags)
		}
		MustRunCLI(t, args...)
	}
	readers := []struct {
		name, token string
		may, mayNot []string
	}{
		{"tanaka", jp, append(append([]string{}, sampleGreen...), sampleUSJP...), sampleHidden},
		{"mitchell", au, sampleGreen, append(append([]string{}, sampleUSJP...), sampleHidden...)},
	}
	for _, r := range readers {
		// all gathers the reader's exports: every value it may read must
		// show in some format (a format carries only some kinds).
		var all strings.Builder
		check := func(path, body string) {
			for _, s := range r.mayNot {
				if strings.Contains(body, s) {
					t.Errorf("%s: %s holds %q, which the reader may not read:\n%.1500s", r.name, path, s, body)
				}
			}
			all.WriteString(body)
		}
		for _, f := range feed.Formats() {
			url := base + "/api/v1/feeds/s-" + f
			resp, body := feedGet(t, url, r.token)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s: GET %s: %d %s", r.name, url, resp.StatusCode, body)
			}
			check("GET "+url, body)
			marks, err := feedhttp.DecodeMarkings(resp.Trailer.Get(feedhttp.MarkingsTrailer))
			if err != nil {
				t.Errorf("%s: %s: trailer: %v", r.name, url, err)
			}
			check(url+" markings trailer", strings.Join(marks, "\n"))
			if f == feed.FormatSuricata {
				for _, line := range strings.Split(body, "\n") {
					if i := strings.Index(line, "filesha256:"); i >= 0 {
						list := strings.TrimSuffix(line[i+len("filesha256:"):], line[strings.Index(line[i:], ";")+i:])
						lresp, lbody := feedGet(t, url+"/lists/"+list, r.token)
						if lresp.StatusCode != http.StatusOK {
							t.Errorf("%s: list %s: %d %s", r.name, list, lresp.StatusCode, lbody)
						}
						check("list "+list, lbody)
					}
				}
				if err := feed.CheckRules(feed.Suricata, strings.NewReader(body)); err != nil {
					t.Errorf("%s: the feed's rules fail the grammar check: %v", r.name, err)
				}
			}
			// The command line, as the same reader, through the same guard.
			out := t.TempDir()
			stdout, stderr, err := runWithInput(t, "", "export", "--data", data, "--feed", "s-"+f, "--principal", r.name, "--out", out)
			if err != nil {
				t.Fatalf("%s: export --feed s-%s: %v\n%s", r.name, f, err, stderr)
			}
			check("export --feed s-"+f+" (stderr)", stdout+stderr)
			files, _ := os.ReadDir(out)
			for _, fe := range files {
				b, _ := os.ReadFile(filepath.Join(out, fe.Name()))
				check("export "+f+" "+fe.Name(), string(b))
				if st, _ := fe.Info(); st.Mode().Perm() != 0o600 {
					t.Errorf("export %s: %s has mode %v, want 0600", f, fe.Name(), st.Mode().Perm())
				}
			}
		}
		for _, s := range r.may {
			if !strings.Contains(all.String(), s) {
				t.Errorf("%s: no export holds %q, which the reader may read", r.name, s)
			}
		}
	}
}

// TestFeedPolling: an unchanged feed is answered 304 to If-None-Match and
// to If-Modified-Since; an object the reader may read changes it, one the
// reader may not read does not (the tag tells nothing of it); a feed whose
// collection the reader may not read is as absent as one that does not
// exist; no credentials, no feed.
func TestFeedPolling(t *testing.T) {
	base, data := startNode(t)
	au := strings.TrimSpace(MustRunCLI(t, "principal", "add", "--data", data, "--name", "mitchell", "--nation", "AUS", "--clearance", "AUS:SECRET", "--role", "reader"))
	MustRunCLI(t, "feed", "add", "--data", data, "--name", "domains", "--collection", node.SampleAlias, "--format", "blocklist-domain")
	url := base + "/api/v1/feeds/domains"
	resp, body := feedGet(t, url, au)
	tag, lm := resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
	if resp.StatusCode != http.StatusOK || tag == "" || lm == "" || body != "jpo-procurement.example\n" {
		t.Fatalf("first poll: %d ETag %q Last-Modified %q body %q", resp.StatusCode, tag, lm, body)
	}
	if resp, body := feedGet(t, url, au, "If-None-Match", tag); resp.StatusCode != http.StatusNotModified || body != "" {
		t.Errorf("If-None-Match of the same tag: %d %q, want 304", resp.StatusCode, body)
	}
	if resp, _ := feedGet(t, url, au, "If-Modified-Since", lm); resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-Modified-Since the last modification: %d, want 304", resp.StatusCode)
	}
	if resp, _ := feedGet(t, url, au, "If-None-Match", `"other"`, "If-Modified-Since", lm); resp.StatusCode != http.StatusOK {
		t.Errorf("If-None-Match of another tag decides alone: %d, want 200", resp.StatusCode)
	}

	// An indicator marked NOFORN (USA only): not the AUS reader's.
	hidden := `{"type":"indicator","spec_version":"2.1","id":"indicator--7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d","created":"2026-03-01T00:00:00.000Z","modified":"2026-03-01T00:00:00.000Z","pattern":"[domain-name:value = 'noforn.example']","pattern_type":"stix","valid_from":"2026-03-01T00:00:00Z","object_marking_refs":["marking-definition--108df783-8ec7-48ec-9b39-9b917128ba94"]}`
	MustRunCLIInput(t, hidden, "import", "--data", data, "--collection", node.SampleAlias, "-")
	if resp, body := feedGet(t, url, au, "If-None-Match", tag); resp.StatusCode != http.StatusNotModified {
		t.Errorf("after an object the reader may not read: %d %q, want 304 (the tag must not tell of it)", resp.StatusCode, body)
	}
	green := `{"type":"indicator","spec_version":"2.1","id":"indicator--8a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d","created":"2026-03-01T00:00:00.000Z","modified":"2026-03-01T00:00:00.000Z","pattern":"[domain-name:value = 'green.example']","pattern_type":"stix","valid_from":"2026-03-01T00:00:00Z","object_marking_refs":["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]}`
	MustRunCLIInput(t, green, "import", "--data", data, "--collection", node.SampleAlias, "-")
	resp, body = feedGet(t, url, au, "If-None-Match", tag)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("ETag") == tag || body != "green.example\njpo-procurement.example\n" {
		t.Errorf("after a new object the reader may read: %d ETag %q body %q", resp.StatusCode, resp.Header.Get("ETag"), body)
	}

	// A collection of USA readers only, and its feed.
	MustRunCLI(t, "collection", "add", "--data", data, "--title", "US only", "--alias", "usonly", "--nations", "USA")
	MustRunCLI(t, "feed", "add", "--data", data, "--name", "us", "--collection", "usonly", "--format", "csv")
	r1, b1 := feedGet(t, base+"/api/v1/feeds/us", au)
	r2, b2 := feedGet(t, base+"/api/v1/feeds/nosuch", au)
	shape := func(b string) string { return regexp.MustCompile(`"error_id":"[^"]*"`).ReplaceAllString(b, "") }
	if r1.StatusCode != http.StatusNotFound || r2.StatusCode != http.StatusNotFound ||
		shape(strings.Replace(b1, `\"us\"`, `\"nosuch\"`, 1)) != shape(b2) {
		t.Errorf("a feed of a collection the reader may not read: %d %s; a feed that does not exist: %d %s", r1.StatusCode, b1, r2.StatusCode, b2)
	}
	if resp, _ := feedGet(t, url, ""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("no credentials: %d, want 401", resp.StatusCode)
	}
	events := auditEvents(t, data)
	exports := 0
	for _, e := range events {
		if e.Action == "feed.export" && strings.Contains(e.Reason, "feed domains (blocklist-domain) over HTTP") {
			exports++
		}
	}
	if exports != 3 { // the three answers 200 with the feed; 304s are not exports
		t.Errorf("%d feed.export audit events for the domains feed, want 3", exports)
	}
}

// MustRunCLIInput runs a kizuna command with stdin and fails the test if it
// fails.
func MustRunCLIInput(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	out, errOut, err := runWithInput(t, stdin, args...)
	if err != nil {
		t.Fatalf("kizuna %s: %v\nstderr:\n%s", strings.Join(args, " "), err, errOut)
	}
	return out
}
