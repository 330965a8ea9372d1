package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/node"
	"github.com/kizuna-dev/kizuna/node/nodetest"
	"github.com/kizuna-dev/kizuna/policy/policytest"
	"github.com/kizuna-dev/kizuna/store/postgres"
)

// TestTwoInstancesOnePostgres runs one node as two 'kizuna serve'
// processes on one PostgreSQL database, behind nothing but their own
// ports, peered with a second node (SQLite, its own process). A version
// POSTed on one instance is read, and matched, on the other within a
// second. Then the instance that holds the federation lease is killed
// (SIGKILL) while it feeds the peer, mid-request: the other instance takes
// the lease and finishes the push, and the peer holds every version once;
// it has also taken the leases of the consultation worker and of the TAXII
// sources. A feed added on the command line against the database is served
// by both instances.
func TestTwoInstancesOnePostgres(t *testing.T) {
	dsn := nodetest.Postgres(t)
	if testing.Short() {
		t.Skip("multi-process test skipped in -short mode")
	}
	root := t.TempDir()
	o := policytest.Orgs
	nodes := MustMesh(t, false,
		fedSpec{Name: "USA", Nation: "USA", Org: o[0], MaxTLP: "amber", Store: dsn, KeyFile: filepath.Join(root, "usa.key")},
		fedSpec{Name: "JPN", Nation: "JPN", Org: o[1], MaxTLP: "amber"},
	)
	one, jpn := nodes[0], nodes[1]
	// The second instance: another data directory and port, the same
	// database and key file.
	two := &fedNode{fedSpec: one.fedSpec, dir: filepath.Join(root, "usa-2"), addr: freeAddr(t), scheme: "http",
		publisher: one.publisher, reader: one.reader, client: &http.Client{Timeout: 30 * time.Second}}
	if err := os.MkdirAll(two.dir, 0o700); err != nil {
		t.Fatal(err)
	}
	// Each instance names itself to the database, so that the test sees
	// which one holds the push lease.
	one.Store, two.Store = dsn+"&application_name=usa-1", dsn+"&application_name=usa-2"
	holder := func() []string { return leaseHolders(t, dsn, "federation push jpn "+node.DefaultAlias) }
	jpn.start(t)
	defer jpn.stop(t, syscall.SIGTERM)
	// The first instance starts alone, so that it takes the leases.
	one.start(t)
	defer one.stop(t, syscall.SIGKILL)
	time.Sleep(time.Second)
	two.start(t)
	defer two.stop(t, syscall.SIGTERM)

	// A POST on one instance is read, and matched, on the other.
	ind := clusterIndicator(0, o[0])
	one.post(t, []json.RawMessage{ind})
	id := objectID(ind)

	// A feed added through the database is served by both instances,
	// without a restart.
	MustRunCLI(t, "feed", "add", "--data", two.dir, "--store", dsn, "--key-file", one.KeyFile, "--name", "ids",
		"--collection", node.DefaultAlias, "--format", "csv", "--columns", "id")
	for _, in := range []*fedNode{one, two} {
		resp, body := feedGet(t, "http://"+in.addr+"/api/v1/feeds/ids", one.publisher)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, id) {
			t.Errorf("the feed on %s: %d %q, want the indicator %s", in.addr, resp.StatusCode, body, id)
		}
	}
	within(t, time.Second, "the version POSTed on instance one is read on instance two", func() bool {
		code, _ := two.taxiiCode(t, http.MethodGet, "collections/default/objects/"+id+"/", one.publisher, nil)
		return code == http.StatusOK
	})
	within(t, 2*time.Second, "instance two's match index has the indicator stored through instance one", func() bool {
		body, _ := json.Marshal(kizuna.MatchRequest{Values: []string{"10.99.0.0"}})
		req, _ := http.NewRequest(http.MethodPost, "http://"+two.addr+"/api/v1/match", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+one.publisher)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		var res kizuna.MatchResult
		return json.NewDecoder(resp.Body).Decode(&res) == nil && len(res.Matches) == 1 && res.Matches[0].Indicator == id
	})
	within(t, 30*time.Second, "the peer has the first version", func() bool { return len(jpn.held(t)[id]) == 1 })

	// Freeze the peer, so that the push of the next versions stops
	// mid-request on the instance that holds the lease (the first: it
	// started alone), POST them through the second, kill the first, then
	// let the peer go on.
	if err := jpn.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	const n = 1500
	var want []string
	for from := 1; from <= n; from += 500 {
		var batch []json.RawMessage
		for i := from; i < from+500; i++ {
			raw := clusterIndicator(i, o[0])
			batch = append(batch, raw)
			want = append(want, objectID(raw))
		}
		for k, msg := range two.post(t, batch) {
			if msg != "" {
				t.Fatalf("%s refused: %s", k, msg)
			}
		}
	}
	time.Sleep(2 * time.Second) // the first instance's pusher is now blocked on the frozen peer
	if h := holder(); len(h) != 1 || h[0] != "usa-1" {
		t.Fatalf("push lease held by %v, want the first instance alone", h)
	}
	if h := leaseHolders(t, dsn, defenseLease); len(h) != 1 || h[0] != "usa-1" {
		t.Fatalf("consultation worker's lease held by %v, want the first instance alone", h)
	}
	if h := leaseHolders(t, dsn, sourceLease); len(h) != 1 || h[0] != "usa-1" {
		t.Fatalf("the sources' lease held by %v, want the first instance alone", h)
	}
	one.stop(t, syscall.SIGKILL)
	if err := jpn.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	var held map[string][]*kizuna.Object
	within(t, 90*time.Second, "the second instance finishes the push", func() bool {
		held = jpn.held(t)
		for _, id := range want {
			if len(held[id]) == 0 {
				return false
			}
		}
		return true
	})
	for _, id := range append(want, id) {
		if len(held[id]) != 1 {
			t.Errorf("the peer holds %d versions of %s, want 1", len(held[id]), id)
		}
	}
	if h := holder(); len(h) != 1 || h[0] != "usa-2" {
		t.Errorf("push lease held by %v after the kill, want the second instance alone", h)
	}
	if h := leaseHolders(t, dsn, defenseLease); len(h) != 1 || h[0] != "usa-2" {
		t.Errorf("consultation worker's lease held by %v after the kill, want the second instance alone", h)
	}
	if h := leaseHolders(t, dsn, sourceLease); len(h) != 1 || h[0] != "usa-2" {
		t.Errorf("the sources' lease held by %v after the kill, want the second instance alone", h)
	}
}

