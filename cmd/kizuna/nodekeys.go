package main

import (
	"context"
	"flag"
	"fmt"
)

// runNode runs 'kizuna node key'.
func runNode(ctx context.Context, e *env, args []string) error {
	if handled, err := groupUsage(e, args, "Usage: kizuna node key [flags]\n\nRun 'kizuna node key -h' for its flags."); handled {
		return err
	}
	if args[0] != "key" {
		return &exitError{code: 2, msg: fmt.Sprintf("kizuna node: unknown subcommand %q (want key)", args[0])}
	}
	fs := flag.NewFlagSet("node key", flag.ContinueOnError)
	fs.Usage = usageFunc(fs, "Usage: kizuna node key [--data DIR]")
	fs.SetOutput(e.stderr)
	data := nodeFlagsOf(fs)
	if err := parseFlags(e, fs, args[1:]); err != nil {
		return err
	}
	n, err := data.open(ctx, nil)
	if err != nil {
		return err
	}
	defer n.Close()
	keys, err := n.Keys(ctx)
	if err != nil {
		return err
	}
	// One "name: value" per line; the flags of 'kizuna peer add' on the
	// other node take these values.
	fmt.Fprintf(e.stdout, "node: %s\n", n.Identity.ID)
	fmt.Fprintf(e.stdout, "nation: %s\n", n.Identity.Nation)
	fmt.Fprintf(e.stdout, "organization: %s\n", n.Identity.Organization)
	fmt.Fprintf(e.stdout, "public-key: %s\n", keys.PublicKey())
	fmt.Fprintf(e.stdout, "key-id: %s\n", keys.KeyID())
	fmt.Fprintf(e.stdout, "cert-sha256: %s\n", keys.CertSHA256)
	return nil
}
