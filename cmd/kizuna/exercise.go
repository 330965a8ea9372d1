package main

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/exercise"
	"github.com/kizuna-dev/kizuna/exercise/exapi"
	"github.com/kizuna-dev/kizuna/exercise/exstix"
	"github.com/kizuna-dev/kizuna/federation"
	"github.com/kizuna-dev/kizuna/node"
)

// exerciseTick is how often the node looks for injects falling due.
const exerciseTick = 5 * time.Second

// exerciseLease is the lease under which, among the instances sharing a
// PostgreSQL store, one runs the release loop; a start on any instance
// releases what is due under the node's Exclusive of the same name.
const exerciseLease = "exercise releases"

// exerciseClockEnv names, for tests only, a file holding a Go duration
// (e.g. "2h1m"): the exercise schedule then runs that far ahead of the
// wall clock, read again at each tick of exerciseTestTick, so that a test
// running real 'kizuna serve' processes releases the injects of hours in
// seconds. What the node records (release times, deadlines, audit) stays
// on the wall clock. Not for operators: unset, the schedule is the wall
// clock's.
const exerciseClockEnv = "KIZUNA_TEST_EXERCISE_CLOCK"

// exerciseTestTick is the release tick under exerciseClockEnv.
const exerciseTestTick = 100 * time.Millisecond

// exerciseSchedule returns the schedule's clock and the release tick: the
// wall clock and exerciseTick, or the test clock of exerciseClockEnv.
func exerciseSchedule() (func() time.Time, time.Duration) {
	file := os.Getenv(exerciseClockEnv)
	if file == "" {
		return nil, exerciseTick
	}
	return func() time.Time {
		b, err := os.ReadFile(file)
		if err != nil {
			return time.Now()
		}
		ahead, err := time.ParseDuration(strings.TrimSpace(string(b)))
		if err != nil {
			return time.Now()
		}
		return time.Now().Add(ahead)
	}, exerciseTestTick
}

// exerciseMount wires exercises into a serving node: the collection of
// exercise data, the routes under /api/v1/ and the release loop under
// exerciseLease, every tick (now nil: the wall clock; schedule nil: now);
// it keeps its server in *served (served nil: nowhere).
// Reads of the collection are the guard's exercise view (no other read
// shows exercise data); peers read it, and so receive it by federation,
// only when their node hosts a participant of the exercise.
func exerciseMount(now, schedule func() time.Time, tick time.Duration, served **exapi.Server) node.Mount {
	return func(n *node.Node, r *node.Router) error {
		coll := &kizuna.Collection{Alias: exapi.CollectionAlias, Title: "Exercises",
			Description: "Exercise records, injects, release records and what participants share in an exercise; exercise data, visible to participants only, federated only to the exercise's nodes.",
			CanRead:     kizuna.AccessRule{Roles: []string{kizuna.RoleReader, kizuna.RolePublisher, kizuna.RoleAdmin, kizuna.RolePOC, kizuna.RolePeer}},
			CanWrite:    kizuna.AccessRule{Roles: []string{kizuna.RolePublisher, kizuna.RoleAdmin, kizuna.RolePeer}}}
		if err := ensureCollection(n, coll); err != nil {
			return err
		}
		s := &exapi.Server{Objects: n.Guard, Collections: n.Guard, Store: n.Store, Operator: operatorIngester{n.Ingest}, State: n.State,
			Audit: n.Audit, AuditLog: n.Store, Principals: n.Store, Node: n.Identity.Name, NodeID: n.Identity.ID, OperatorOrg: n.Identity.Organization, StoreCollections: n.Store,
			PeerNodes: func(ctx context.Context) (map[string]exapi.PeerNode, error) {
				peers, err := n.Peers(ctx)
				if err != nil {
					return nil, err
				}
				out := map[string]exapi.PeerNode{}
				for _, pc := range peers.Peers {
					if !pc.Plain {
						out[pc.Name] = exapi.PeerNode{Node: pc.Node, Organization: pc.Organization}
					}
				}
				return out, nil
			},
			Sign: func(ctx context.Context, payload []byte) (string, error) {
				keys, err := n.Keys(ctx)
				if err != nil {
					return "", err
				}
				return base64.StdEncoding.EncodeToString(ed25519.Sign(keys.Signing, payload)), nil
			},
			Verify: func(ctx context.Context, nodeID string, payload []byte, signature string) error {
				peers, err := n.Peers(ctx)
				if err != nil {
					return err
				}
				pc := peers.FindNode(nodeID)
				if pc == nil {
					return kizuna.Errorf(kizuna.EFORBIDDEN, "no peering agreement pins the key of node %s", nodeID)
				}
				pub, err := federation.ParsePublicKey(pc.PublicKey)
				if err != nil {
					return err
				}
				sig, err := base64.StdEncoding.DecodeString(signature)
				if err != nil || !ed25519.Verify(pub, payload, sig) {
					return kizuna.Errorf(kizuna.EFORBIDDEN, "the signature does not verify with the key pinned for peer %q", pc.Name)
				}
				return nil
			},
			Collection: coll.ID, WriteError: r.WriteError, Logger: n.Logger, Now: now, Schedule: schedule,
			Exclusive: func(ctx context.Context, fn func() error) error { return n.Exclusive(ctx, exerciseLease, fn) }}
		n.Guard.SetExerciseView(coll.ID)
		n.Guard.SetExercisePeers(s.ExercisePeer)
		s.Register(r.Mux, r.Protect, func(h http.Handler) http.Handler { return r.ProtectRole(kizuna.RoleAdmin, h) })
		r.Go(exerciseLease, func(ctx context.Context) { s.Run(ctx, tick) })
		if served != nil {
			*served = s
		}
		return nil
	}
}

