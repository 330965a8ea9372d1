package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/federation"
	"github.com/kizuna-dev/kizuna/policy"
)

// docBlocks returns the ```sh blocks of one section (a "## " heading) of a
// document, in order.
func docBlocks(t *testing.T, path, heading string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var blocks []string
	var cur *strings.Builder
	in := false
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "## "):
			in = line == heading
		case !in:
		case cur == nil && line == "```sh":
			cur = &strings.Builder{}
		case cur != nil && line == "```":
			blocks = append(blocks, cur.String())
			cur = nil
		case cur != nil:
			cur.WriteString(line + "\n")
		}
	}
	return blocks
}

// buildKizuna builds the kizuna binary, as an operator would, into a
// directory of its own.
func buildKizuna(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "kizuna")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// cliMesh is the three-node setup of docs/federation.md, run from its
// own blocks.
type cliMesh struct {
	t       *testing.T
	work    string
	env     []string
	helpers string
	nodes   map[string]*fedNode
}

// sh runs a script of the document in bash, after the helpers block, in
// the working directory, and returns its standard output.
func (m *cliMesh) sh(script string) string {
	m.t.Helper()
	cmd := exec.Command("bash", "-euo", "pipefail", "-c", m.helpers+script)
	cmd.Dir, cmd.Env = m.work, m.env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		m.t.Fatalf("the documented commands failed: %v\n%s\nstderr:\n%s", err, script, stderr.String())
	}
	return string(out)
}

// keyField reads one field of a node's key file, as the helpers' key does.
func (m *cliMesh) keyField(node, field string) string {
	m.t.Helper()
	b, err := os.ReadFile(filepath.Join(m.work, node+".key"))
	if err != nil {
		m.t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+": "); ok {
			return v
		}
	}
	m.t.Fatalf("%s.key has no %s", node, field)
	return ""
}

