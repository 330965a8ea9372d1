package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// runCLI runs the command with captured streams and returns stdout, stderr
// and the exit code main would use.
func runCLI(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb}, args)
	code := 0
	if err != nil {
		var xe *exitError
		if errors.As(err, &xe) {
			code = xe.code
			errb.WriteString(xe.msg)
		} else {
			code = 1
			errb.WriteString(err.Error())
		}
	}
	return out.String(), errb.String(), code
}

func TestPatternValidate(t *testing.T) {
	cases := []struct {
		args    []string
		code    int
		message string
	}{
		{[]string{"[ipv4-addr:value = '198.51.100.1']"}, 0, ""},
		{[]string{"--stix-version", "2.0", "[ipv4-addr:value = '198.51.100.1']"}, 0, ""},
		{[]string{"[ipv4-addr:value = '198.51.100.1'"}, 1, "offset 33: "},
		{[]string{"[file:hashes.'SHA-256' = 'f00']"}, 1, "offset 1: 'f00' is not a valid SHA-256 hash"},
		{[]string{"[a:b = 1] WITHIN 5 SECONDS WITHIN 6 SECONDS"}, 1, "offset 27: duplicate qualifier"},
		{[]string{"--stix-version", "2.0", "[a:b EXISTS]"}, 1, "offset "},
		{[]string{"--stix-version", "3.0", "[a:b = 1]"}, 2, "unsupported"},
	}
	for _, c := range cases {
		_, stderr, code := runCLI(t, append([]string{"pattern", "validate"}, c.args...)...)
		if code != c.code || !strings.Contains(stderr, c.message) {
			t.Errorf("validate %q: code %d, stderr %q; want code %d and %q", c.args, code, stderr, c.code, c.message)
		}
	}
}

func TestPatternMatch(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "obs.json")
	data := `[{"type":"bundle","id":"bundle--1","objects":[
	 {"type":"observed-data","id":"observed-data--1","first_observed":"2024-01-01T00:00:00Z","last_observed":"2024-01-01T00:00:00Z","number_observed":1,"object_refs":["ipv4-addr--1"]},
	 {"type":"ipv4-addr","id":"ipv4-addr--1","value":"198.51.100.7"}]}]`
	if err := os.WriteFile(file, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		pattern string
		code    int
		stdout  string
	}{
		{"[ipv4-addr:value ISSUBSET '198.51.100.0/24']", 0, `{"matched":true,"sdo_ids":["observed-data--1"]}`},
		{"[ipv4-addr:value = '203.0.113.1']", 0, `{"matched":false,"sdo_ids":[]}`},
		{"[ipv4-addr:value = ", 1, ""},
		{"[ipv4-addr:value = '198.51.100.7'] WITHIN 0 SECONDS", 3, ""},
		{"[ipv4-addr:value = t'2024-01-01T00:00:00Z']", 3, ""},
	}
	for _, c := range cases {
		stdout, stderr, code := runCLI(t, "pattern", "match", c.pattern, file)
		if code != c.code || strings.TrimSpace(stdout) != c.stdout {
			t.Errorf("match %q: code %d, stdout %q, stderr %q; want code %d, stdout %q", c.pattern, code, stdout, stderr, c.code, c.stdout)
		}
		if code != 0 && stderr == "" {
			t.Errorf("match %q: exit %d without a message", c.pattern, code)
		}
	}
}

// workloadDir is the shared benchmark workload, found under the first
// "shared" directory in the working directory or a parent; "" when absent.
var workloadDir = func() string {
	wd, _ := os.Getwd()
	for wd != "" {
		p := filepath.Join(wd, "shared", "conformance", "stix-patterns", "bench-workload")
		if _, err := os.Stat(p); err == nil {
			return p
		}
		if parent := filepath.Dir(wd); parent != wd {
			wd = parent
		} else {
			wd = ""
		}
	}
	return ""
}()

func TestMatchWorkload(t *testing.T) {
	if workloadDir == "" {
		t.Skip("benchmark workload not present")
	}
	var exp struct {
		WholeSet struct {
			MatchingPatterns []string `json:"matching_patterns"`
		} `json:"whole_set"`
		PerObservation struct {
			Pairs [][2]string `json:"pairs"`
		} `json:"per_observation"`
	}
	raw, err := os.ReadFile(filepath.Join(workloadDir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &exp); err != nil {
		t.Fatal(err)
	}
	ind, obs := filepath.Join(workloadDir, "indicators.json"), filepath.Join(workloadDir, "observations.json")

	stdout, stderr, code := runCLI(t, "match", "--indicators", ind, "--observations", obs)
	if code != 0 {
		t.Fatalf("match: exit %d: %s", code, stderr)
	}
	var got [][2]string
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var m struct {
			Indicator    string `json:"indicator"`
			ObservedData string `json:"observed_data"`
		}
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		got = append(got, [2]string{m.Indicator, m.ObservedData})
	}
	cmpPair := func(a, b [2]string) int { return strings.Compare(a[0]+" "+a[1], b[0]+" "+b[1]) }
	slices.SortFunc(got, cmpPair)
	want := exp.PerObservation.Pairs
	slices.SortFunc(want, cmpPair)
	if !slices.Equal(got, want) {
		t.Errorf("per observation: %d pairs, want the %d of expected.json", len(got), len(want))
	}

	stdout, stderr, code = runCLI(t, "match", "--indicators", ind, "--observations", obs, "--whole-set")
	if code != 0 {
		t.Fatalf("match --whole-set: exit %d: %s", code, stderr)
	}
	var ids []string
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var m struct{ Indicator string }
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		ids = append(ids, m.Indicator)
	}
	slices.Sort(ids)
	wantIDs := exp.WholeSet.MatchingPatterns
	slices.Sort(wantIDs)
	if !slices.Equal(ids, wantIDs) {
		t.Errorf("whole set: %d indicators, want the %d of expected.json", len(ids), len(wantIDs))
	}
}