const exerciseUsage = `Usage: kizuna exercise COMMAND [flags]

Exercises on a node, through its native API, as the principal whose token is
given (--token, --token-file or $KIZUNA_TOKEN):

  validate FILE                  check a scenario file (no node needed)
  load FILE                      load an exercise from a scenario file (admin)
  start ID --at TIME             start it: STARTEX at TIME (RFC 3339); the participants' principals
                                 here and the peers of their nodes get its community; due injects are
                                 released (admin)
  grant ID                       give its community to the participants' principals here and the
                                 peers of their nodes (admin; on a participating node, once the
                                 exercise record has arrived)
  end ID [--purge]               end it: its community is taken from every principal here and, with
                                 --purge, its data here deleted (admin)
  list                           the exercises you may read
  status ID                      an exercise and the releases you may read
  ack ID RELEASE                 acknowledge an inject released to you
  evaluate ID [--at TIME] [--scenario FILE] [--audit FILE]...
                                 the evaluation from the node's audit log and the participating
                                 nodes' signed exports (control cell, or admin; on a participating
                                 node, with the scenario file)
  report ID [--html F] [--pdf F] [--scenario FILE] [--audit FILE]...
                                 the after-action report (control cell, or admin)
  audit ID --out FILE            this node's signed audit entries about the exercise, for the
                                 control cell's evaluation (admin of a participating node)

Run 'kizuna exercise COMMAND -h' for its flags.`

func runExercise(ctx context.Context, e *env, args []string) error {
	if handled, err := groupUsage(e, args, exerciseUsage); handled {
		return err
	}
	sub, rest := args[0], args[1:]
	if sub == "validate" {
		return validateScenario(e, rest)
	}
	var at, htmlFile, pdfFile, scenario, out string
	var purge bool
	var audits listFlag
	specs := map[string]struct {
		synopsis string
		n        int
		extra    func(*flag.FlagSet)
	}{
		"load": {"FILE [flags]", 1, nil}, "list": {"[flags]", 0, nil}, "status": {"ID [flags]", 1, nil},
		"ack":   {"ID RELEASE [flags]", 2, nil},
		"grant": {"ID [flags]", 1, nil},
		"end":   {"ID [--purge] [flags]", 1, func(fs *flag.FlagSet) { fs.BoolVar(&purge, "purge", false, "delete the exercise's data on this node") }},
		"start": {"ID --at TIME [flags]", 1, func(fs *flag.FlagSet) { fs.StringVar(&at, "at", "", "STARTEX, RFC 3339") }},
		"evaluate": {"ID [--at TIME] [--scenario FILE] [--audit FILE]... [flags]", 1, func(fs *flag.FlagSet) {
			fs.StringVar(&at, "at", "", "evaluate as at this time (RFC 3339; default now)")
			fs.StringVar(&scenario, "scenario", "", "the exercise's scenario file, on a node that did not load it (its digest must be the record's)")
			fs.Var(&audits, "audit", "a participating node's signed audit export ('kizuna exercise audit' there; repeatable)")
		}},
		"report": {"ID [--html FILE] [--pdf FILE] [--scenario FILE] [--audit FILE]... [flags]", 1, func(fs *flag.FlagSet) {
			fs.StringVar(&htmlFile, "html", "", "write the HTML report to FILE")
			fs.StringVar(&pdfFile, "pdf", "", "write the PDF report to FILE")
			fs.StringVar(&scenario, "scenario", "", "the exercise's scenario file, on a node that did not load it")
			fs.Var(&audits, "audit", "a participating node's signed audit export (repeatable)")
		}},
		"audit": {"ID --out FILE [flags]", 1, func(fs *flag.FlagSet) {
			fs.StringVar(&out, "out", "", "write this node's signed audit export of the exercise to FILE")
		}},
	}
	sp, ok := specs[sub]
	if !ok {
		return &exitError{code: 2, msg: fmt.Sprintf("kizuna exercise: unknown command %q\n\n%s", sub, exerciseUsage)}
	}
	c, pos, _, err := nodeCommand(e, "exercise "+sub, sp.synopsis, rest, sp.n, sp.extra)
	if err != nil {
		return err
	}
	if (sub == "start" && at == "") || (sub == "audit" && out == "") {
		return &exitError{code: 2, msg: "Usage: kizuna exercise " + sub + " " + sp.synopsis}
	}
	if err := exerciseCommand(e, c, sub, pos, exerciseFlags{at: at, htmlFile: htmlFile, pdfFile: pdfFile, scenario: scenario, out: out, audits: audits, purge: purge}); err != nil {
		if _, ok := err.(*exitError); !ok {
			err = &exitError{code: 1, msg: "exercise " + sub + ": " + err.Error()}
		}
		return err
	}
	return nil
}