// leaseHolders returns the application names of the database sessions
// holding the lease of that name (store/postgres: an advisory lock on
// LockKey("kizuna lease "+name)).
func leaseHolders(t *testing.T, dsn, name string) []string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	key := uint64(postgres.LockKey("kizuna lease " + name))
	rows, err := conn.Query(ctx, `SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
		WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1 AND l.objid = $2 AND l.objsubid = 1`,
		int64(key>>32), int64(key&0xffffffff))
	if err != nil {
		t.Fatal(err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// clusterIndicator is a TLP:GREEN indicator of the organisation, the i-th
// of a run, matching 10.99.i/8.
func clusterIndicator(i int, org string) json.RawMessage {
	b, _ := json.Marshal(map[string]any{"type": "indicator", "spec_version": "2.1", "id": "indicator--" + kizuna.NewUUID(),
		"created": "2026-11-01T00:00:00.000Z", "modified": "2026-11-01T00:00:00.000Z", "created_by_ref": org,
		"name": fmt.Sprintf("cluster indicator %d", i), "pattern": fmt.Sprintf("[ipv4-addr:value = '10.99.%d.%d']", i>>8&255, i&255),
		"pattern_type": "stix", "valid_from": "2026-11-01T00:00:00Z",
		"object_marking_refs": []string{"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"}})
	return b
}

// within polls cond until it holds, failing the test after d.
func within(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", d, strings.TrimSpace(what))
		}
		time.Sleep(50 * time.Millisecond)
	}
}
