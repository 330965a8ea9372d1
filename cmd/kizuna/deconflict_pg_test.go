package main

import (
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/deconflict/dcapi"
	"github.com/kizuna-dev/kizuna/node/nodetest"
)

// TestDeconflictOnPostgres: on a node whose store is PostgreSQL, the
// agreement added from the command line is a sealed row of the database
// (neither the key nor the agreement in the clear), read by another
// instance's command line, and used by the serving node: a US takedown
// and a Japanese monitoring of the same /24 notify both owners.
func TestDeconflictOnPostgres(t *testing.T) {
	dsn := nodetest.Postgres(t)
	if testing.Short() {
		t.Skip("multi-process test skipped in -short mode")
	}
	root := t.TempDir()
	nodes := MustMesh(t, false,
		fedSpec{Name: "USA", Nation: "USA", Org: usaPOCOrg, MaxTLP: "amber", Store: dsn, KeyFile: filepath.Join(root, "usa.key")},
		fedSpec{Name: "JPN", Nation: "JPN", Org: jpnPOCOrg, MaxTLP: "amber"})
	usa, jpn := nodes[0], nodes[1]
	key := filepath.Join(root, "usa-jpn.key")
	MustRunCLI(t, "deconflict", "agreement", "new-key", key)
	usa.cli(t, "deconflict", "agreement", "add", "--id", "USA-JPN", "--peer", "jpn", "--nation", "JPN", "--agreement-key", key)
	jpn.cli(t, "deconflict", "agreement", "add", "--id", "USA-JPN", "--peer", "usa", "--nation", "USA", "--agreement-key", key)

	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	var data []byte
	err = conn.QueryRow(ctx, `SELECT data FROM node_state WHERE name = $1`, dcapi.AgreementsState).Scan(&data)
	conn.Close(ctx)
	if err != nil {
		t.Fatal(err)
	}
	row := string(data)
	k, err := readAgreementKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(row, "kizuna-sealed-v1:") || strings.Contains(row, base64.StdEncoding.EncodeToString(k)) || strings.Contains(row, "USA-JPN") {
		t.Errorf("the agreements row is not sealed: %.80s…", row)
	}
	other := filepath.Join(root, "usa-2")
	if err := os.MkdirAll(other, 0o700); err != nil {
		t.Fatal(err)
	}
	if out := MustRunCLI(t, "deconflict", "agreement", "list", "--data", other, "--store", dsn, "--key-file", usa.KeyFile); !strings.Contains(out, "USA-JPN  JPN") {
		t.Errorf("another instance's list:\n%s", out)
	}

	for _, n := range nodes {
		n.start(t)
		t.Cleanup(func() { n.stop(t, 15) })
	}
	dir := t.TempDir()
	t0 := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
	_, jpnFile := writeAction(t, dir, "JPN", jpnPOCOrg, kizuna.ActionMonitor, 1, "198.51.100.0/24", t0, 30, nil, "USA")
	_, usaFile := writeAction(t, dir, "USA", usaPOCOrg, kizuna.ActionTakedown, 4, "198.51.100.7", t0.Add(24*time.Hour), 5, nil, "JPN")
	_, mustAsJPN := nodeCLI(t, "http://"+jpn.addr)
	_, mustAsUSA := nodeCLI(t, "http://"+usa.addr)
	mustAsJPN(jpn.publisher, "deconflict", "register", jpnFile)
	mustAsUSA(usa.publisher, "deconflict", "register", usaFile)
	within(t, 60*time.Second, "a notice to each owner", func() bool {
		return strings.Contains(mustAsUSA(usa.publisher, "deconflict", "notices"), "disruption-against-passive-collection") &&
			strings.Contains(mustAsJPN(jpn.publisher, "deconflict", "notices"), "disruption-against-passive-collection")
	})
}