// TestMatchBadInput checks that "kizuna match" names the file, the object
// and the JSON path of bad input, in both modes.
func TestMatchBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	const od = `{"type":"observed-data","id":"observed-data--1","first_observed":"2024-01-01T00:00:00Z","last_observed":"2024-01-01T00:00:00Z","number_observed":1,"object_refs":["ipv4-addr--1"]}`
	const ip = `{"type":"ipv4-addr","id":"ipv4-addr--1","value":"198.51.100.7"}`
	good := write("ind.json", `{"indicators":[{"type":"indicator","id":"indicator--1","pattern_type":"stix","pattern":"[ipv4-addr:value = '198.51.100.7']"}]}`)
	cases := []struct {
		name, indicators, observations string
		want                           []string // in stderr
	}{
		{"syntax error in an SCO", "", "[\n{\"type\":\"bundle\",\"objects\":[" + od + "," + ip + "]},\n{\"type\":\"bundle\",\"objects\":[{\"type\":\"file\",\"hashes\":{\"MD5\":x}}]}\n]",
			[]string{"obs.json: bundle[1].objects[0]: hashes.MD5: malformed JSON at line 3, byte offset ", "'x' looking for the beginning of a value"}},
		{"truncated", "", `[{"type":"bundle","objects":[` + od, []string{"obs.json: bundle[0]: malformed JSON at line 1, byte offset 207: unexpected end of JSON input"}},
		{"garbage after the list", "", `[{"type":"bundle","objects":[]}] x`, []string{"obs.json: malformed JSON at line 1, byte offset 33: 'x' after top-level value"}},
		{"not a list", "", `5`, []string{"obs.json: malformed JSON at line 1, byte offset 0: '5' looking for the beginning of an array"}},
		{"bundle without objects", "", `[{"type":"bundle"}]`, []string{"obs.json: bundle[0]: objects: missing or not a list"}},
		{"object without an id", "", `[{"type":"bundle","objects":[` + od + `,{"type":"ipv4-addr"}]}]`, []string{"obs.json: bundle[0].objects[1]: object without a string type and id"}},
		{"bad timestamp", "", `[{"type":"bundle","objects":[` + strings.Replace(od, `"2024-01-01T00:00:00Z"`, `"yesterday"`, 1) + `]}]`, []string{"obs.json: observed-data--1: first_observed: "}},
		{"indicators malformed", `{"indicators":[{"type":"indicator",}]}`, `[]`, []string{"ind.json: malformed JSON at line 1, byte offset 35 (.indicators[0]): '}' looking for the beginning of an object key string"}},
		{"pattern not a string", `[{"type":"indicator","id":"indicator--2","pattern":7}]`, `[]`, []string{"ind.json: indicator--2: pattern: not a string"}},
		{"indicators not a list", `"x"`, `[]`, []string{"ind.json: not a list of indicators"}},
	}
	for _, c := range cases {
		ind := good
		if c.indicators != "" {
			ind = write("ind.json", c.indicators)
		}
		obs := write("obs.json", c.observations)
		for _, mode := range [][]string{nil, {"--whole-set"}} {
			_, stderr, code := runCLI(t, append([]string{"match", "--indicators", ind, "--observations", obs}, mode...)...)
			if code == 0 {
				t.Errorf("%s %v: exit 0", c.name, mode)
			}
			for _, w := range c.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("%s %v: stderr %q, want %q", c.name, mode, stderr, w)
				}
			}
		}
		if c.indicators != "" {
			good = write("ind.json", `{"indicators":[{"type":"indicator","id":"indicator--1","pattern_type":"stix","pattern":"[ipv4-addr:value = '198.51.100.7']"}]}`)
		}
	}
}

// TestMatchOneBundle checks that a file holding one bundle, not a list, is
// read as a list of that bundle (and that null entries and properties of
// the indicators count as absent).
func TestMatchOneBundle(t *testing.T) {
	dir := t.TempDir()
	ind := filepath.Join(dir, "ind.json")
	obs := filepath.Join(dir, "obs.json")
	os.WriteFile(ind, []byte(`[null,{"type":"indicator","id":"indicator--1","pattern":"[ipv4-addr:value = '198.51.100.7']","pattern_type":null}]`), 0o600)
	os.WriteFile(obs, []byte(` {"type":"bundle","objects":[{"type":"observed-data","id":"observed-data--1","first_observed":"2024-01-01T00:00:00Z","last_observed":"2024-01-01T00:00:00Z","number_observed":1,"object_refs":["ipv4-addr--1"]},{"type":"ipv4-addr","id":"ipv4-addr--1","value":"198.51.100.7"}]}`), 0o600)
	stdout, stderr, code := runCLI(t, "match", "--indicators", ind, "--observations", obs)
	if want := `{"indicator":"indicator--1","observed_data":"observed-data--1"}`; code != 0 || strings.TrimSpace(stdout) != want {
		t.Errorf("exit %d, stdout %q, stderr %q; want %s", code, stdout, stderr, want)
	}
	stdout, stderr, code = runCLI(t, "match", "--indicators", ind, "--observations", obs, "--whole-set")
	if want := `{"indicator":"indicator--1"}`; code != 0 || strings.TrimSpace(stdout) != want {
		t.Errorf("--whole-set: exit %d, stdout %q, stderr %q; want %s", code, stdout, stderr, want)
	}
}
