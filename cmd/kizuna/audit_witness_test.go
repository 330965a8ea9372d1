package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/federation"
	"github.com/kizuna-dev/kizuna/node"
	"github.com/kizuna-dev/kizuna/policy/policytest"
	"github.com/kizuna-dev/kizuna/store/sqlite"
)

// rejectedObjects returns n indicators without a pattern: each POSTed one
// is refused by validation and recorded in the audit log (ingest.reject).
func rejectedObjects(n int) []json.RawMessage {
	out := make([]json.RawMessage, n)
	for i := range out {
		out[i] = json.RawMessage(fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--%s",`+
			`"created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z"}`, kizuna.NewUUID()))
	}
	return out
}

// postRejected posts n rejected objects to the node and checks they were
// refused.
func (n *fedNode) postRejected(t *testing.T, count int) {
	t.Helper()
	for key, msg := range n.post(t, rejectedObjects(count)) {
		if msg == "" {
			t.Fatalf("%s: an indicator without a pattern was accepted", key)
		}
	}
}

// copyDataDir copies a stopped node's data directory.
func copyDataDir(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "data")
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o700)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// openStore opens a node's store beside its running process (SQLite in WAL
// mode lets another process read).
func openStore(t *testing.T, dir string) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(dir, node.SQLiteFile))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestAuditVerifyTamperedLog runs a real node, stops it cleanly, and
// tampers with copies of its audit database as its operator could.
func TestAuditVerifyTamperedLog(t *testing.T) {
	n := MustFedNode(t, t.TempDir(), fedSpec{Name: "USA", Nation: "USA", Org: policytest.Orgs[0]}, false)
	n.start(t)
	n.postRejected(t, 80)
	n.stop(t, syscall.SIGTERM) // a clean shutdown signs the head

	out, errOut, code := runCLI(t, "audit", "verify", "--data", n.dir)
	if code != 0 || !strings.Contains(out, "signed heads: ") || strings.Contains(out, "not signed yet") {
		t.Fatalf("verify of the untouched log: exit %d\n%s%s\nwant 0, with the log's last entry signed", code, out, errOut)
	}

	cases := []struct {
		name   string
		tamper func(a *auditTamperer)
		code   int
		want   string
	}{
		{"last 50 entries deleted", func(a *auditTamperer) {
			a.exec(`DELETE FROM audit WHERE seq > ?`, a.last()-50)
		}, 1, "but the log ends at entry"},
		{"entry rewritten and the chain recomputed", func(a *auditTamperer) {
			a.rewrite(3, "nothing happened")
		}, 1, "hashes to"},
		{"signed heads deleted too", func(a *auditTamperer) {
			a.exec(`DELETE FROM audit WHERE seq > ?`, a.last()-50)
			a.exec(`DELETE FROM audit_head`)
		}, 0, "signed heads: none"},
		// The limit of a local signature: the operator holds the key and
		// re-signs. Only the peers' witnessed heads catch this (see
		// TestAuditWitnessedAcrossNodes).
		{"entry rewritten, chain recomputed, heads re-signed with the node key", func(a *auditTamperer) {
			a.rewrite(3, "nothing happened")
			a.resign()
		}, 0, "consistent with every signed and witnessed head"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := copyDataDir(t, n.dir)
			c.tamper(tamperAudit(t, dir))
			out, errOut, code := runCLI(t, "audit", "verify", "--data", dir)
			if code != c.code || !strings.Contains(out+errOut, c.want) {
				t.Fatalf("exit %d\n%s%s\nwant exit %d and %q", code, out, errOut, c.code, c.want)
			}
		})
	}
}

