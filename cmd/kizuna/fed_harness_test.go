package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
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
	"github.com/kizuna-dev/kizuna/node"
	"github.com/kizuna-dev/kizuna/store/sqlite"
)

// fedSpec describes one node of a test mesh.
type fedSpec struct {
	Name, Nation string
	Org          string   // its principals' organisation and its org as a peer
	Behind       []string // further organisations behind it
	// Ceiling is the agreement ceiling other nodes give it.
	Ceiling     []string
	Communities []string
	MaxTLP      string
	// Store and KeyFile, when set, put the node on PostgreSQL.
	Store, KeyFile string
	// Maps are the node's collection mappings to each of its peers
	// (LOCAL=REMOTE; none: default=default).
	Maps []string
}

// nodeArgs are the flags that name the node on a command line.
func (s fedSpec) nodeArgs(dir string) []string {
	args := []string{"--data", dir}
	if s.Store != "" {
		args = append(args, "--store", s.Store, "--key-file", s.KeyFile)
	}
	return args
}

// cli runs a kizuna command on the node (its --data, --store and
// --key-file added after the command's words) and returns its output.
func (n *fedNode) cli(t *testing.T, args ...string) string {
	t.Helper()
	i := slices.IndexFunc(args, func(a string) bool { return strings.HasPrefix(a, "-") })
	if i < 0 {
		i = len(args)
	}
	return MustRunCLI(t, slices.Concat(args[:i], n.nodeArgs(n.dir), args[i:])...)
}

// fedNode is a node of a test mesh: a data directory and, while running, a
// child process serving it.
type fedNode struct {
	fedSpec
	dir, addr, scheme string
	nodeID, key, cert string
	publisher, reader string // tokens
	peerTokens        map[string]string
	cmd               *exec.Cmd
	log               *os.File
	client            *http.Client
	// serveArgs are added to the node's 'kizuna serve' command line, env
	// to its environment.
	serveArgs, env []string
}

func (n *fedNode) apiRoot() string { return n.scheme + "://" + n.addr + "/taxii2/api/" }

// freeAddr returns a loopback address with a port free right now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// MustMesh initialises the nodes and peers each with every other one.
func MustMesh(t *testing.T, useTLS bool, specs ...fedSpec) []*fedNode {
	t.Helper()
	root := t.TempDir()
	nodes := make([]*fedNode, len(specs))
	for i, s := range specs {
		nodes[i] = MustFedNode(t, root, s, useTLS)
	}
	peerMesh(t, nodes)
	return nodes
}

// peerMesh peers each node with every other one.
func peerMesh(t *testing.T, nodes []*fedNode) {
	t.Helper()
	for _, a := range nodes {
		for _, b := range nodes {
			if a == b {
				continue
			}
			args := []string{"peer", "add", "--name", strings.ToLower(b.Name), "--url", b.apiRoot(),
				"--node", b.nodeID, "--public-key", b.key, "--cert-sha256", b.cert, "--nation", b.Nation, "--org", b.Org, "--max-tlp", b.MaxTLP}
			for _, o := range b.Behind {
				args = append(args, "--behind", o)
			}
			for _, c := range b.Ceiling {
				args = append(args, "--clearance", c)
			}
			for _, c := range b.Communities {
				args = append(args, "--community", c)
			}
			for _, m := range a.Maps {
				args = append(args, "--map", m)
			}
			// b's token on a, which b presents when pushing to a.
			b.peerTokens[a.Name] = strings.TrimSpace(a.cli(t, args...))
		}
	}
	for _, a := range nodes {
		for _, b := range nodes {
			if a != b {
				a.cli(t, "peer", "set-token", "--name", strings.ToLower(b.Name), "--token", a.peerTokens[b.Name])
			}
		}
	}
}