func (m *cliMesh) token(name string) string {
	m.t.Helper()
	b, err := os.ReadFile(filepath.Join(m.work, name+".token"))
	if err != nil {
		m.t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// serve runs the serve block (the nodes in the background of one shell,
// which waits for them) and waits until every node answers.
func (m *cliMesh) serve(block string) {
	t := m.t
	t.Helper()
	cmd := exec.Command("bash", "-c", m.helpers+block+"wait\n")
	cmd.Dir, cmd.Env = m.work, m.env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) // the shell and the nodes it started
		cmd.Wait()
		if t.Failed() {
			for _, n := range []string{"usa", "jpn", "aus"} {
				b, _ := os.ReadFile(filepath.Join(m.work, n+".log"))
				t.Logf("%s.log:\n%s", n, b)
			}
		}
	})
	for _, n := range m.nodes {
		deadline := time.Now().Add(30 * time.Second)
		for {
			resp, err := n.client.Get("https://" + n.addr + "/healthz")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					break
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("node %s did not start: %v", n.Name, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// cliObject is one object the test publishes, and where it must end up.
type cliObject struct {
	raw  json.RawMessage
	id   string
	want []string // the nodes that must hold it
}

// TestFederationThreeNodesCLI sets up three nodes exactly as
// docs/federation.md tells an operator, running its shell blocks with a
// freshly built kizuna, and checks that newly created markings travel with
// the objects that use them: each node ends up holding exactly what its
// agreements allow, marking-definitions included, each version once.
func TestFederationThreeNodesCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("builds kizuna and runs three nodes: skipped in -short mode")
	}
	blocks := docBlocks(t, filepath.Join("..", "..", "docs", "federation.md"), "## Three nodes on one machine")
	if len(blocks) != 7 {
		t.Fatalf("docs/federation.md, section Three nodes on one machine: %d sh blocks, want 7 (helpers, init, agreements, principals, serve, publish, read)", len(blocks))
	}
	helpers, initNodes, agreements, people, serveBlock, publish, read := blocks[0], blocks[1], blocks[2], blocks[3], blocks[4], blocks[5], blocks[6]
	bin := buildKizuna(t)
	m := &cliMesh{t: t, work: t.TempDir(), helpers: helpers, nodes: map[string]*fedNode{}}
	addrs := map[string]string{"usa": freeAddr(t), "jpn": freeAddr(t), "aus": freeAddr(t)}
	m.env = append(os.Environ(), "PATH="+filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"),
		"USA_ADDR="+addrs["usa"], "JPN_ADDR="+addrs["jpn"], "AUS_ADDR="+addrs["aus"])
	m.sh(initNodes)
	m.sh(agreements)
	m.sh(people)
	for name, addr := range addrs {
		client, err := federation.PinnedClient(m.keyField(name, "cert-sha256"), 30*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		m.nodes[name] = &fedNode{fedSpec: fedSpec{Name: strings.ToUpper(name)}, dir: filepath.Join(m.work, name), addr: addr, scheme: "https", client: client}
	}
	usa, jpn, aus := m.nodes["usa"], m.nodes["jpn"], m.nodes["aus"]
	usa.publisher, jpn.publisher = m.token("usa-publisher"), m.token("jpn-publisher")
	m.serve(serveBlock)

	// The documented publication: a new SECRET//REL TO USA, JPN marking
	// and an indicator under it, read by the JPN analyst on the JPN node.
	var status struct{ Failures []any }
	if out := m.sh(publish); json.Unmarshal([]byte(out), &status) != nil || len(status.Failures) > 0 {
		t.Fatalf("the documented POST: %s", out)
	}
	const relJPN, relJPNIndicator = "marking-definition--3f0e2a4c-5b6d-4e7f-8a9b-0c1d2e3f4a5b", "indicator--4a1f3b5d-6c7e-4f80-9a1b-2c3d4e5f6a7b"
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(m.sh(read), `"id":"`+relJPNIndicator+`"`) {
		if time.Now().After(deadline) {
			t.Fatalf("the JPN analyst cannot read the indicator on the JPN node: %s", m.sh(read))
		}
		time.Sleep(100 * time.Millisecond)
	}

	// Every other kind of marking, new ones created on the spot.
	usaOrg, jpnOrg := m.keyField("usa", "organization"), m.keyField("jpn", "organization")
	all := []cliObject{
		{id: relJPN, want: []string{"usa", "jpn"}},
		{id: relJPNIndicator, want: []string{"usa", "jpn"}},
		{id: usaOrg, want: []string{"jpn", "aus"}}, // the creator of what reached them
		{id: jpnOrg, want: []string{"usa", "aus"}},
	}
	fiveEyes := cliMarking(usaOrg, "FIVE-EYES community", `"communities": ["five-eyes"]`, "usa", "aus")
	cyberWG := cliMarking(usaOrg, "CYBER-WG community", `"communities": ["cyber-wg"]`, "usa", "jpn", "aus")
	noforn := cliMarking(usaOrg, "SECRET//NOFORN", `"scheme": "USA", "level": "SECRET", "noforn": true`, "usa")
	gokuhi := cliMarking(jpnOrg, "極秘 – releasable to JPN, USA", `"scheme": "JPN", "level": "gokuhi", "releasable_to": ["JPN", "USA"]`, "jpn", "usa")
	audience := fmt.Sprintf(`"extensions": {%q: {"extension_type": "property-extension", "audience": [%q, %q]}}`, policy.ExtensionID, usaOrg, jpnOrg)
	fromUSA := []cliObject{
		cliIndicator(usaOrg, relJPN, "", "usa", "jpn"), // a second object under a marking the peer has
		cliIndicator(usaOrg, policy.TLP2Green, "", "usa", "jpn", "aus"),
		cliIndicator(usaOrg, policy.TLP2Amber, "", "usa"),              // audience: its creator
		cliIndicator(usaOrg, policy.TLP2Amber, audience, "usa", "jpn"), // AUS takes GREEN at most
		fiveEyes, cliIndicator(usaOrg, fiveEyes.id, "", fiveEyes.want...),
		cyberWG, cliIndicator(usaOrg, cyberWG.id, "", cyberWG.want...),
		noforn, cliIndicator(usaOrg, noforn.id, "", noforn.want...),
	}
	fromJPN := []cliObject{
		gokuhi, cliIndicator(jpnOrg, gokuhi.id, "", gokuhi.want...),
		cliIndicator(jpnOrg, policy.TLP2Green, "", "jpn", "usa", "aus"),
	}
	for _, p := range []struct {
		node *fedNode
		objs []cliObject
	}{{usa, fromUSA}, {jpn, fromJPN}} {
		var raws []json.RawMessage
		for _, o := range p.objs {
			raws = append(raws, o.raw)
		}
		for key, msg := range p.node.post(t, raws) {
			if msg != "" {
				t.Fatalf("%s refused %s: %s", p.node.Name, key, msg)
			}
		}
		all = append(all, p.objs...)
	}

	want := map[string]map[string]bool{"usa": {}, "jpn": {}, "aus": {}}
	for _, o := range all {
		for _, n := range o.want {
			want[n][o.id] = true
		}
	}
	MustHoldExactly(t, m.nodes, want, 60*time.Second)

	// What arrived is interpreted there: the AUS analyst reads the
	// five-eyes indicator on the AUS node, and nothing classified exists
	// for it.
	aus.reader = m.token("aus-analyst")
	if code, b := aus.taxiiCode(t, http.MethodGet, "collections/default/objects/"+fromUSA[5].id+"/", aus.reader, nil); code != http.StatusOK {
		t.Errorf("the AUS analyst reads the FIVE-EYES indicator on the AUS node: %d %s", code, b)
	}
	if code, _ := aus.taxiiCode(t, http.MethodGet, "collections/default/objects/"+relJPNIndicator+"/", aus.reader, nil); code != http.StatusNotFound {
		t.Errorf("the SECRET//REL TO USA, JPN indicator on the AUS node: %d, want 404", code)
	}
}

// MustHoldExactly polls until every node's default collection holds
// exactly the ids wanted, each in one version.
func MustHoldExactly(t *testing.T, nodes map[string]*fedNode, want map[string]map[string]bool, wait time.Duration) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		var problems []string
		for name, n := range nodes {
			held := n.held(t)
			for _, id := range slices.Sorted(maps.Keys(want[name])) {
				if len(held[id]) == 0 {
					problems = append(problems, fmt.Sprintf("%s lacks %s", name, id))
				}
			}
			for _, id := range slices.Sorted(maps.Keys(held)) {
				if !want[name][id] {
					problems = append(problems, fmt.Sprintf("%s holds %s, which its agreements do not allow", name, id))
				} else if len(held[id]) != 1 {
					problems = append(problems, fmt.Sprintf("%s holds %d versions of %s", name, len(held[id]), id))
				}
			}
		}
		if len(problems) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the nodes do not hold what the agreements allow:\n  %s", strings.Join(problems, "\n  "))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// cliMarking is a new marking-definition of kizuna's extension.
func cliMarking(creator, name, ext string, want ...string) cliObject {
	id := "marking-definition--" + kizuna.NewUUID()
	raw := fmt.Sprintf(`{"type": "marking-definition", "spec_version": "2.1", "id": %q, "created": %q, "created_by_ref": %q, "name": %q,
		"extensions": {%q: {"extension_type": "property-extension", %s}}}`, id, cliNow(), creator, name, policy.ExtensionID, ext)
	return cliObject{raw: json.RawMessage(raw), id: id, want: want}
}

// cliIndicator is a new indicator marked with one marking, with further
// properties (extra, JSON members) if any.
func cliIndicator(creator, marking, extra string, want ...string) cliObject {
	id := "indicator--" + kizuna.NewUUID()
	if extra != "" {
		extra = ", " + extra
	}
	raw := fmt.Sprintf(`{"type": "indicator", "spec_version": "2.1", "id": %q, "created": %q, "modified": %q, "created_by_ref": %q,
		"pattern": "[ipv4-addr:value = '198.51.100.9']", "pattern_type": "stix", "valid_from": %q, "object_marking_refs": [%q]%s}`,
		id, cliNow(), cliNow(), creator, cliNow(), marking, extra)
	return cliObject{raw: json.RawMessage(raw), id: id, want: want}
}

func cliNow() string { return time.Now().UTC().Format("2006-01-02T15:04:05.000Z") }