// validateScenario checks a scenario file and prints every problem.
func validateScenario(e *env, args []string) error {
	fs := flag.NewFlagSet("exercise validate", flag.ContinueOnError)
	fs.Usage = usageFunc(fs, "Usage: kizuna exercise validate FILE")
	fs.SetOutput(e.stderr)
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return &exitError{code: 2, msg: "Usage: kizuna exercise validate FILE"}
	}
	data, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return &exitError{code: 1, msg: "exercise validate: " + err.Error()}
	}
	ex, err := exercise.ParseScenario(data, fs.Arg(0))
	if err != nil {
		return &exitError{code: 1, msg: errorText(err)}
	}
	fmt.Fprintf(e.stdout, "%s: %s, %d participants, %d injects over %s\n", fs.Arg(0), ex.ID, len(ex.Participants), len(ex.Injects), ex.Duration)
	return nil
}

// exerciseFlags are the flags of the exercise commands.
type exerciseFlags struct {
	at, htmlFile, pdfFile, scenario, out string
	audits                               []string
	purge                                bool
}

// evaluationBody returns the request of …/evaluation and …/report: a POST
// with the files --scenario and --audit name, or a GET when there are none.
func (f exerciseFlags) evaluationBody() (method string, body any, err error) {
	if f.scenario == "" && len(f.audits) == 0 {
		return "GET", nil, nil
	}
	var req exapi.EvaluationRequest
	if f.scenario != "" {
		data, err := os.ReadFile(f.scenario)
		if err != nil {
			return "", nil, err
		}
		if !json.Valid(data) {
			return "", nil, fmt.Errorf("%s: not JSON", f.scenario)
		}
		req.Scenario = data
	}
	for _, file := range f.audits {
		data, err := os.ReadFile(file)
		if err != nil {
			return "", nil, err
		}
		var a exapi.AuditExport
		if err := json.Unmarshal(data, &a); err != nil {
			return "", nil, fmt.Errorf("%s: %v", file, err)
		}
		req.Audit = append(req.Audit, a)
	}
	return "POST", req, nil
}

