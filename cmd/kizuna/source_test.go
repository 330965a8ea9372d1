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
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/node"
	"github.com/kizuna-dev/kizuna/node/nodetest"
	"github.com/kizuna-dev/kizuna/policy"
	"github.com/kizuna-dev/kizuna/source"
	"github.com/kizuna-dev/kizuna/store/sqlite"
)

// The sample's two creating organisations.
const (
	sampleUSDIB = "identity--a7b1650a-780d-45b6-9cbc-28e42debef71"
	sampleJC3   = "identity--68374686-2664-483c-b37a-d2e5e3402099"
)

// addSource sets a node up to pull the sample collection of the node at
// base, as the partner's reader with the token, and returns its data
// directory.
func addSource(t *testing.T, base, token string, extra ...string) string {
	t.Helper()
	data := filepath.Join(t.TempDir(), "b")
	MustRunCLI(t, "init", "--data", data, "--nation", "JPN")
	tf := filepath.Join(t.TempDir(), "token")
	os.WriteFile(tf, []byte(token+"\n"), 0o600)
	MustRunCLI(t, "org", "add", "--data", data, "--name", "Partner", "--nation", "USA")
	args := append([]string{"source", "add", "--data", data, "--name", "partner", "--url", base + "/taxii2/api/",
		"--collection", node.SampleAlias, "--into", "from-partner", "--marking", policy.TLP2Amber, "--nation", "USA", "--org", "Partner",
		"--acts-for", sampleUSDIB, "--token-file", tf}, extra...)
	MustRunCLI(t, args...)
	return data
}

