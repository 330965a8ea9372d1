// Package exercisetest plays the shipped example exercise on two nodes
// and records the audit entries the nodes write for the players' acts, for
// the tests of evaluation and reports.
package exercisetest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/exercise"
	"github.com/kizuna-dev/kizuna/exercise/evaluate"
)

var (
	Startex = time.Date(2027, 2, 16, 0, 0, 0, 0, time.UTC)
	Created = time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC)
)

// World is the example exercise played on two nodes, with the audit
// entries the node records for the acts of the players.
type World struct {
	TB   testing.TB
	Ex   *kizuna.Exercise
	S    *exercise.Schedule
	Rels []kizuna.InjectRelease
	Logs map[string]*evaluate.NodeLog
	Org  map[string]string // participant id -> organisation
	seq  int64
}

// NewWorld loads the example and releases every inject on time.
func NewWorld(tb testing.TB) *World {
	ex, err := exercise.LoadScenario(exercise.Defaults, exercise.ExampleScenario)
	if err != nil {
		tb.Fatal(err)
	}
	w := &World{TB: tb, Ex: ex, S: exercise.NewSchedule(ex, Startex, Created), Logs: map[string]*evaluate.NodeLog{}, Org: map[string]string{}}
	members := map[string]evaluate.Member{}
	for _, p := range ex.Participants {
		w.Org[p.ID] = p.Organization
		members["principal--"+p.ID] = evaluate.Member{Nation: p.Nation, Organization: p.Organization}
	}
	// The JPN node's peer principal for the USA node acts for usa-nccc's
	// organisation: its egress reads must not count as usa-nccc reading.
	members["principal--peer-usa"] = evaluate.Member{Nation: "USA", Organization: w.Org["usa-nccc"], Peer: true}
	dir := func(id string) (evaluate.Member, bool) { m, ok := members[id]; return m, ok }
	for _, n := range []string{"jpn-node", "usa-node"} {
		w.Logs[n] = &evaluate.NodeLog{Node: n, Directory: dir}
	}
	// Every release is made on time, as the schedule says.
	for _, d := range w.S.Due(Startex.Add(72*time.Hour), nil) {
		_, rec, err := w.S.Release(d, d.At)
		if err != nil {
			tb.Fatal(err)
		}
		w.Rels = append(w.Rels, rec)
	}
	return w
}

// Obj is the published id of an inject's i-th object.
func (w *World) Obj(inject string, i int) string { return w.S.Published(inject)[i] }

// Log appends an audit entry of participant who's principal.
func (w *World) Log(node string, at time.Duration, who, action, object, reason string) {
	w.seq++
	e := &kizuna.AuditEvent{Seq: w.seq, Time: Startex.Add(at), Principal: "principal--" + who, Action: action, Object: object, Reason: reason}
	if action != "deny" {
		e.Decision = "allow"
	}
	w.Logs[node].Events = append(w.Logs[node].Events, e)
}

// Read logs a read record in the form the node's guard writes it.
func (w *World) Read(node string, at time.Duration, who string, ids ...string) {
	var notes []string
	for _, id := range ids {
		notes = append(notes, id+" version 2027-02-16T00:00:00.000000Z: exercise "+w.Ex.ID)
	}
	object := "collection--exercise"
	if len(ids) == 1 {
		object = ids[0]
	}
	w.Log(node, at, who, "read", object, fmt.Sprintf("collection collection--exercise: %d classified version(s) of %d read: %s", len(ids), len(ids)+3, strings.Join(notes, " | ")))
}

// Evaluate evaluates the exercise at STARTEX+at.
func (w *World) Evaluate(at time.Duration) *evaluate.Result {
	var logs []evaluate.NodeLog
	for _, n := range []string{"jpn-node", "usa-node"} {
		logs = append(logs, *w.Logs[n])
	}
	return evaluate.Evaluate(evaluate.Input{Schedule: w.S, Releases: w.Rels, Logs: logs, At: Startex.Add(at)})
}

const h = time.Hour

// Play logs what the players did (see the evaluation tests for the outcomes).
func (w *World) Play() {
	ind := w.Obj("I-01", 1)
	inc := w.Obj("I-02", 0)
	w.Read("jpn-node", 10*time.Minute, "jpn-ncco", ind, w.Obj("I-01", 4))
	w.Log("jpn-node", 20*time.Minute, "jpn-ncco", kizuna.AuditExerciseAck, exercise.ReleaseID(w.Ex.ID, "I-01", "jpn-ncco"), "")
	w.Read("jpn-node", 40*time.Minute, "jpn-port-isac", ind) // late: 30 minutes expected
	w.Log("jpn-node", 90*time.Minute, "jpn-port-isac", kizuna.AuditIngest, "indicator--11111111-1111-4111-8111-111111111111",
		"collection=port-sector refs="+ind+","+w.Ex.ControlRef)
	w.Log("jpn-node", 30*time.Minute, "jpn-ncco", "deny", ind, "a refused act counts for nothing")
	// I-02 at +2h: the JPN node pushes the incident to the USA node (an
	// egress read by the peer principal), the players act.
	w.Read("jpn-node", 2*h+time.Minute, "peer-usa", inc)
	w.Read("usa-node", 2*h+5*time.Minute, "usa-navlog", inc)
	w.Read("jpn-node", 2*h+15*time.Minute, "jpn-ncco", inc)
	w.Log("jpn-node", 4*h, "jpn-ncco", "consult.open", "x-kizuna-consultation--22222222-2222-4222-8222-222222222222",
		"incident="+inc+" nation=JPN state=requested")
	w.Log("usa-node", 2*h+40*time.Minute, "usa-nccc", "consult.acknowledge", "x-kizuna-consultation--22222222-2222-4222-8222-222222222222",
		"incident="+inc+" nation=USA state=requested,requested")
	w.Log("usa-node", 5*h, "usa-nccc", kizuna.AuditIngest, "x-kizuna-threshold-assessment--33333333-3333-4333-8333-333333333333", "collection=defense refs="+inc)
	w.Log("jpn-node", 9*h, "jpn-ncco", kizuna.AuditIngest, "x-kizuna-threshold-assessment--44444444-4444-4444-8444-444444444444", "collection=defense refs="+inc)
	// I-03 at +6h: the navy cell reads and shares; the port ISAC never reads.
	w.Read("usa-node", 6*h+10*time.Minute, "usa-navlog", w.Obj("I-03", 0))
	w.Log("usa-node", 7*h, "usa-navlog", kizuna.AuditIngest, "report--55555555-5555-4555-8555-555555555555", "collection=allies refs="+w.Obj("I-03", 0))
	// I-04 at +20h.
	w.Read("jpn-node", 20*h+30*time.Minute, "jpn-ncco", w.Obj("I-04", 0))
	w.Read("usa-node", 22*h, "usa-nccc", w.Obj("I-04", 0))
	w.Log("jpn-node", 40*h, "jpn-ncco", "consult.close", "x-kizuna-consultation--22222222-2222-4222-8222-222222222222",
		"incident="+inc+" nation=JPN state=disagreement,closed")
}
