// Command kizuna runs and administers a kizuna node.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/kizuna-dev/kizuna"
)

const usage = `kizuna shares cyber-threat information between allied nations over STIX 2.1 and TAXII 2.1.

Usage:
  kizuna serve      [--data DIR] [--listen ADDR]     run a node (initialises DIR on first start)
  kizuna init       [--data DIR] [--nation NNN]      initialise a data directory without serving
  kizuna import     --collection ID FILE...         import STIX bundles or JSON arrays
  kizuna export     --collection ID                 write a collection as a STIX bundle, or in a SOC format
  kizuna feed       add|list|remove                 manage the feeds SOC tools poll over HTTP
  kizuna source     add|list|pull|remove            pull collections of other TAXII 2.1 servers on a schedule
  kizuna collection add|list                        manage collections
  kizuna principal  add|list|revoke                 manage principals and their tokens
  kizuna peer       add|list|remove|set-token|resend manage peering agreements with other nodes
  kizuna node       key|classification              print the node's key and pin; show or set its classification configuration
  kizuna demo                                       run three federated nodes (USA, JPN, AUS) on loopback
  kizuna org        add                             add an organisation (a STIX identity)
  kizuna access     explain                         why a principal may or may not read an object
  kizuna pattern    validate|match                  check and evaluate STIX patterns
  kizuna match      --indicators F --observations F match observations against indicators
  kizuna audit      verify                          check the audit log's hash chain
  kizuna bench      gen|ingest                      generate synthetic data; measure ingest and export
  kizuna incident   add|list|show|answer|assess|divergence|campaigns  incidents and assessments on a node
  kizuna consult    open|act|list|show              consultations between points of contact
  kizuna deconflict register|list|show|conflicts|notices  the registry of defensive actions on a node
  kizuna exercise   validate|load|start|list|status|ack|evaluate|report  exercises on a node
  kizuna policy     test                            run a threshold policy on a saved incident
  kizuna version                                    print the version
  kizuna sector     list|show|crosswalk|diff|profile sector vocabularies, crosswalk, tiers, requirements
  kizuna tearline   draft|release                   release a tearline of an object at a lower marking
  kizuna stream                                     print a node's live stream as JSON lines

Every command that opens a node takes --data DIR and --store sqlite|postgres://URL
(default $KIZUNA_STORE, else sqlite in DIR); on PostgreSQL also --key-file ($KIZUNA_KEY_FILE).
Run 'kizuna COMMAND -h' (or 'kizuna help COMMAND') for the flags of a command.
`

// env carries the process's streams so that tests can replace them.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// exitError ends the process with a specific exit code.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	e := &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}
	if err := run(ctx, e, os.Args[1:]); err != nil {
		var xe *exitError
		if errors.As(err, &xe) {
			if xe.msg != "" {
				fmt.Fprintln(os.Stderr, xe.msg)
			}
			os.Exit(xe.code)
		}
		fmt.Fprintln(os.Stderr, "kizuna:", err)
		os.Exit(1)
	}
}

// run dispatches to a subcommand. Usage printed on request (-h, --help,
// help) is a successful answer.
func run(ctx context.Context, e *env, args []string) error {
	if err := dispatch(ctx, e, args); !errors.Is(err, errHelp) {
		return err
	}
	return nil
}

func dispatch(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, usage)
		return &exitError{code: 2}
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return runServe(ctx, e, rest)
	case "init":
		return runInit(ctx, e, rest)
	case "import":
		return runImport(ctx, e, rest)
	case "export":
		return runExport(ctx, e, rest)
	case "feed":
		return runFeed(ctx, e, rest) // feed.go
	case "source":
		return runSource(ctx, e, rest) // source.go
	case "collection":
		return runCollection(ctx, e, rest)
	case "principal":
		return runPrincipal(ctx, e, rest)
	case "org":
		return runOrg(ctx, e, rest)
	case "access":
		return runAccess(ctx, e, rest)
	case "pattern":
		return runPattern(ctx, e, rest)
	case "peer":
		return runPeer(ctx, e, rest)
	case "node":
		return runNode(ctx, e, rest)
	case "demo":
		return runDemo(ctx, e, rest)
	case "match":
		return runMatch(ctx, e, rest)
	case "audit":
		return runAudit(ctx, e, rest)
	case "bench":
		return runBench(ctx, e, rest)
	case "version":
		return runVersion(ctx, e, rest)
	case "incident": // collective defense (incident.go, consult.go, policy.go)
		return runIncident(ctx, e, rest)
	case "consult":
		return runConsult(ctx, e, rest)
	case "deconflict": // deconfliction registry (deconflict.go)
		return runDeconflict(ctx, e, rest)
	case "exercise": // exercises (exercise.go)
		return runExercise(ctx, e, rest)
	case "policy":
		return runPolicy(ctx, e, rest)
	case "sector":
		return runSector(ctx, e, rest)
	case "tearline":
		return runTearline(ctx, e, rest)
	case "stream": // the live stream (stream.go)
		return runStream(ctx, e, rest)
	case "help", "-h", "-help", "--help":
		if cmd == "help" && len(rest) > 0 && !isHelp(rest[0]) {
			return dispatch(ctx, e, []string{rest[0], "--help"}) // kizuna help peer
		}
		fmt.Fprint(e.stdout, usage)
		return nil
	default:
		fmt.Fprint(e.stderr, usage)
		return &exitError{code: 2, msg: fmt.Sprintf("kizuna: unknown command %q", cmd)}
	}
}

// errorText is an error as the operator at the command line reads it: a
// kizuna error's message, or the whole error of anything else (a file that
// does not open, a store that fails), which kizuna.ErrorMessage hides from
// remote callers as "Internal error.".
func errorText(err error) string {
	var e *kizuna.Error
	if errors.As(err, &e) {
		return e.Message
	}
	return err.Error()
}