// TestAuditWitnessedAcrossNodes peers two real nodes through the CLI. B
// witnesses A's signed heads; A's operator rewrites an entry, recomputes
// the chain, re-signs A's heads with A's own key and deletes B's receipts:
// A's 'audit verify' alone cannot tell, 'audit verify --peers' can, and
// when A offers B its rewritten head again B raises a fork alarm.
func TestAuditWitnessedAcrossNodes(t *testing.T) {
	o := policytest.Orgs
	nodes := MustMesh(t, true,
		fedSpec{Name: "USA", Nation: "USA", Org: o[0], MaxTLP: "amber"},
		fedSpec{Name: "JPN", Nation: "JPN", Org: o[1], MaxTLP: "amber"})
	a, b := nodes[0], nodes[1]
	for _, n := range nodes {
		n.serveArgs = []string{"--audit-sign-interval", "100ms", "--audit-witness-interval", "100ms"}
		n.start(t)
		defer n.stop(t, syscall.SIGTERM)
	}
	a.postRejected(t, 60)
	end := int64(len(a.audit(t, "")))
	adb := openStore(t, a.dir)
	waitUntil(t, "B's receipt of A's head", func() bool {
		rs, err := adb.LastAuditReceipts(context.Background())
		return err == nil && len(rs) == 1 && rs[0].Witness == b.nodeID && rs[0].Head.Seq >= end
	})

	a.stop(t, syscall.SIGTERM)
	last, err := adb.LastAuditHead(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runCLI(t, "audit", "verify", "--data", a.dir, "--peers")
	wantLast := fmt.Sprintf("peer %q: witnessed", "jpn")
	if code != 0 || !strings.Contains(out, wantLast) || !strings.Contains(out, fmt.Sprintf("the last covers entry %d,", last.Seq)) ||
		!strings.Contains(out, "last witnessed head: entry") || !strings.Contains(out, b.nodeID) {
		t.Fatalf("verify --peers before tampering: exit %d\n%s%s\nwant 0, B witnessing A's last head (entry %d)", code, out, errOut, last.Seq)
	}

	tamper := tamperAudit(t, a.dir)
	tamper.rewrite(3, "nothing happened")
	tamper.resign()
	tamper.exec(`DELETE FROM audit_receipt`)

	out, errOut, code = runCLI(t, "audit", "verify", "--data", a.dir)
	if code != 0 {
		t.Fatalf("verify without --peers: exit %d\n%s%s\nwant 0: a local signature cannot tell a rewrite by the key's holder", code, out, errOut)
	}
	out, errOut, code = runCLI(t, "audit", "verify", "--data", a.dir, "--peers")
	if code != 1 || !strings.Contains(out, `FAIL: peer "jpn": entry `) || !strings.Contains(out, "the log was rewritten") {
		t.Fatalf("verify --peers after the rewrite: exit %d\n%s%s\nwant 1 and B's witnessed heads contradicting the log", code, out, errOut)
	}

	// A serves the rewritten log again and offers its head: B has another
	// hash at that entry and raises a fork alarm, which A's verify shows.
	a.start(t)
	bdb := openStore(t, b.dir)
	waitUntil(t, "B's fork alarm about A", func() bool {
		as, err := bdb.FindWitnessAlarms(context.Background(), a.nodeID, 10)
		return err == nil && len(as) > 0
	})
	as, _ := bdb.FindWitnessAlarms(context.Background(), a.nodeID, 10)
	if as[0].Kind != kizuna.WitnessFork || as[0].Peer != "usa" || as[0].Head.Seq != as[0].Earlier.Seq || as[0].Head.Hash == as[0].Earlier.Hash {
		t.Fatalf("B's alarm %+v: want a fork at one entry with two hashes", as[0])
	}
	waitUntil(t, "A recording B's refusal", func() bool { return len(a.audit(t, "audit.witness.refused")) > 0 })
	if n := len(b.audit(t, "audit.witness.alarm")); n == 0 {
		t.Errorf("B's audit log records no witness alarm")
	}
	out, errOut, code = runCLI(t, "audit", "verify", "--data", a.dir, "--peers")
	if code != 1 || !strings.Contains(out, `FAIL: peer "jpn" raised a fork alarm`) {
		t.Fatalf("verify --peers after B's alarm: exit %d\n%s%s", code, out, errOut)
	}
}

// waitUntil polls cond until it holds, failing the test after a long while.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// TestAuditVerifyPeerUnreachable: asked to consult the peers, verify fails
// closed when one cannot answer.
func TestAuditVerifyPeerUnreachable(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	MustRunCLI(t, "init", "--data", dir, "--nation", "USA", "--name", "USA")
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	MustRunCLI(t, "peer", "add", "--data", dir, "--name", "jpn", "--url", "http://"+freeAddr(t)+"/taxii2/api/",
		"--node", "identity--"+kizuna.NewUUID(), "--public-key", federation.EncodePublicKey(pub),
		"--nation", "JPN", "--org", policytest.Orgs[1], "--max-tlp", "amber")
	if out, errOut, code := runCLI(t, "audit", "verify", "--data", dir); code != 0 {
		t.Fatalf("verify without --peers: exit %d\n%s%s", code, out, errOut)
	}
	out, errOut, code := runCLI(t, "audit", "verify", "--data", dir, "--peers")
	if code != 1 || !strings.Contains(out, `FAIL: peer "jpn" could not be asked what it witnessed`) {
		t.Fatalf("verify --peers with the peer down: exit %d\n%s%s; want 1", code, out, errOut)
	}
}
