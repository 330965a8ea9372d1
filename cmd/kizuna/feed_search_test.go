package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna/node"
)

// searchIndicator is an indicator of a domain with labels, a creator, a
// marking and a modification time.
func searchIndicator(n int, domain, label, creator, marking string, modified time.Time) string {
	ts := modified.UTC().Format("2006-01-02T15:04:05.000Z")
	return fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--%08d-4e5f-4a6b-8c7d-9e0f1a2b3c4d","created":%q,"modified":%q,"labels":[%q],"created_by_ref":%q,"pattern":"[domain-name:value = '%s']","pattern_type":"stix","valid_from":"2020-01-01T00:00:00Z","object_marking_refs":[%q]}`,
		n, ts, ts, label, creator, domain, marking)
}

// TestSavedSearchFeeds: a feed with a saved search holds exactly the
// objects the reader may read that match every filter, by HTTP and by the
// command line alike; an object that matches but the reader may not read
// neither shows nor changes the feed's tag, one the reader may read that
// does not match leaves the tag as it was; bad filters are refused at
// 'feed add' naming the flag and the value.
func TestSavedSearchFeeds(t *testing.T) {
	base, data := startNode(t)
	au := strings.TrimSpace(MustRunCLI(t, "principal", "add", "--data", data, "--name", "mitchell", "--nation", "AUS", "--clearance", "AUS:SECRET", "--role", "reader"))
	const (
		green  = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
		noforn = "marking-definition--108df783-8ec7-48ec-9b39-9b917128ba94"
		x      = "identity--11111111-1111-4111-8111-111111111111"
		y      = "identity--22222222-2222-4222-8222-222222222222"
	)
	recent, old := time.Now().Add(-48*time.Hour), time.Date(2020, 3, 1, 0, 0, 0, 0, time.UTC)
	for i, o := range []string{
		searchIndicator(1, "a.example", "phishing", x, green, recent),
		searchIndicator(2, "b.example", "malware", x, green, recent),
		searchIndicator(3, "c.example", "phishing", x, noforn, recent), // not the AUS reader's
		searchIndicator(4, "d.example", "phishing", y, green, recent),
		searchIndicator(5, "f.example", "phishing", x, green, old),
	} {
		if _, stderr, err := runWithInput(t, o, "import", "--data", data, "--collection", node.SampleAlias, "-"); err != nil {
			t.Fatalf("import %d: %v\n%s", i, err, stderr)
		}
	}
	cases := []struct {
		name   string
		search []string
		want   string
	}{
		{"phish-x", []string{"--label", "phishing", "--created-by", x}, "a.example\nf.example\n"},
		{"labels", []string{"--label", "phishing", "--label", "malware", "--type", "indicator"}, "a.example\nb.example\nd.example\nf.example\n"},
		{"recent-x", []string{"--created-by", x, "--modified-since", "720h"}, "a.example\nb.example\n"},
		{"since-x", []string{"--created-by", x, "--modified-since", "2021-01-01T00:00:00Z"}, "a.example\nb.example\n"},
		{"green-x", []string{"--marking", green, "--created-by", x}, "a.example\nb.example\nf.example\n"},
		{"noforn", []string{"--marking", noforn}, ""},
	}
	tags := map[string]string{}
	for _, c := range cases {
		MustRunCLI(t, append([]string{"feed", "add", "--data", data, "--name", c.name, "--collection", node.SampleAlias, "--format", "blocklist-domain"}, c.search...)...)
		resp, body := feedGet(t, base+"/api/v1/feeds/"+c.name, au)
		if resp.StatusCode != http.StatusOK || body != c.want {
			t.Errorf("GET feed %s (%s): %d %q, want %q", c.name, strings.Join(c.search, " "), resp.StatusCode, body, c.want)
		}
		tags[c.name] = resp.Header.Get("ETag")
		out, stderr, err := runWithInput(t, "", append([]string{"export", "--data", data, "--collection", node.SampleAlias, "--format", "blocklist-domain", "--principal", "mitchell"}, c.search...)...)
		if err != nil || out != c.want {
			t.Errorf("export %s: %v %q, want %q\n%s", strings.Join(c.search, " "), err, out, c.want, stderr)
		}
		if out, _, err := runWithInput(t, "", "export", "--data", data, "--feed", c.name, "--principal", "mitchell"); err != nil || out != c.want {
			t.Errorf("export --feed %s: %v %q, want %q", c.name, err, out, c.want)
		}
	}
	if tags["phish-x"] == tags["green-x"] {
		t.Errorf("two searches of one collection share the tag %s", tags["phish-x"])
	}

	url := base + "/api/v1/feeds/phish-x"
	// Matching, but not the AUS reader's; then the reader's, not matching.
	MustRunCLIInput(t, searchIndicator(6, "g.example", "phishing", x, noforn, recent), "import", "--data", data, "--collection", node.SampleAlias, "-")
	MustRunCLIInput(t, searchIndicator(7, "h.example", "malware", x, green, recent), "import", "--data", data, "--collection", node.SampleAlias, "-")
	if resp, body := feedGet(t, url, au, "If-None-Match", tags["phish-x"]); resp.StatusCode != http.StatusNotModified {
		t.Errorf("after objects unreadable or not matching: %d %q, want 304", resp.StatusCode, body)
	}
	MustRunCLIInput(t, searchIndicator(8, "i.example", "phishing", x, green, recent), "import", "--data", data, "--collection", node.SampleAlias, "-")
	resp, body := feedGet(t, url, au, "If-None-Match", tags["phish-x"])
	if resp.StatusCode != http.StatusOK || resp.Header.Get("ETag") == tags["phish-x"] || body != "a.example\nf.example\ni.example\n" {
		t.Errorf("after a matching object the reader may read: %d ETag %q body %q", resp.StatusCode, resp.Header.Get("ETag"), body)
	}

	// The creator and the labels of an indicator the reader may read,
	// each in a portion the reader may not read: the search judges the
	// object as the reader sees it, and matches neither.
	for n, sel := range map[int]string{9: "created_by_ref", 10: "labels"} {
		o := searchIndicator(n, fmt.Sprintf("k%d.example", n), "phishing", x, green, recent)
		o = strings.TrimSuffix(o, "}") + `,"granular_markings":[{"marking_ref":"` + noforn + `","selectors":["` + sel + `"]}]}`
		MustRunCLIInput(t, o, "import", "--data", data, "--collection", node.SampleAlias, "-")
	}
	for name, want := range map[string]string{"phish-x": "a.example\nf.example\ni.example\n", "labels": "a.example\nb.example\nd.example\nf.example\nh.example\ni.example\nk9.example\n"} {
		if resp, body := feedGet(t, base+"/api/v1/feeds/"+name, au); resp.StatusCode != http.StatusOK || body != want {
			t.Errorf("feed %s with hidden portions: %d %q, want %q", name, resp.StatusCode, body, want)
		}
	}

	list := MustRunCLI(t, "feed", "list", "--data", data)
	if !strings.Contains(list, `--label "phishing" --created-by "`+x+`"`) || !strings.Contains(list, `--modified-since "720h"`) {
		t.Errorf("feed list does not show the searches:\n%s", list)
	}
	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"--type", "malware"}, `--type "malware": blocklist-domain takes indicators only`},
		{[]string{"--type", "Not A Type"}, `--type "Not A Type"`},
		{[]string{"--marking", "tlp:green"}, `--marking "tlp:green"`},
		{[]string{"--created-by", "indicator--8a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"}, `--created-by "indicator--`},
		{[]string{"--modified-since", "last week"}, `--modified-since "last week"`},
		{[]string{"--modified-since", "-5h"}, `--modified-since "-5h"`},
		{[]string{"--label", ""}, `--label ""`},
	} {
		_, stderr, err := runWithInput(t, "", append([]string{"feed", "add", "--data", data, "--name", "bad", "--collection", node.SampleAlias, "--format", "blocklist-domain"}, bad.args...)...)
		if err == nil || !strings.Contains(stderr+err.Error(), bad.want) {
			t.Errorf("feed add %s: %v %s, want an error naming %s", strings.Join(bad.args, " "), err, stderr, bad.want)
		}
	}
	if list2 := MustRunCLI(t, "feed", "list", "--data", data); list2 != list {
		t.Errorf("a refused feed add changed the feeds:\n%s", list2)
	}
	audited := 0
	for _, e := range auditEvents(t, data) {
		if e.Action == "feed.export" && strings.Contains(e.Reason, `search --label "phishing" --created-by "`+x+`"`) {
			audited++
		}
	}
	if audited < 3 { // HTTP, export --format, export --feed
		t.Errorf("%d feed.export audit events name the search of phish-x, want at least 3", audited)
	}
	if _, _, err := runWithInput(t, "", "export", "--data", data, "--feed", "phish-x", "--label", "x"); err == nil {
		t.Errorf("export --feed with --label: no error")
	}
}