func exerciseCommand(e *env, c *apiClient, sub string, pos []string, f exerciseFlags) error {
	at, htmlFile, pdfFile, purge := f.at, f.htmlFile, f.pdfFile, f.purge
	var id string
	if len(pos) > 0 {
		id = url.PathEscape(pos[0])
	}
	switch sub {
	case "load":
		data, err := os.ReadFile(pos[0])
		if err != nil {
			return err
		}
		if !json.Valid(data) {
			return fmt.Errorf("%s: not JSON", pos[0])
		}
		var out json.RawMessage
		if _, err := c.call("POST", "/api/v1/exercises", json.RawMessage(data), &out); err != nil {
			return err
		}
		return printExercise(e, out)
	case "start":
		t, err := time.Parse(time.RFC3339, at)
		if err != nil {
			return fmt.Errorf("--at %s: an RFC 3339 time is required", at)
		}
		var out json.RawMessage
		if _, err := c.call("POST", "/api/v1/exercises/"+id+"/start", map[string]time.Time{"startex": t}, &out); err != nil {
			return err
		}
		return printExercise(e, out)
	case "list":
		var out struct {
			Exercises []json.RawMessage `json:"exercises"`
		}
		if _, err := c.call("GET", "/api/v1/exercises", nil, &out); err != nil {
			return err
		}
		for _, raw := range out.Exercises {
			if err := printExercise(e, raw); err != nil {
				return err
			}
		}
		return nil
	case "status":
		var out json.RawMessage
		if _, err := c.call("GET", "/api/v1/exercises/"+id, nil, &out); err != nil {
			return err
		}
		if err := printExercise(e, out); err != nil {
			return err
		}
		var rels struct {
			Releases []kizuna.InjectRelease `json:"releases"`
		}
		if _, err := c.call("GET", "/api/v1/exercises/"+id+"/releases", nil, &rels); err != nil {
			return err
		}
		for _, r := range rels.Releases {
			fmt.Fprintf(e.stdout, "%s\t%s\tto %s\tdue %s\t%d objects\n", r.ID, r.Inject, r.Participant, r.Due.Format(time.RFC3339), len(r.ObjectRefs))
		}
		return nil
	case "grant":
		var out struct {
			Community string   `json:"community"`
			Granted   []string `json:"granted"`
		}
		if _, err := c.call("POST", "/api/v1/exercises/"+id+"/grant", nil, &out); err != nil {
			return err
		}
		for _, name := range out.Granted {
			fmt.Fprintf(e.stdout, "granted %s to %s\n", out.Community, name)
		}
		return nil
	case "end":
		var out exapi.Ended
		if _, err := c.call("POST", "/api/v1/exercises/"+id+"/end", map[string]bool{"purge": purge}, &out); err != nil {
			return err
		}
		if err := printExercise(e, out.Exercise); err != nil {
			return err
		}
		for _, name := range out.Revoked {
			fmt.Fprintf(e.stdout, "revoked the community from %s\n", name)
		}
		for _, it := range out.Purged {
			fmt.Fprintf(e.stdout, "purged %s\t%s\t%s\n", it.Collection, it.ID, it.Reason)
		}
		for _, it := range out.Review {
			fmt.Fprintf(e.stdout, "review %s\t%s\t%s\n", it.Collection, it.ID, it.Reason)
		}
		return nil
	case "ack":
		if _, err := c.call("POST", "/api/v1/exercises/"+id+"/releases/"+url.PathEscape(pos[1])+"/acknowledge", nil, nil); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "acknowledged %s\n", pos[1])
		return nil
	case "evaluate":
		q := ""
		if at != "" {
			q = "?at=" + url.QueryEscape(at)
		}
		var out exapi.Evaluation
		method, body, err := f.evaluationBody()
		if err != nil {
			return err
		}
		if _, err := c.call(method, "/api/v1/exercises/"+id+"/evaluation"+q, body, &out); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "EXERCISE %s  STARTEX %s  as at %s\n", out.Exercise, out.Start.Format(time.RFC3339), out.At.Format(time.RFC3339))
		for _, o := range out.Outcomes {
			fmt.Fprintf(e.stdout, "%s\t%s\t%s\t%s\t%s\n", o.Inject, o.Action, o.Participant, o.Status, o.Evidence)
		}
		return nil
	case "report":
		if htmlFile == "" && pdfFile == "" {
			return fmt.Errorf("--html FILE or --pdf FILE is required")
		}
		method, body, err := f.evaluationBody()
		if err != nil {
			return err
		}
		for _, r := range []struct{ format, file string }{{"html", htmlFile}, {"pdf", pdfFile}} {
			if r.file == "" {
				continue
			}
			var out json.RawMessage
			if _, err := c.call(method, "/api/v1/exercises/"+id+"/report?format="+r.format, body, &out); err != nil {
				return err
			}
			if err := os.WriteFile(r.file, out, 0o600); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "wrote %s (%d bytes)\n", r.file, len(out))
		}
		return nil
	case "audit":
		var out json.RawMessage
		if _, err := c.call("GET", "/api/v1/exercises/"+id+"/audit", nil, &out); err != nil {
			return err
		}
		if err := os.WriteFile(f.out, out, 0o600); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "wrote %s (%d bytes)\n", f.out, len(out))
		return nil
	}
	return nil
}

// printExercise prints one line of an x-kizuna-exercise.
func printExercise(e *env, raw json.RawMessage) error {
	x, err := exstix.DecodeExercise(raw)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "EXERCISE %s\t%s\t%s – %s\t%s\n", x.ID, x.State, x.Start.Format(time.RFC3339), x.End.Format(time.RFC3339), x.Exercise.Name.In("en"))
	return nil
}