// TestSourcePullsATAXIIServer pulls a partner node's collection as a
// source: what the partner's reader may read arrives, objects by an
// organisation the source may not act for are refused (and counted), an
// unmarked object takes the source's own default marking, a second pull
// reads only what was added since (the cursor persists), and the pulls
// are audited and shown with their health.
func TestSourcePullsATAXIIServer(t *testing.T) {
	base, dataA := startNode(t)
	// The partner's reader is of the US DIB, which reads its own TLP:AMBER.
	reader := strings.TrimSpace(MustRunCLI(t, "principal", "add", "--data", dataA, "--name", "partner-feed", "--nation", "USA", "--org", sampleUSDIB, "--role", "reader"))
	data := addSource(t, base, reader)
	// A TLP:GREEN indicator by the JC3, whom the source may not act for.
	jc3 := `{"type":"indicator","spec_version":"2.1","id":"indicator--6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d","created":"2026-03-01T00:00:00.000Z","modified":"2026-03-01T00:00:00.000Z","created_by_ref":"` + sampleJC3 + `","pattern":"[domain-name:value = 'jc3-only.example']","pattern_type":"stix","valid_from":"2026-03-01T00:00:00Z","object_marking_refs":["` + policy.TLP2Green + `"]}`
	MustRunCLIInput(t, jc3, "import", "--data", dataA, "--collection", node.SampleAlias, "-")

	out := MustRunCLI(t, "source", "pull", "--data", data, "--name", "partner")
	var pages, read, stored, refused, gaps int
	if _, err := fmt.Sscanf(out, "source partner: %d pages, %d objects read, %d stored, %d refused, %d gaps", &pages, &read, &stored, &refused, &gaps); err != nil || read == 0 || stored == 0 || refused == 0 {
		t.Fatalf("first pull: %q (%v): want objects read, stored, and the JC3's refused", out, err)
	}
	// What arrived is what the partner's reader reads, as far as the
	// source may act for its creators.
	exp := MustRunCLI(t, "export", "--data", data, "--collection", "from-partner", "--unrestricted")
	if !strings.Contains(exp, "jpo-procurement.example") {
		t.Errorf("the TLP:GREEN indicator by the US DIB did not arrive:\n%.2000s", exp)
	}
	if strings.Contains(exp, "jc3-only.example") || strings.Contains(exp, "update.bin") {
		t.Errorf("an object the source may not bring, or the partner's reader may not read, arrived:\n%.2000s", exp)
	}

	// Nothing new: the cursor holds.
	out = MustRunCLI(t, "source", "pull", "--data", data, "--name", "partner")
	if !strings.Contains(out, " 0 stored") {
		t.Errorf("a second pull with nothing new: %q", out)
	}
	// An unmarked indicator by the US DIB takes the source's marking.
	unmarked := `{"type":"indicator","spec_version":"2.1","id":"indicator--9a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d","created":"2026-03-01T00:00:00.000Z","modified":"2026-03-01T00:00:00.000Z","created_by_ref":"` + sampleUSDIB + `","pattern":"[domain-name:value = 'unmarked.example']","pattern_type":"stix","valid_from":"2026-03-01T00:00:00Z","object_marking_refs":["` + policy.TLP2Green + `"]}`
	unmarked = strings.Replace(unmarked, `,"object_marking_refs":["`+policy.TLP2Green+`"]`, "", 1)
	MustRunCLIInput(t, unmarked, "import", "--data", dataA, "--collection", node.SampleAlias, "-")
	out = MustRunCLI(t, "source", "pull", "--data", data, "--name", "partner")
	if !strings.Contains(out, " 1 objects read, 1 stored") {
		t.Errorf("a pull after one addition: %q", out)
	}
	// TLP:AMBER's audience is the creator's organisation: a reader of it,
	// and one of another organisation.
	MustRunCLI(t, "principal", "add", "--data", data, "--name", "dib", "--nation", "USA", "--org", sampleUSDIB, "--role", "reader")
	csv := MustRunCLI(t, "export", "--data", data, "--collection", "from-partner", "--principal", "dib", "--format", "csv", "--columns", "value,marking")
	if !strings.Contains(csv, "unmarked.example,TLP:AMBER") {
		t.Errorf("the unmarked indicator does not carry the source's marking:\n%s", csv)
	}

	if csv := MustRunCLI(t, "export", "--data", data, "--collection", "from-partner", "--format", "csv", "--columns", "value,marking"); strings.Contains(csv, "unmarked.example") {
		t.Errorf("the source's TLP:AMBER indicator is read by another organisation:\n%s", csv)
	}

	list := MustRunCLI(t, "source", "list", "--data", data)
	if !strings.Contains(list, "partner") || strings.Contains(list, "never") {
		t.Errorf("source list: %s", list)
	}
	for _, f := range []string{sourcesFile, sourceStateFile, sourceSecretsFile} {
		if st, err := os.Stat(filepath.Join(data, f)); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v, mode %v; want 0600", f, err, st.Mode().Perm())
		}
	}
	if b, _ := os.ReadFile(filepath.Join(data, sourcesFile)); bytes.Contains(b, []byte(reader)) {
		t.Errorf("the sources file holds the secret")
	}
	actions := auditActions(t, data)
	if actions["source.add"] != 1 || actions["source.pull"] != 3 {
		t.Errorf("audit: %v, want one source.add and three source.pull", actions)
	}
	MustRunCLI(t, "source", "remove", "--data", data, "--name", "partner")
	if b, err := os.ReadFile(filepath.Join(data, sourceSecretsFile)); err != nil || bytes.Contains(b, []byte(reader)) {
		t.Errorf("the secret outlives its source: %v", err)
	}
	var xe *exitError
	if _, _, err := runWithInput(t, "", "source", "pull", "--data", data, "--name", "partner"); !errors.As(err, &xe) || xe.code != 2 {
		t.Errorf("pull of a removed source: %v, want exit 2", err)
	}
}

// TestServePullsSources: a running node pulls its sources without being
// asked, and records the health of a source that fails.
func TestServePullsSources(t *testing.T) {
	base, dataA := startNode(t)
	reader := strings.TrimSpace(MustRunCLI(t, "principal", "add", "--data", dataA, "--name", "partner-feed", "--nation", "USA", "--role", "reader"))
	data := addSource(t, base, reader)
	tf := filepath.Join(t.TempDir(), "bad")
	os.WriteFile(tf, []byte("not-a-token\n"), 0o600)
	MustRunCLI(t, "source", "add", "--data", data, "--name", "badtoken", "--url", base+"/taxii2/api/", "--collection", node.SampleAlias,
		"--into", "bad", "--marking", policy.TLP2Red, "--nation", "USA", "--org", "Partner", "--token-file", tf)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, &env{stdout: io.Discard, stderr: io.Discard}, serveConfig{Data: data, Store: "sqlite", ServeConfig: node.ServeConfig{MaxContentLength: 10 << 20, MaxPageSize: 1000}},
			ln, slog.New(slog.DiscardHandler))
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	var st map[string]source.State
	for i := 0; i < 400; i++ {
		b, _ := os.ReadFile(filepath.Join(data, sourceStateFile))
		st = nil
		json.Unmarshal(b, &st)
		if !st["partner"].LastSuccess.IsZero() && st["badtoken"].Failures > 0 {
			break
		}
		time.Sleep(25 * time.Millisecond)
	}
	if st["partner"].LastSuccess.IsZero() || st["partner"].Stored == 0 || st["partner"].Cursor.IsZero() {
		t.Errorf("the running node did not pull its source: %+v", st["partner"])
	}
	if b := st["badtoken"]; b.Failures == 0 || !strings.Contains(b.LastError, "401") && !strings.Contains(strings.ToLower(b.LastError), "unauthori") {
		t.Errorf("a source refused by its server: %+v", b)
	}
}

