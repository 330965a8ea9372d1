package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/kizuna-dev/kizuna/route"
	"github.com/kizuna-dev/kizuna/route/routeapi"
)

const tearlineUsage = `Usage:
  kizuna tearline draft   --principal NAME OBJECT-ID
  kizuna tearline release --principal NAME --approve FILE --marking ID [--rationale TEXT] OBJECT-ID

draft prints the content of the source as the principal reads it, as a list of
approvals ([{"property", "value"}]) to prune and rewrite into FILE. release makes
a tearline of OBJECT-ID at the marking with exactly the approved properties, as
the principal (the source's originator or a holder of the releaser role, who may
read it), links it to its source, records the release in the audit log and
routes the tearline. Both take --data DIR and --store as every node command.`

func runTearline(ctx context.Context, e *env, args []string) error {
	if handled, err := groupUsage(e, args, tearlineUsage); handled {
		return err
	}
	sub := args[0]
	if sub != "draft" && sub != "release" {
		return &exitError{code: 2, msg: fmt.Sprintf("kizuna tearline: unknown subcommand %q (want draft or release)", sub)}
	}
	fs := flag.NewFlagSet("tearline "+sub, flag.ContinueOnError)
	fs.Usage = usageFunc(fs, tearlineUsage)
	fs.SetOutput(e.stderr)
	data := nodeFlagsOf(fs)
	principal := fs.String("principal", "", "the releaser's principal name (required)")
	approve := fs.String("approve", "", "release: the JSON file of approvals (required)")
	var markings listFlag
	fs.Var(&markings, "marking", "release: a marking-definition id of the tearline (repeatable, required)")
	rationale := fs.String("rationale", "", "release: why the tearline is released (recorded in the audit log)")
	if err := parseFlags(e, fs, args[1:]); err != nil {
		return err
	}
	if *principal == "" || fs.NArg() != 1 || (sub == "release" && (*approve == "" || len(markings) == 0)) {
		return &exitError{code: 2, msg: "tearline " + sub + ": missing arguments\n" + tearlineUsage}
	}
	var req routeapi.TearlineRequest
	if sub == "release" {
		raw, err := os.ReadFile(*approve)
		if err != nil {
			return fmt.Errorf("tearline release: %v", err)
		}
		if err := json.Unmarshal(raw, &req.Approved); err != nil {
			return fmt.Errorf("tearline release: %s: want a JSON list of {\"property\", \"value\"}: %v", *approve, err)
		}
		req.MarkingRefs, req.Rationale = markings, *rationale
	}
	n, err := data.open(ctx, nil)
	if err != nil {
		return err
	}
	defer n.Close()
	pr, err := n.Store.FindPrincipalByName(ctx, *principal)
	if err != nil || pr.RevokedAt != nil {
		return fmt.Errorf("tearline %s: no principal named %q", sub, *principal)
	}
	s, err := routeapi.New(ctx, n.Node, routeapi.Options{})
	if err != nil {
		return err
	}
	id := fs.Arg(0)
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	if sub == "draft" {
		d, err := s.Draft(ctx, pr, id)
		if err != nil {
			return fmt.Errorf("tearline draft: %s", errorText(err))
		}
		if d == nil {
			d = []route.Approval{}
		}
		return enc.Encode(d)
	}
	res, err := s.Release(ctx, pr, id, req)
	if err != nil {
		return fmt.Errorf("tearline release: %s", errorText(err))
	}
	routed, err := s.RouteStored(ctx, res.Release.Tearline)
	if err != nil {
		return fmt.Errorf("tearline release: released %s, but routing it failed: %v", res.Release.Tearline, err)
	}
	notices := 0
	for _, r := range routed {
		notices += len(r.Notices)
	}
	fmt.Fprintf(e.stdout, "tearline %s (linked to %s by %s); %d notices\n", res.Release.Tearline, id, res.Release.Link, notices)
	return nil
}
