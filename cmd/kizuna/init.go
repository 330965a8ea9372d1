package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/kizuna-dev/kizuna/node"
)

// runInit initialises a data directory, as the first 'serve' would, without
// serving: for scripts and tests.
func runInit(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("init", flag.ContinueOnError)
	fs.Usage = usageFunc(fs, "Usage: kizuna init [--data DIR] [--store sqlite|postgres://...] [--nation NNN] [--name NAME] [--sample]")
	fs.SetOutput(e.stderr)
	data := nodeFlagsOf(fs)
	nation := fs.String("nation", "USA", "the operator's nation (ISO 3166-1 alpha-3)")
	name := fs.String("name", "", "the node's display name")
	sample := fs.Bool("sample", false, "load the sample data set into a 'sample' collection")
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	res, err := node.Init(ctx, data.config(nil), node.InitOptions{Name: *name, Nation: *nation})
	if err != nil {
		return err
	}
	n, err := data.open(ctx, nil)
	if err != nil {
		return err
	}
	defer n.Close()
	if !res.Created && n.Bootstrapped(ctx) {
		return fmt.Errorf("init: %s is already initialised", data.where())
	}
	if err := n.Bootstrap(ctx, *sample); err != nil {
		return err
	}
	if !res.Created {
		fmt.Fprintf(e.stderr, "finished the interrupted initialisation of %s; the admin token is in %s/%s\n", data.where(), data.dir, node.AdminTokenFile)
		return nil
	}
	fmt.Fprintf(e.stderr, "initialised %s for nation %s; the admin token is in %s/%s\n", data.where(), n.Identity.Nation, data.dir, node.AdminTokenFile)
	fmt.Fprintln(e.stdout, res.AdminToken)
	return nil
}
