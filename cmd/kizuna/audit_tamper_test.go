package main

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/federation"
	"github.com/kizuna-dev/kizuna/node"
	"github.com/kizuna-dev/kizuna/store/sqlite"
)

// auditTamperer does to a stopped node's audit database what an operator
// holding the data directory (and so the node key) can do: drop the
// append-only triggers, then delete, rewrite and re-sign rows.
type auditTamperer struct {
	t   *testing.T
	dir string
	db  *sql.DB
}

func tamperAudit(t *testing.T, dir string) *auditTamperer {
	t.Helper()
	db, err := sql.Open("sqlite", sqlite.AuditPath(filepath.Join(dir, node.SQLiteFile)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	var triggers []string
	rows, err := db.Query(`SELECT name FROM sqlite_schema WHERE type = 'trigger'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name string
		rows.Scan(&name)
		triggers = append(triggers, name)
	}
	rows.Close()
	for _, name := range triggers {
		if _, err := db.Exec(`DROP TRIGGER ` + name); err != nil {
			t.Fatal(err)
		}
	}
	return &auditTamperer{t: t, dir: dir, db: db}
}

func (a *auditTamperer) exec(q string, args ...any) {
	a.t.Helper()
	if _, err := a.db.Exec(q, args...); err != nil {
		a.t.Fatalf("%s: %v", q, err)
	}
}

// last returns the seq of the log's last entry.
func (a *auditTamperer) last() int64 {
	a.t.Helper()
	var n int64
	if err := a.db.QueryRow(`SELECT COALESCE(MAX(seq), 0) FROM audit`).Scan(&n); err != nil {
		a.t.Fatal(err)
	}
	return n
}

// rewrite changes the reason of entry seq and recomputes the chain from it
// on, so that the chain verifies again.
func (a *auditTamperer) rewrite(seq int64, reason string) {
	a.t.Helper()
	rows, err := a.db.Query(`SELECT seq, time, principal, action, object, decision, reason, prev_hash FROM audit WHERE seq >= ? ORDER BY seq`, seq)
	if err != nil {
		a.t.Fatal(err)
	}
	var evs []*kizuna.AuditEvent
	for rows.Next() {
		var e kizuna.AuditEvent
		var us int64
		if err := rows.Scan(&e.Seq, &us, &e.Principal, &e.Action, &e.Object, &e.Decision, &e.Reason, &e.PrevHash); err != nil {
			a.t.Fatal(err)
		}
		e.Time = time.UnixMicro(us).UTC()
		evs = append(evs, &e)
	}
	rows.Close()
	if len(evs) == 0 || evs[0].Seq != seq {
		a.t.Fatalf("no entry %d to rewrite", seq)
	}
	evs[0].Reason = reason
	prev := evs[0].PrevHash
	for _, e := range evs {
		e.PrevHash = prev
		e.Hash = e.ComputeHash()
		prev = e.Hash
		a.exec(`UPDATE audit SET reason = ?, prev_hash = ?, hash = ? WHERE seq = ?`, e.Reason, e.PrevHash, e.Hash, e.Seq)
	}
}

// resign replaces every signed head by the node key's signature of the
// log's hash at its seq, as the operator who holds the key can.
func (a *auditTamperer) resign() {
	a.t.Helper()
	keys, err := federation.LoadKeys(context.Background(), federation.DirState(a.dir))
	if err != nil {
		a.t.Fatal(err)
	}
	rows, err := a.db.Query(`SELECT h.id, h.node, h.seq, h.time, a.hash FROM audit_head h JOIN audit a ON a.seq = h.seq`)
	if err != nil {
		a.t.Fatal(err)
	}
	type row struct {
		id   int64
		head kizuna.AuditHead
	}
	var heads []row
	for rows.Next() {
		var r row
		var us int64
		if err := rows.Scan(&r.id, &r.head.Node, &r.head.Seq, &us, &r.head.Hash); err != nil {
			a.t.Fatal(err)
		}
		r.head.Time = time.UnixMicro(us).UTC()
		heads = append(heads, r)
	}
	rows.Close()
	for _, r := range heads {
		federation.SignAuditHead(&r.head, keys.Signing)
		a.exec(`UPDATE audit_head SET hash = ?, key = ?, sig = ? WHERE id = ?`, r.head.Hash, r.head.Key, r.head.Sig, r.id)
	}
}