// MustFedNode initialises a node's data directory under root, with a
// publisher and a reader of its organisation.
func MustFedNode(t *testing.T, root string, s fedSpec, useTLS bool) *fedNode {
	t.Helper()
	n := &fedNode{fedSpec: s, dir: filepath.Join(root, strings.ToLower(s.Name)), addr: freeAddr(t), scheme: "http", peerTokens: map[string]string{}}
	if useTLS {
		n.scheme = "https"
	}
	n.cli(t, "init", "--nation", s.Nation, "--name", s.Name)
	for _, line := range strings.Split(n.cli(t, "node", "key"), "\n") {
		k, v, _ := strings.Cut(line, ": ")
		switch k {
		case "node":
			n.nodeID = v
		case "public-key":
			n.key = v
		case "cert-sha256":
			n.cert = v
		}
	}
	pubArgs := []string{"principal", "add", "--name", "publisher", "--role", "publisher", "--role", "reader", "--org", s.Org,
		"--clearance", "USA:TOP SECRET", "--clearance", "JPN:tokutei-himitsu", "--clearance", "JPN:kimitsu", "--clearance", "AUS:TOP SECRET"}
	n.publisher = strings.TrimSpace(n.cli(t, pubArgs...))
	n.reader = strings.TrimSpace(n.cli(t, "principal", "add", "--name", "reader", "--role", "reader", "--org", s.Org))
	if useTLS {
		hc, err := federation.PinnedClient(n.cert, 30*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		n.client = hc
	} else {
		n.client = &http.Client{Timeout: 30 * time.Second}
	}
	return n
}

// start runs the node as a child process (the test binary acting as
// kizuna) and waits until it answers.
func (n *fedNode) start(t *testing.T) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	args := append([]string{"serve", "--listen", n.addr, "--federation-catch-up", "1s", "--log-level", "warn"}, n.nodeArgs(n.dir)...)
	if n.scheme == "https" {
		args = append(args, "--tls")
	}
	args = append(args, n.serveArgs...)
	n.cmd = exec.Command(self, args...)
	n.cmd.Env = append(append(os.Environ(), "KIZUNA_TEST_MAIN=1"), n.env...)
	if n.log, err = os.OpenFile(filepath.Join(n.dir, "serve.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600); err != nil {
		t.Fatal(err)
	}
	n.cmd.Stdout, n.cmd.Stderr = n.log, n.log
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := n.client.Get(n.scheme + "://" + n.addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			n.stop(t, syscall.SIGKILL)
			b, _ := os.ReadFile(filepath.Join(n.dir, "serve.log"))
			t.Fatalf("node %s did not start: %v\n%s", n.Name, err, b)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop sends sig to the node's process and waits for it to end.
func (n *fedNode) stop(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if n.cmd == nil {
		return
	}
	n.cmd.Process.Signal(sig)
	n.cmd.Wait()
	n.cmd = nil
	n.log.Close()
}

// post publishes objects as the node's publisher and returns the outcome
// of each version, keyed by versionKey: "" for a success, else the
// failure message.
func (n *fedNode) post(t *testing.T, objects []json.RawMessage) map[string]string {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"objects": objects})
	st := n.taxii(t, http.MethodPost, "collections/default/objects/", n.publisher, body)
	var status struct {
		ID, Status string
		Successes  []struct{ ID, Version string }
		Failures   []struct{ ID, Version, Message string }
	}
	for {
		if err := json.Unmarshal(st, &status); err != nil {
			t.Fatalf("status: %v: %s", err, st)
		}
		if status.Status == kizuna.StatusComplete {
			break
		}
		time.Sleep(20 * time.Millisecond)
		st = n.taxii(t, http.MethodGet, "status/"+status.ID+"/", n.publisher, nil)
	}
	out := map[string]string{}
	key := func(id, version string) string {
		v, err := time.Parse(time.RFC3339Nano, version)
		if err != nil {
			return id + "@" + version
		}
		return versionKey(id, v)
	}
	for _, s := range status.Successes {
		out[key(s.ID, s.Version)] = ""
	}
	for _, f := range status.Failures {
		out[key(f.ID, f.Version)] = f.Message
	}
	return out
}

// taxii sends one TAXII request and fails the test on a non-2xx answer.
func (n *fedNode) taxii(t *testing.T, method, path, token string, body []byte) []byte {
	t.Helper()
	code, b := n.taxiiCode(t, method, path, token, body)
	if code/100 != 2 {
		t.Fatalf("%s %s: %d %s", method, path, code, b)
	}
	return b
}

func (n *fedNode) taxiiCode(t *testing.T, method, path, token string, body []byte) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, n.apiRoot()+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/taxii+json;version=2.1")
	if body != nil {
		req.Header.Set("Content-Type", "application/taxii+json;version=2.1")
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := n.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// held returns every version the node's default collection holds, keyed
// by id, read from its store directly (no reader's view).
func (n *fedNode) held(t *testing.T) map[string][]*kizuna.Object {
	t.Helper()
	return n.heldIn(t, node.DefaultAlias)
}

// heldIn is held for a collection (id or alias).
func (n *fedNode) heldIn(t *testing.T, collection string) map[string][]*kizuna.Object {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(n.dir, node.SQLiteFile))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	out := map[string][]*kizuna.Object{}
	c, err := db.FindCollectionByID(ctx, collection)
	if err != nil {
		t.Fatal(err)
	}
	f := kizuna.ObjectFilter{Collection: c.ID, Versions: kizuna.VersionMatch{All: true}, Access: kizuna.AccessScope{Unrestricted: true}, IncludeRaw: true, Limit: 1000}
	for {
		page, err := db.FindObjects(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Objects {
			out[o.ID] = append(out[o.ID], o)
		}
		if !page.More {
			return out
		}
		f.Next = page.Next
	}
}

// audit returns the node's audit events with the action ("": all).
func (n *fedNode) audit(t *testing.T, action string) []*kizuna.AuditEvent {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(n.dir, node.SQLiteFile))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var out []*kizuna.AuditEvent
	after := int64(0)
	for {
		evs, err := db.FindAudit(ctx, after, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) == 0 {
			return out
		}
		for _, e := range evs {
			if e.Action == action || action == "" {
				out = append(out, e)
			}
			after = e.Seq
		}
	}
}

// importDirectory stores objects into the node's directory collection as
// the host operator (shared marking-definitions every node knows).
func (n *fedNode) importDirectory(t *testing.T, objects []json.RawMessage) {
	t.Helper()
	path := filepath.Join(n.dir, "directory-import.json")
	b, _ := json.Marshal(map[string]any{"type": "bundle", "id": "bundle--" + kizuna.NewUUID(), "objects": objects})
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	n.cli(t, "import", "--collection", node.DirectoryAlias, path)
}

// String names the node in messages.
func (n *fedNode) String() string { return fmt.Sprintf("%s(%s)", n.Name, n.addr) }