// auditEvents returns the data directory's audit log.
func auditEvents(t *testing.T, data string) []*kizuna.AuditEvent {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(data, node.SQLiteFile))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	events, err := db.FindAudit(context.Background(), 0, 1_000_000)
	if err != nil {
		t.Fatal(err)
	}
	return events
}

// auditActions counts the audit log's entries by action.
func auditActions(t *testing.T, data string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, e := range auditEvents(t, data) {
		out[e.Action]++
	}
	return out
}

// TestSourcesAndFeedsOnPostgres: on PostgreSQL the sources, their
// credentials and the feeds are in the database, so a command run through
// another instance's data directory sees and changes what one added; the
// credentials are sealed there, and no data directory holds them.
func TestSourcesAndFeedsOnPostgres(t *testing.T) {
	dsn := nodetest.Postgres(t)
	root := t.TempDir()
	kf := filepath.Join(root, "node.key")
	one, two := filepath.Join(root, "one"), filepath.Join(root, "two")
	at := func(dir string, args ...string) string {
		t.Helper()
		return MustRunCLI(t, append(args, "--data", dir, "--store", dsn, "--key-file", kf)...)
	}
	at(one, "init", "--nation", "JPN")
	at(one, "org", "add", "--name", "Partner", "--nation", "USA")
	const token = "tok-sealed-4f1c9e"
	tf := filepath.Join(root, "token")
	os.WriteFile(tf, []byte(token+"\n"), 0o600)
	at(one, "source", "add", "--name", "partner", "--url", "http://127.0.0.1:9/taxii2/api/", "--collection", "c",
		"--into", "from-partner", "--marking", policy.TLP2Amber, "--nation", "USA", "--org", "Partner", "--token-file", tf)
	at(one, "feed", "add", "--name", "ids", "--collection", node.DefaultAlias, "--format", "csv")

	if list := at(two, "source", "list"); !strings.Contains(list, "partner") {
		t.Errorf("source list through another instance: %s", list)
	}
	if list := at(two, "feed", "list"); !strings.Contains(list, "ids") {
		t.Errorf("feed list through another instance: %s", list)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	stored := func(name string) []byte {
		var b []byte
		if err := conn.QueryRow(ctx, `SELECT data FROM node_state WHERE name = $1`, name).Scan(&b); err != nil {
			t.Fatalf("%s in node_state: %v", name, err)
		}
		return b
	}
	if b := stored(sourceSecretsFile); bytes.Contains(b, []byte(token)) {
		t.Errorf("the sources' credentials are stored in the clear: %q", b)
	}
	if b := stored(sourcesFile); bytes.Contains(b, []byte(token)) {
		t.Errorf("the sources document holds the secret")
	}
	for _, dir := range []string{one, two} {
		for _, f := range []string{sourcesFile, sourceSecretsFile, sourceStateFile, feedsFile} {
			if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
				t.Errorf("%s holds %s; on PostgreSQL it belongs in the database", dir, f)
			}
		}
	}

	at(two, "source", "remove", "--name", "partner")
	at(two, "feed", "remove", "--name", "ids")
	if list := at(one, "source", "list"); strings.Contains(list, "partner") {
		t.Errorf("a source removed through another instance is still listed: %s", list)
	}
	if list := at(one, "feed", "list"); strings.Contains(list, "ids") {
		t.Errorf("a feed removed through another instance is still listed: %s", list)
	}
	var creds map[string]string
	n, err := openNode(ctx, node.Config{Dir: one, Store: dsn, KeyFile: kf})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if creds, err = readSourceSecrets(ctx, n.State); err != nil || len(creds) != 0 {
		t.Errorf("the credentials after the source's removal: %v %v", creds, err)
	}
}
