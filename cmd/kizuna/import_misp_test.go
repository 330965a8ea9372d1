package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna/federation"
	"github.com/kizuna-dev/kizuna/node"
	"github.com/kizuna-dev/kizuna/policy"
)

// The MISP test events (misp/testdata): a feed directory of three CIRCL
// OSINT events without a distribution (read as level 0), and an event with
// distribution 3. 98.126.156.210 is an ip-dst of the feed's SunOrcal
// event; 3208efe9... a sha256 of the level-3 event.
const (
	mispFeedDir   = "../../misp/testdata/feed"
	mispEvent     = "../../misp/testdata/events/5acc88e9-265c-4f22-9d2b-b702950d210f.json"
	mispFeedIP    = "98.126.156.210"
	mispGreenHash = "3208efe96d14f5a6a2840daecbead6b0f4d73c5a05192a1a8eef8b50bbfb4bc1"
)

// writeMapping writes a MISP mapping whose creator is the node's operator.
func writeMapping(t *testing.T, data, distribution string) string {
	t.Helper()
	id, err := node.ReadIdentity(context.Background(), federation.DirState(data))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "mapping.json")
	os.WriteFile(path, []byte(`{"created_by_ref":"`+id.Organization+`","distribution":{`+distribution+`}}`), 0o600)
	return path
}

// TestImportMISP imports MISP events and a MISP feed through the command
// line under an operator's mapping: the counts of attributes mapped and not
// mapped are printed, a second import changes nothing, the markings the
// mapping gives decide who reads what, an unmapped distribution is refused
// (not widened), and a source that cannot be read whole gives nothing.
func TestImportMISP(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	MustRunCLI(t, "init", "--data", data)
	mapping := writeMapping(t, data, `"0":["`+policy.TLP2Red+`"],"3":["`+policy.TLP2Green+`"]`)
	out := MustRunCLI(t, "import", "--data", data, "--collection", node.DefaultAlias, "--format", "misp", "--mapping", mapping, "--feed", mispFeedDir)
	for _, want := range []string{"events 3, attributes ", "attribute ip-dst ", "not mapped: ", "imported into default: "} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	MustRunCLI(t, "import", "--data", data, "--collection", node.DefaultAlias, "--format=misp", "--mapping", mapping, mispEvent)
	again := MustRunCLI(t, "import", "--data", data, "--collection", node.DefaultAlias, "--format", "misp", "--mapping", mapping, "--feed", mispFeedDir)
	if !strings.Contains(again, "(0 new, ") {
		t.Errorf("a second import stored new versions:\n%s", again)
	}

	// TLP:RED's audience is the importing organisation (the creator).
	MustRunCLI(t, "org", "add", "--data", data, "--name", "Other CERT", "--nation", "USA")
	MustRunCLI(t, "principal", "add", "--data", data, "--name", "own", "--role", "reader")
	MustRunCLI(t, "principal", "add", "--data", data, "--name", "other", "--org", "Other CERT", "--role", "reader")
	csv := func(who string) string {
		return MustRunCLI(t, "export", "--data", data, "--collection", node.DefaultAlias, "--principal", who, "--format", "csv", "--columns", "value,marking")
	}
	own, other := csv("own"), csv("other")
	if !strings.Contains(own, mispFeedIP) || !strings.Contains(own, mispGreenHash) {
		t.Errorf("the importing organisation does not read its import:\n%.2000s", own)
	}
	if strings.Contains(other, mispFeedIP) || strings.Contains(other, "TLP:RED") || !strings.Contains(other, mispGreenHash) {
		t.Errorf("another organisation reads the TLP:RED imports, or not the TLP:GREEN ones:\n%.2000s", other)
	}

	// Level 0 unmapped: the feed's events are refused, not imported wider.
	data2 := filepath.Join(t.TempDir(), "data")
	MustRunCLI(t, "init", "--data", data2)
	only3 := writeMapping(t, data2, `"3":["`+policy.TLP2Green+`"]`)
	out = MustRunCLI(t, "import", "--data", data2, "--collection", node.DefaultAlias, "--format", "misp", "--mapping", only3, "--feed", mispFeedDir, "--quiet")
	if !strings.Contains(out, "imported into default: 0 accepted") || !strings.Contains(out, "distribution") {
		t.Errorf("events of an unmapped distribution were imported:\n%s", out)
	}
	if all := MustRunCLI(t, "export", "--data", data2, "--collection", node.DefaultAlias, "--format", "csv", "--columns", "value"); strings.Contains(all, mispFeedIP) {
		t.Errorf("an event of an unmapped distribution was stored:\n%s", all)
	}

	// A file that is not MISP JSON is not imported; the others are.
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"Event": {"uuid": "5acc88e9-265c-4f22-9d2b-b702950d2110", "Attribute": [`), 0o600)
	stdout, _, err := runWithInput(t, "", "import", "--data", data2, "--collection", node.DefaultAlias, "--format", "misp", "--mapping", only3, bad, mispEvent)
	var xe *exitError
	if !errors.As(err, &xe) || xe.code != 1 || !strings.Contains(stdout, "not imported, nothing stored from it: "+bad) {
		t.Errorf("a broken file: err %v, stdout:\n%s", err, stdout)
	}
	if all := MustRunCLI(t, "export", "--data", data2, "--collection", node.DefaultAlias, "--format", "csv", "--columns", "value"); !strings.Contains(all, mispGreenHash) {
		t.Errorf("the good file beside a broken one was not imported:\n%s", all)
	}

	// A feed whose manifest names a missing event gives nothing.
	feed := t.TempDir()
	os.WriteFile(filepath.Join(feed, "manifest.json"), []byte(`{"5acc88e9-265c-4f22-9d2b-b702950d210f": {}, "6acc88e9-265c-4f22-9d2b-b702950d210f": {}}`), 0o600)
	ev, _ := os.ReadFile(mispEvent)
	os.WriteFile(filepath.Join(feed, "5acc88e9-265c-4f22-9d2b-b702950d210f.json"), ev, 0o600)
	data3 := filepath.Join(t.TempDir(), "data")
	MustRunCLI(t, "init", "--data", data3)
	stdout, _, err = runWithInput(t, "", "import", "--data", data3, "--collection", node.DefaultAlias, "--format", "misp", "--mapping", writeMapping(t, data3, `"3":["`+policy.TLP2Green+`"]`), "--feed", feed)
	if err == nil || !strings.Contains(stdout, "6acc88e9-265c-4f22-9d2b-b702950d210f") || !strings.Contains(stdout, "0 accepted") {
		t.Errorf("a feed with a missing event: err %v, stdout:\n%s", err, stdout)
	}

	// A mapping that widens nothing still has to be valid: errors name the
	// file and the entry.
	badMap := filepath.Join(t.TempDir(), "m.json")
	os.WriteFile(badMap, []byte(`{"created_by_ref":"identity--6b6c4a1e-2f3d-4c5b-8a9e-0d1c2b3a4f51","distribution":{"4":["`+policy.TLP2Red+`"]}}`), 0o600)
	_, _, err = runWithInput(t, "", "import", "--data", data3, "--collection", node.DefaultAlias, "--format", "misp", "--mapping", badMap, mispEvent)
	if err == nil || !strings.Contains(err.Error(), `m.json: distribution["4"]`) {
		t.Errorf("a bad mapping: %v", err)
	}
}
